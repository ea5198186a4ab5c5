"""Assignment: manual, automatic, reassignment, unassignment, and the driver.

Automatic assignment picks the least-loaded qualified staff member under capacity; among
equals, the one who has waited longest since their last assignment. Inside the transaction
the qualified staff's rows are locked, then counted, and only that count decides (pretix's
lock → re-check → write). An unlocked look comes first: when everyone is full, nobody's row is
locked and nothing more is read inside the transaction (at a busy peak, most of the
requests).
"""

from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import require
from switchboard.bookings import lock_objects
from switchboard.bookings.events import emit_booking_unassigned
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import assignment_candidates, qualified_loads
from switchboard.bookings.services.changes import apply_changes, update_booking
from switchboard.bookings.workflows import workflow
from switchboard.common.errors import Conflict
from switchboard.common.tenancy import org_scoped
from switchboard.staff.models import StaffMember

NOBODY_FREE = "No qualified staff member is under capacity."


def candidates_snapshot(booking_or_service, *, exclude=()) -> list[tuple]:
    """The unlocked look before the transaction: when it finds nobody free, nothing is
    claimed and nothing need be locked or read again under the lock (the booking stays
    unassigned, as it would have an instant earlier). Bare numbers, (staff id, load,
    capacity): it only has to tell whether anyone is free. On PostgreSQL it spares the
    staff rows' lock; on SQLite, whose write transaction excludes every other writer, it
    keeps the candidates' read out of that transaction for most of a peak's requests."""
    service = getattr(booking_or_service, "service", booking_or_service)
    skip = set(exclude)
    return [row for row in qualified_loads(service) if row[0] not in skip]


def pick_assignee(service, snapshot, *, exclude=()) -> StaffMember | None:
    """Inside the transaction: lock the qualified staff, count, take the first one free."""
    if not any(load < capacity for _, load, capacity in snapshot):
        return None
    skip = set(exclude)
    if not lock_objects.capacity_lock_enabled():
        # Check-then-act on the unlocked look: only the concurrency test ever runs this.
        free = {pk for pk, load, capacity in snapshot if load < capacity}
        return next((s for s in assignment_candidates(service) if s.pk in free - skip), None)
    lock_objects.lock_qualified_staff(service)
    fresh = assignment_candidates(service)
    return next((s for s in fresh if s.pk not in skip and s.current_assignments < s.capacity), None)


@org_scoped
def booking_assign(
    *,
    booking: Booking,
    assignee: StaffMember,
    acting_user: User | None,
    override_capacity: bool = False,
    note: str = "",
) -> Booking:
    """An operator picks the person (or another one: a reassignment, both people are told)."""
    return update_booking(
        booking,
        acting_user,
        {"assignee": assignee},
        action="bookings.assign",
        override=override_capacity,
        note=note,
    )


@org_scoped
def booking_unassign(*, booking: Booking, acting_user: User | None, note: str = "") -> Booking:
    return update_booking(
        booking, acting_user, {"assignee": None}, action="bookings.unassign", note=note
    )


@org_scoped
def booking_set_driver(
    *,
    booking: Booking,
    driver: StaffMember | None,
    acting_user: User | None,
    override_capacity: bool = False,
) -> Booking:
    return update_booking(
        booking,
        acting_user,
        {"driver": driver},
        action="bookings.set_driver",
        override=override_capacity,
    )


@org_scoped
def booking_auto_assign(*, booking: Booking, acting_user: User | None) -> Booking:
    """Assign the best free candidate; if there is none, leave it unassigned and say so."""
    snapshot = candidates_snapshot(booking, exclude=[booking.driver_id])
    with transaction.atomic():
        booking = lock_objects.lock_booking(booking.pk)
        role = require(booking.organization, acting_user, "bookings.auto_assign")
        if booking.assignee_id is not None:
            raise Conflict("The booking is already assigned.", assignee_id=booking.assignee_id)
        if not workflow(booking.workflow).table.is_active(booking.status):
            raise Conflict("Only an active booking can be assigned.", status=booking.status)
        chosen = pick_assignee(booking.service, snapshot, exclude=[booking.driver_id])
        if chosen is None:
            emit_booking_unassigned(booking, NOBODY_FREE)
            return booking
        return apply_changes(
            booking,
            role=role,
            user=acting_user,
            changes={"assignee": chosen},
            claimed={chosen.pk},
            auto=True,
        )
