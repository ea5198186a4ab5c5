"""Events of the staff app (seed 001's shapes), declared once (`realtime.events`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from switchboard.common.clock import now
from switchboard.realtime.events import Event, declare
from switchboard.realtime.publish import publish
from switchboard.staff.channels import FieldReaders as R
from switchboard.staff.channels import dept_channel, org_channel


@declare
@dataclass(frozen=True, kw_only=True)
class StaffProfileUpdated(Event):
    """A profile was created, changed or deleted: what the staff API shows every insider."""

    event_name: ClassVar[str] = "staff-profile-updated"
    channels: ClassVar[tuple[str, ...]] = ("org", "dept")

    action: Annotated[str, R.INTERNAL]
    staff_id: Annotated[int, R.INTERNAL]
    user_id: Annotated[int, R.INTERNAL]
    first_name: Annotated[str, R.INTERNAL]
    last_name: Annotated[str, R.INTERNAL]
    full_name: Annotated[str, R.INTERNAL]
    department: Annotated[str | None, R.INTERNAL]
    department_slug: Annotated[str | None, R.INTERNAL]
    skills: Annotated[list[str], R.INTERNAL]
    capacity: Annotated[int, R.INTERNAL]
    is_active: Annotated[bool, R.INTERNAL]
    timestamp: Annotated[datetime, R.INTERNAL]


STAFF_PROFILE_UPDATED = StaffProfileUpdated.event_name


def staff_profile_event(staff, action: str) -> StaffProfileUpdated:
    department = staff.department
    return StaffProfileUpdated(
        action=action,
        staff_id=staff.pk,
        user_id=staff.user_id,
        first_name=staff.user.first_name,
        last_name=staff.user.last_name,
        full_name=staff.full_name,
        department=department.name if department else None,
        department_slug=department.slug if department else None,
        skills=sorted(skill.slug for skill in staff.skills.all()),
        capacity=staff.capacity,
        is_active=staff.is_active,
        timestamp=now(),
    )


def emit_staff_profile_updated(staff, action: str, *, departments=()) -> None:
    """Org-wide, plus every department channel the change concerns (old and new)."""
    org = staff.organization
    channels = [org_channel(org.slug)]
    slugs = {d.slug for d in departments if d is not None}
    if staff.department is not None:
        slugs.add(staff.department.slug)
    channels += [dept_channel(org.slug, slug) for slug in sorted(slugs)]
    publish(org, channels, staff_profile_event(staff, action))
