"""Whom a booking occupies, and claiming their capacity under a lock."""

from collections import Counter

from switchboard.bookings import lock_objects
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import workloads
from switchboard.bookings.workflows import workflow
from switchboard.common.errors import Conflict


def holders(booking: Booking, *, parent: Booking | None = None) -> set[int]:
    """The staff ids `booking` occupies in its current state (selectors' rule, in Python).

    `parent` overrides the add-on's parent instance, e.g. a parent about to change status.
    """
    wf = workflow(booking.workflow)
    if wf.is_addon:
        parent = parent or booking.parent
        if (
            booking.assignee_id
            and parent is not None
            and parent.workflow in wf.parent_workflows
            and wf.table.is_active(booking.status)
            and workflow(parent.workflow).table.is_active(parent.status)
        ):
            return {booking.assignee_id}
        return set()
    held = set()
    if booking.assignee_id and wf.table.is_active(booking.status):
        held.add(booking.assignee_id)
    if booking.driver_id and booking.status in wf.driver_active:
        held.add(booking.driver_id)
    return held


def occupancy(booking: Booking, addons=()) -> Counter:
    """How many times each staff member is occupied by `booking` and its add-ons."""
    held = Counter(holders(booking))
    for addon in addons:
        held.update(holders(addon, parent=booking))
    return held


def claim_capacity(staff_ids, *, override: bool) -> None:
    """Lock the staff rows, count again, and refuse anyone already at capacity.

    Called before the write that makes the booking count for them, so the count does not
    include it yet. `override` (an operator's explicit choice) lets a full person through.
    """
    ids = set(staff_ids)
    if not ids:
        return
    lock_objects.lock_staff(ids)
    loads = workloads(ids)
    full = sorted(pk for pk, (load, capacity) in loads.items() if load >= capacity)
    if full and not override:
        load, capacity = loads[full[0]]
        raise Conflict(
            "This staff member is at capacity; pass override_capacity=true to assign anyway.",
            staff_id=full[0],
            current_assignments=load,
            capacity=capacity,
        )
