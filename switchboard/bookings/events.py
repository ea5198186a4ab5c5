"""Events of the bookings app (seed 000's, 002's and 004's field names), declared once
(`realtime.events`), each field with who may read it (`staff.channels.FieldReaders`).

A booking in full goes to the managers' channel and to the staff channels of the people on
it; its customer gets the customer shape on their own channel. The organisation channel,
open to every insider, carries only what every insider may read through the API
(workload, the resource board).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar

from switchboard.accounts.permissions import STAFF
from switchboard.bookings.selectors import staff_with_workload
from switchboard.bookings.sessions_selectors import remaining_seconds, resources_with_status
from switchboard.common.clock import now
from switchboard.realtime.events import Event, declare
from switchboard.realtime.publish import publish
from switchboard.staff.channels import FieldReaders as R
from switchboard.staff.channels import (
    customer_channel,
    dept_channel,
    managers_channel,
    org_channel,
    staff_channel,
)


@declare
@dataclass(frozen=True, kw_only=True)
class BookingUpdated(Event):
    event_name: ClassVar[str] = "booking-updated"
    channels: ClassVar[tuple[str, ...]] = ("managers", "staff", "customer")

    action: Annotated[str, R.EVERYONE]
    booking_id: Annotated[int, R.EVERYONE]
    workflow: Annotated[str, R.CUSTOMER_SHAPE]
    status: Annotated[str, R.CUSTOMER_SHAPE]
    previous_status: Annotated[str, R.CUSTOMER_SHAPE]
    changed: Annotated[list[str], R.OWN_WORK]
    service_id: Annotated[int, R.CUSTOMER_SHAPE]
    service_name: Annotated[str, R.CUSTOMER_SHAPE]
    starts_at: Annotated[datetime, R.CUSTOMER_SHAPE]
    ends_at: Annotated[datetime | None, R.CUSTOMER_SHAPE]
    resource_id: Annotated[int | None, R.CUSTOMER_SHAPE]
    parent_id: Annotated[int | None, R.OWN_WORK]
    assignee_id: Annotated[int | None, R.OWN_WORK]
    assignee_name: Annotated[str | None, R.OWN_WORK]
    previous_assignee_id: Annotated[int | None, R.MANAGERS]
    driver_id: Annotated[int | None, R.OWN_WORK]
    driver_name: Annotated[str | None, R.OWN_WORK]
    previous_driver_id: Annotated[int | None, R.MANAGERS]
    therapist_accepted: Annotated[bool, R.OWN_WORK]
    driver_accepted: Annotated[bool, R.OWN_WORK]
    rejection_reason: Annotated[str, R.OWN_WORK]
    notes: Annotated[str, R.OWN_WORK]
    timestamp: Annotated[datetime, R.EVERYONE]


@declare
@dataclass(frozen=True, kw_only=True)
class WorkloadUpdated(Event):
    """One staff member's derived workload: the Employees API row, open to insiders."""

    event_name: ClassVar[str] = "workload-updated"
    channels: ClassVar[tuple[str, ...]] = ("org", "staff", "dept")

    staff_id: Annotated[int, R.INTERNAL]
    employee_name: Annotated[str, R.INTERNAL]
    department_slug: Annotated[str | None, R.INTERNAL]
    standalone_bookings: Annotated[int, R.INTERNAL]
    addon_services: Annotated[int, R.INTERNAL]
    driving: Annotated[int, R.INTERNAL]
    current_assignments: Annotated[int, R.INTERNAL]
    capacity: Annotated[int, R.INTERNAL]
    availability_status: Annotated[str, R.INTERNAL]
    timestamp: Annotated[datetime, R.INTERNAL]


@declare
@dataclass(frozen=True, kw_only=True)
class BookingUnassigned(Event):
    """Auto-assignment found nobody: operators must act."""

    event_name: ClassVar[str] = "booking-unassigned"
    channels: ClassVar[tuple[str, ...]] = ("managers",)

    booking_id: Annotated[int, R.MANAGERS]
    workflow: Annotated[str, R.MANAGERS]
    status: Annotated[str, R.MANAGERS]
    service_id: Annotated[int, R.MANAGERS]
    service_name: Annotated[str, R.MANAGERS]
    starts_at: Annotated[datetime, R.MANAGERS]
    ends_at: Annotated[datetime | None, R.MANAGERS]
    reason: Annotated[str, R.MANAGERS]
    timestamp: Annotated[datetime, R.MANAGERS]


