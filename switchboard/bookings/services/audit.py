"""The audit trail: the one place a `BookingTransition` row is written."""

from switchboard.bookings.models import Booking, BookingTransition

# Who a row names when no user acted: the jobs (expiry, sweeps).
SYSTEM_NAME = "system"


def display_name(user) -> str:
    if user is None:
        return SYSTEM_NAME
    return user.get_full_name() or user.username


def audit(
    booking: Booking, action: str, by, *, from_status=None, to_status=None, note="", **data
) -> BookingTransition:
    """Write one audit row for `booking`, in the caller's transaction.

    `by_name` keeps the actor's name as it is now, so that deactivating or deleting the
    user later does not erase who did what.
    """
    row = BookingTransition(
        organization_id=booking.organization_id,
        booking=booking,
        booking_ref=booking.pk,
        action=action,
        from_status=booking.status if from_status is None else from_status,
        to_status=booking.status if to_status is None else to_status,
        by=by,
        by_name=display_name(by),
        note=note,
        data=data,
    )
    # Saved, not `objects.create`: a write carries its organisation, and the scoped
    # manager would build (and throw away) a filtered queryset first, inside the write
    # transaction, where time holds up every other writer.
    row.save(force_insert=True)
    return row
