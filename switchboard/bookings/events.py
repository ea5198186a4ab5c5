"""Event names and payloads of the bookings app (seed 000's and seed 002's field names).

Payloads carry no customer name or phone: the organisation channel is open to every member,
customers included.
"""

from switchboard.bookings.selectors import employees_with_workload
from switchboard.bookings.sessions_selectors import remaining_seconds, resource_with_status
from switchboard.common.clock import now
from switchboard.realtime.channels import dept_channel, org_channel, staff_channel
from switchboard.realtime.publish import publish

BOOKING_UPDATED = "booking-updated"
WORKLOAD_UPDATED = "workload-updated"
BOOKING_UNASSIGNED = "booking-unassigned"


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
    """Org-wide, plus the staff channel of everyone the booking concerns, before and after."""
    org = booking.organization
    previous = previous or {}
    people = {
        booking.assignee_id,
        booking.driver_id,
        previous.get("assignee_id"),
        previous.get("driver_id"),
    }
    channels = [org_channel(org.slug)]
    channels += [staff_channel(org.slug, pk) for pk in sorted(p for p in people if p)]
    publish(
        org,
        channels,
        BOOKING_UPDATED,
        booking_payload(booking, action, changed=changed, previous=previous),
    )


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
    rows = employees_with_workload(organization, is_active=None).filter(pk__in=list(staff_ids))
    for staff in rows.order_by("pk"):
        channels = [org_channel(organization.slug), staff_channel(organization.slug, staff.pk)]
        if staff.department is not None:
            channels.append(dept_channel(organization.slug, staff.department.slug))
        publish(organization, channels, WORKLOAD_UPDATED, workload_payload(staff))


def emit_booking_unassigned(booking, reason: str) -> None:
    """Auto-assignment found nobody: operators must act."""
    org = booking.organization
    publish(
        org,
        [org_channel(org.slug)],
        BOOKING_UNASSIGNED,
        {
            "booking_id": booking.pk,
            "workflow": booking.workflow,
            "status": booking.status,
            "service_id": booking.service_id,
            "service_name": booking.service.name,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "reason": reason,
            "timestamp": now(),
        },
    )


# Timed sessions (seed 004)

RESOURCE_STATUS_UPDATED = "resource-status-updated"
SESSION_COMPLETED = "session-completed"


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
    for resource_id in sorted(set(resource_ids)):
        resource = resource_with_status(resource_id, at=at)
        publish(
            organization,
            [org_channel(organization.slug)],
            RESOURCE_STATUS_UPDATED,
            resource_status_payload(resource, at),
        )


def emit_session_completed(booking, *, reason: str, at=None) -> None:
    """A session was made official as completed: at its end (`expired`) or by hand (`ended`)."""
    org = booking.organization
    publish(
        org,
        [org_channel(org.slug)],
        SESSION_COMPLETED,
        {
            "booking_id": booking.pk,
            "resource_id": booking.resource_id,
            "resource_name": booking.resource.name if booking.resource_id else None,
            "status": booking.status,
            "reason": reason,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "timestamp": at or now(),
        },
    )
