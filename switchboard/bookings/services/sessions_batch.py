"""Completing a batch of expired sessions with set-based statements.

At peak (a chain whose hour-long sessions all end on the hour) one statement per session
and per event made the sweep fall minutes behind. Here a batch costs one UPDATE, one
insert of audit rows, one read of the workloads it frees, one read of the resources'
status and one insert of outbox rows, whatever its size. Every row and event is what the
one-at-a-time path (`apply_changes` with `status=completed`) writes, except that a staff
member freed by several sessions of one batch gets one `workload-updated` with the final
figures rather than one per session.
"""

from collections import defaultdict
from datetime import datetime

from switchboard.accounts.permissions import SYSTEM
from switchboard.bookings.events import (
    booking_updated_items,
    resource_status_items,
    session_completed_item,
    workload_updated_items,
)
from switchboard.bookings.models import AuditAction, Booking, BookingTransition
from switchboard.bookings.services.audit import display_name
from switchboard.bookings.services.capacity import occupancy
from switchboard.bookings.sessions_selectors import ACTIVE, resources_with_status
from switchboard.bookings.workflows import PARENT_WORKFLOWS, Status, workflow
from switchboard.common.clock import now
from switchboard.realtime.publish import publish_many

NOTE = "Ended at its time."


def complete_expired(bookings: list[Booking], *, at: datetime) -> tuple[int, int]:
    """Complete `bookings` (locked, active, ended by `at`) in one go; return
    (completed, resources freed). Runs inside the caller's transaction."""
    if not bookings:
        return 0, 0
    for booking in bookings:
        # Completing a booking with add-ons moves their people too: not a set operation.
        if booking.workflow in PARENT_WORKFLOWS:
            raise ValueError(f"booking {booking.pk} carries add-ons; use apply_changes")
        workflow(booking.workflow).table.check(booking.status, Status.COMPLETED, SYSTEM)
    before = {booking.pk: occupancy(booking) for booking in bookings}
    previous = {
        booking.pk: {
            "status": booking.status,
            "assignee_id": booking.assignee_id,
            "driver_id": booking.driver_id,
        }
        for booking in bookings
    }
    stamp = now()
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
        status=Status.COMPLETED, updated_at=stamp
    )
    for booking in bookings:
        booking.status, booking.updated_at = Status.COMPLETED, stamp
    _audit_rows(bookings, previous)
    items = []
    freed_staff: dict[int, set[int]] = defaultdict(set)
    orgs = {}
    resources: dict[int, set[int]] = defaultdict(set)
    for booking in bookings:
        org = booking.organization
        orgs[org.pk] = org
        items += booking_updated_items(
            booking, "updated", changed={"status"}, previous=previous[booking.pk]
        )
        items.append(session_completed_item(booking, reason="expired", at=at))
        after = occupancy(booking)
        gone = before[booking.pk]
        freed_staff[org.pk] |= {pk for pk in gone | after if gone[pk] != after[pk]}
        if booking.resource_id is not None:
            resources[org.pk].add(booking.resource_id)
    for org_pk, staff_ids in freed_staff.items():
        items += workload_updated_items(orgs[org_pk], staff_ids)
    freed = 0
    for org_pk, resource_ids in sorted(resources.items()):
        rows = resources_with_status(orgs[org_pk], resource_ids, at=at)
        items += resource_status_items(orgs[org_pk], rows, at)
        freed += sum(row.status != ACTIVE for row in rows)
    publish_many(items)
    return len(bookings), freed


def _audit_rows(bookings: list[Booking], previous: dict) -> None:
    BookingTransition.objects.bulk_create(
        BookingTransition(
            organization_id=booking.organization_id,
            booking=booking,
            booking_ref=booking.pk,
            action=AuditAction.TRANSITION,
            from_status=previous[booking.pk]["status"],
            to_status=Status.COMPLETED,
            by=None,
            by_name=display_name(None),
            note=NOTE,
            data={},
        )
        for booking in bookings
    )