@declare
@dataclass(frozen=True, kw_only=True)
class ResourceStatusUpdated(Event):
    """A resource board row (seed 004), status derived after the change."""

    event_name: ClassVar[str] = "resource-status-updated"
    channels: ClassVar[tuple[str, ...]] = ("org",)

    resource_id: Annotated[int, R.INTERNAL]
    name: Annotated[str, R.INTERNAL]
    kind: Annotated[str, R.INTERNAL]
    status: Annotated[str, R.INTERNAL]
    active_booking_id: Annotated[int | None, R.INTERNAL]
    starts_at: Annotated[datetime | None, R.INTERNAL]
    ends_at: Annotated[datetime | None, R.INTERNAL]
    remaining_seconds: Annotated[int | None, R.INTERNAL]
    timestamp: Annotated[datetime, R.INTERNAL]


@declare
@dataclass(frozen=True, kw_only=True)
class SessionCompleted(Event):
    """A session made official as completed: at its end (`expired`) or by hand (`ended`)."""

    event_name: ClassVar[str] = "session-completed"
    channels: ClassVar[tuple[str, ...]] = ("org",)

    booking_id: Annotated[int, R.INTERNAL]
    resource_id: Annotated[int | None, R.INTERNAL]
    resource_name: Annotated[str | None, R.INTERNAL]
    status: Annotated[str, R.INTERNAL]
    reason: Annotated[str, R.INTERNAL]
    starts_at: Annotated[datetime, R.INTERNAL]
    ends_at: Annotated[datetime | None, R.INTERNAL]
    timestamp: Annotated[datetime, R.INTERNAL]


BOOKING_UPDATED = BookingUpdated.event_name
WORKLOAD_UPDATED = WorkloadUpdated.event_name
BOOKING_UNASSIGNED = BookingUnassigned.event_name
RESOURCE_STATUS_UPDATED = ResourceStatusUpdated.event_name
SESSION_COMPLETED = SessionCompleted.event_name


def _person(staff) -> str | None:
    return staff.full_name if staff is not None else None


def booking_payload(booking, action: str, *, changed=(), previous=None) -> dict:
    previous = previous or {}
    return {
        "action": action,
        "booking_id": booking.pk,
        "workflow": booking.workflow,
        "status": booking.status,
        "previous_status": previous.get("status", booking.status),
        "changed": sorted(changed),
        "service_id": booking.service_id,
        "service_name": booking.service.name,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "resource_id": booking.resource_id,
        "parent_id": booking.parent_id,
        "assignee_id": booking.assignee_id,
        "assignee_name": _person(booking.assignee),
        "previous_assignee_id": previous.get("assignee_id", booking.assignee_id),
        "driver_id": booking.driver_id,
        "driver_name": _person(booking.driver),
        "previous_driver_id": previous.get("driver_id", booking.driver_id),
        "therapist_accepted": booking.therapist_accepted,
        "driver_accepted": booking.driver_accepted,
        "rejection_reason": booking.rejection_reason,
        "notes": booking.notes,
        "timestamp": now(),
    }


def emit_booking_updated(booking, action: str, *, changed=(), previous=None) -> None:
    """To managers, to the staff channel of everyone on the booking, and to its customer.
    Someone the booking has just left reads only which booking it was (as any staff
    member would): it is no longer their work."""
    for org, channels, event, also in booking_updated_items(
        booking, action, changed=changed, previous=previous
    ):
        publish(org, channels, event, also=also)


