"""Attendance and roster events (seed 001's shapes), on the organisation channel, the
person's staff channel and their department channel."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from switchboard.common.clock import now
from switchboard.realtime.events import Event, declare
from switchboard.realtime.publish import publish
from switchboard.staff.channels import FieldReaders as R
from switchboard.staff.channels import dept_channel, org_channel, staff_channel

CHANNELS = ("org", "staff", "dept")


@declare
@dataclass(frozen=True, kw_only=True)
class ClockStatusUpdated(Event):
    """A punch: `clock_in`, `clock_out`, `start_break`, `end_break`."""

    event_name: ClassVar[str] = "clock-status-updated"
    channels: ClassVar[tuple[str, ...]] = CHANNELS

    user_id: Annotated[int, R.INTERNAL]
    staff_id: Annotated[int, R.INTERNAL]
    duty_status: Annotated[str, R.INTERNAL]
    is_on_duty: Annotated[bool, R.INTERNAL]
    is_on_break: Annotated[bool, R.INTERNAL]
    status_label: Annotated[str, R.INTERNAL]
    clock_time: Annotated[datetime, R.INTERNAL]
    first_name: Annotated[str, R.INTERNAL]
    last_name: Annotated[str, R.INTERNAL]
    action: Annotated[str, R.INTERNAL]
    department: Annotated[str | None, R.INTERNAL]
    department_slug: Annotated[str | None, R.INTERNAL]
    current_status: Annotated[dict, R.INTERNAL]


@declare
@dataclass(frozen=True, kw_only=True)
class AttendanceLogged(Event):
    """A log opened (`clock_in`) or closed (`clock_out`)."""

    event_name: ClassVar[str] = "attendance-logged"
    channels: ClassVar[tuple[str, ...]] = CHANNELS

    action: Annotated[str, R.INTERNAL]
    log_id: Annotated[int, R.INTERNAL]
    staff_id: Annotated[int, R.INTERNAL]
    staff_name: Annotated[str, R.INTERNAL]
    clock_in_at: Annotated[datetime, R.INTERNAL]
    clock_out_at: Annotated[datetime | None, R.INTERNAL]
    source: Annotated[str, R.INTERNAL]
    auto_closed: Annotated[bool, R.INTERNAL]
    timestamp: Annotated[datetime, R.INTERNAL]


@declare
@dataclass(frozen=True, kw_only=True)
class RosterUpdated(Event):
    """A shift `created`, `updated` or `deleted`; `bulk_updated` for a bulk change or a
    week copy (then the shift fields are empty)."""

    event_name: ClassVar[str] = "roster-updated"
    channels: ClassVar[tuple[str, ...]] = CHANNELS

    action: Annotated[str, R.INTERNAL]
    roster_id: Annotated[int | None, R.INTERNAL]
    staff_id: Annotated[int | None, R.INTERNAL]
    staff_name: Annotated[str | None, R.INTERNAL]
    shift_date: Annotated[str | None, R.INTERNAL]
    shift_start: Annotated[str | None, R.INTERNAL]
    shift_end: Annotated[str | None, R.INTERNAL]
    department: Annotated[str | None, R.INTERNAL]
    location: Annotated[str | None, R.INTERNAL]
    timestamp: Annotated[datetime, R.INTERNAL]


def _channels(staff, departments=()) -> list[str]:
    slug = staff.organization.slug
    found = [org_channel(slug), staff_channel(slug, staff.pk)]
    depts = {d.slug for d in (staff.department, *departments) if d is not None}
    return found + [dept_channel(slug, d) for d in sorted(depts)]


def emit_clock_status(staff, action: str, status: dict, at: datetime) -> None:
    dept, user = staff.department, staff.user
    event = ClockStatusUpdated(
        user_id=staff.user_id,
        staff_id=staff.pk,
        duty_status=status["status"],
        is_on_duty=status["status"] != "off_duty",
        is_on_break=status["is_on_break"],
        status_label=status["label"],
        clock_time=at,
        first_name=user.first_name,
        last_name=user.last_name,
        action=action,
        department=dept.name if dept else None,
        department_slug=dept.slug if dept else None,
        current_status=status,
    )
    publish(staff.organization, _channels(staff), event)


def emit_attendance_logged(log, action: str) -> None:
    event = AttendanceLogged(
        action=action,
        log_id=log.pk,
        staff_id=log.staff_id,
        staff_name=log.staff.full_name,
        clock_in_at=log.clock_in_at,
        clock_out_at=log.clock_out_at,
        source=log.source,
        auto_closed=log.auto_closed,
        timestamp=now(),
    )
    publish(log.staff.organization, _channels(log.staff), event)


def emit_roster_updated(shift, action: str, *, departments=()) -> None:
    dept = shift.department
    event = RosterUpdated(
        action=action,
        roster_id=shift.pk,
        staff_id=shift.staff_id,
        staff_name=shift.staff.full_name,
        shift_date=shift.date.isoformat(),
        shift_start=shift.start_time.isoformat(),
        shift_end=shift.end_time.isoformat(),
        department=dept.name if dept else None,
        location=shift.location,
        timestamp=now(),
    )
    publish(shift.organization, _channels(shift.staff, [dept, *departments]), event)


def emit_roster_bulk_updated(organization, staff_members) -> None:
    """One event for a bulk change: on the org channel, and each person's and department's."""
    slug = organization.slug
    channels = {org_channel(slug)}
    for person in staff_members:
        channels.update(_channels(person))
    event = RosterUpdated(
        action="bulk_updated",
        roster_id=None,
        staff_id=None,
        staff_name=None,
        shift_date=None,
        shift_start=None,
        shift_end=None,
        department=None,
        location=None,
        timestamp=now(),
    )
    publish(organization, sorted(channels), event)
