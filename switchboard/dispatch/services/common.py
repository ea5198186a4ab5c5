"""What the dispatch services share: the pending-pickup check, the driver re-check under
its lock, and the audit row of an offer."""

from datetime import datetime

from switchboard.bookings.models import AuditAction
from switchboard.bookings.services.audit import audit
from switchboard.common.errors import Conflict, InvalidInput
from switchboard.dispatch import lock_objects
from switchboard.dispatch import status as st
from switchboard.dispatch.selectors import PICKUP_REQUESTED

ASSIGNED_NOTE = "Driver assigned for pickup - ETA: {} min"
ASSIGNED_NOTE_NO_ETA = "Driver assigned for pickup - ETA: unknown"


def assigned_note(eta_value) -> str:
    return ASSIGNED_NOTE.format(eta_value.minutes) if eta_value else ASSIGNED_NOTE_NO_ETA


def require_pending(booking) -> None:
    if booking.status != PICKUP_REQUESTED:
        raise Conflict(
            "The booking is not waiting for a driver.",
            status=booking.status,
            allowed=[PICKUP_REQUESTED],
        )


def claim_driver(driver_id, booking_id, at: datetime, *, snapshot=None):
    """Lock the driver's row and check, on what is true now, that they may take the pickup:
    a driver, on duty, not busy, not offered another pickup. With the lock off (the race
    test only) the `snapshot` read before the transaction decides instead."""
    driver = lock_objects.lock_driver(driver_id)
    if not st.is_driver(driver):
        raise InvalidInput({"driver": "This staff member is not an active driver."})
    if lock_objects.driver_lock_enabled() or snapshot is None:
        snapshot = st.flags_of(driver.pk, at, except_booking=booking_id)
    on_duty, busy, offered = snapshot
    name = driver.full_name
    if not on_duty:
        raise Conflict(f"{name} is not on duty.", driver_status=st.OFF_DUTY)
    if busy:
        raise Conflict(f"{name} is already on a pickup.", driver_status=st.BUSY)
    if offered:
        raise Conflict(f"{name} is considering another pickup.", driver_status=st.OFFERED)
    return driver


def audit_offer(booking, offer, user, note: str) -> None:
    audit(
        booking,
        AuditAction.UPDATED,
        user,
        note=note,
        offer=offer.pk,
        answer=offer.answer,
        driver_id=offer.driver_id,
        eta_seconds=offer.eta_seconds,
    )