def booking_updated_items(booking, action: str, *, changed=(), previous=None) -> list[tuple]:
    """What `emit_booking_updated` publishes, as `publish_many` items."""
    org = booking.organization
    previous = previous or {}
    event = BookingUpdated(**booking_payload(booking, action, changed=changed, previous=previous))
    holders = {booking.assignee_id, booking.driver_id} - {None}
    former = {previous.get("assignee_id"), previous.get("driver_id")} - holders - {None}
    channels = [managers_channel(org.slug)]
    channels += [staff_channel(org.slug, pk) for pk in sorted(holders)]
    if booking.customer_id:
        channels.append(customer_channel(org.slug, booking.customer_id))
    items = [(org, channels, event, frozenset())]
    if former:
        gone = [staff_channel(org.slug, pk) for pk in sorted(former)]
        items.append((org, gone, event, frozenset({STAFF})))
    return items


def workload_payload(staff) -> dict:
    """`staff` comes annotated by `with_workload`."""
    return {
        "staff_id": staff.pk,
        "employee_name": staff.full_name,
        "department_slug": staff.department.slug if staff.department else None,
        "standalone_bookings": staff.standalone_bookings,
        "addon_services": staff.addon_services,
        "driving": staff.driving,
        "current_assignments": staff.current_assignments,
        "capacity": staff.capacity,
        "availability_status": staff.availability_status,
        "timestamp": now(),
    }


def emit_workload_updated(organization, staff_ids) -> None:
    """One event per affected staff member, read from the rows after the change."""
    if not staff_ids:
        return
    for org, channels, event in workload_updated_items(organization, staff_ids):
        publish(org, channels, event)


def workload_updated_items(organization, staff_ids) -> list[tuple]:
    """What `emit_workload_updated` publishes, as `publish_many` items (one query)."""
    if not staff_ids:
        return []
    items = []
    for staff in staff_with_workload(organization, staff_ids):
        channels = [org_channel(organization.slug), staff_channel(organization.slug, staff.pk)]
        if staff.department is not None:
            channels.append(dept_channel(organization.slug, staff.department.slug))
        items.append((organization, channels, WorkloadUpdated(**workload_payload(staff))))
    return items


def emit_booking_unassigned(booking, reason: str) -> None:
    """Auto-assignment found nobody: operators must act."""
    org = booking.organization
    publish(
        org,
        [managers_channel(org.slug)],
        BookingUnassigned(
            **{
                "booking_id": booking.pk,
                "workflow": booking.workflow,
                "status": booking.status,
                "service_id": booking.service_id,
                "service_name": booking.service.name,
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
                "reason": reason,
                "timestamp": now(),
            }
        ),
    )


# Timed sessions (seed 004)


def resource_status_payload(resource, at) -> dict:
    """`resource` comes annotated by `sessions_selectors.with_session_status`."""
    return {
        "resource_id": resource.pk,
        "name": resource.name,
        "kind": resource.kind,
        "status": resource.status,
        "active_booking_id": resource.active_booking_id,
        "starts_at": resource.session_starts_at,
        "ends_at": resource.session_ends_at,
        "remaining_seconds": remaining_seconds(resource, at),
        "timestamp": at,
    }


def emit_resource_status_updated(organization, resource_ids, *, at=None) -> None:
    """One event per resource, its status read (derived) from the rows after the change."""
    at = at or now()
    for resource in resources_with_status(organization, resource_ids, at=at):
        publish(
            organization,
            [org_channel(organization.slug)],
            ResourceStatusUpdated(**resource_status_payload(resource, at)),
        )


def emit_session_completed(booking, *, reason: str, at=None) -> None:
    """A session was made official as completed: at its end (`expired`) or by hand (`ended`)."""
    publish(*session_completed_item(booking, reason=reason, at=at))


def session_completed_item(booking, *, reason: str, at=None) -> tuple:
    """What `emit_session_completed` publishes, as a `publish_many` item."""
    org = booking.organization
    event = SessionCompleted(
        booking_id=booking.pk,
        resource_id=booking.resource_id,
        resource_name=booking.resource.name if booking.resource_id else None,
        status=booking.status,
        reason=reason,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timestamp=at or now(),
    )
    return org, [org_channel(org.slug)], event


def resource_status_items(organization, resources, at) -> list[tuple]:
    """`resource-status-updated` for each of `resources` (annotated by
    `with_session_status`), as `publish_many` items."""
    channels = [org_channel(organization.slug)]
    return [
        (organization, channels, ResourceStatusUpdated(**resource_status_payload(r, at)))
        for r in resources
    ]
