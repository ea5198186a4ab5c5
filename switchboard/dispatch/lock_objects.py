"""The row locks dispatch takes, after the booking's (bookings' order: booking → staff):
the driver's staff row, then the offer.

`DRIVER_LOCK` exists for the two-sided race test only: switched off, assignment trusts the
driver status it read before its transaction (check-then-act), and two operators can give
one driver two pickups; switched on, the driver row is locked and the status read again.
"""

from switchboard.bookings.lock_objects import _busy_is_a_conflict
from switchboard.common.errors import NotFound
from switchboard.dispatch.models import PickupOffer
from switchboard.staff.models import StaffMember

DRIVER_LOCK = True


def driver_lock_enabled() -> bool:
    return DRIVER_LOCK


def lock_driver(pk) -> StaffMember:
    """The driver's staff row, locked (in the caller's transaction)."""
    query = StaffMember.objects.select_related("user")
    if DRIVER_LOCK:
        query = query.select_for_update(of=("self",))
    with _busy_is_a_conflict("driver"):
        found = query.filter(pk=pk).first()
    if found is None:
        raise NotFound("No such driver.")
    return found


def lock_offer(pk) -> PickupOffer:
    with _busy_is_a_conflict("offer"):
        found = (
            PickupOffer.objects.select_for_update(of=("self",))
            .select_related("driver__user")
            .filter(pk=pk)
            .first()
        )
    if found is None:
        raise NotFound("No such offer.")
    return found
