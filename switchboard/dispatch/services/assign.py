"""A pickup requested, and a driver assigned to it by an operator."""

import logging

from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import require
from switchboard.bookings import lock_objects as booking_locks
from switchboard.bookings.models import Booking
from switchboard.bookings.services import booking_update
from switchboard.bookings.services.changes import apply_changes
from switchboard.common.clock import now
from switchboard.common.errors import InvalidInput
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.dispatch import status as st
from switchboard.dispatch.events import emit_driver_assigned
from switchboard.dispatch.models import Answer, PickupOffer, PickupRequest, Urgency
from switchboard.dispatch.pickup_effects import request_details
from switchboard.dispatch.selectors import PICKUP_REQUESTED, eta_to, settings_for
from switchboard.dispatch.services.common import (
    assigned_note,
    audit_offer,
    claim_driver,
    require_pending,
)
from switchboard.dispatch.services.updates import send_driver_update
from switchboard.staff.models import StaffMember

logger = logging.getLogger(__name__)

SEED_NOTES = {
    Urgency.NORMAL: "Pickup requested by therapist",
    Urgency.URGENT: "URGENT: Pickup requested by therapist",
}
DRIVER_ASSIGNED = "driver_assigned_pickup"


def check_location(lat, lng) -> None:
    if (lat is None) != (lng is None):
        raise InvalidInput({"location": "Give both lat and lng, or neither."})
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput({"location": "lat must be within ±90 and lng within ±180."})


@org_scoped
def pickup_request(
    *,
    booking: Booking,
    acting_user: User | None,
    urgency: str = Urgency.NORMAL,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    notes: str | None = None,
) -> PickupRequest:
    """The therapist (or an operator) asks for a driver: the booking moves to
    `pickup_requested` with the seed's notes, and the request says how urgent and where."""
    if urgency not in Urgency.values:
        raise InvalidInput({"urgency": f"Choose one of {', '.join(Urgency.values)}."})
    check_location(lat, lng)
    token = request_details.set({"urgency": urgency, "lat": lat, "lng": lng, "address": address})
    try:
        booking_update(
            booking=booking,
            acting_user=acting_user,
            status=PICKUP_REQUESTED,
            notes=SEED_NOTES[urgency] if notes is None else notes,
        )
    finally:
        request_details.reset(token)
    return PickupRequest.objects.get(booking=booking)


@org_scoped
def pickup_assign(
    *,
    booking: Booking,
    driver: StaffMember,
    acting_user: User | None,
    notes: str | None = None,
    at=None,
):
    """An operator gives the pickup to `driver`: booking then driver locked, the driver's
    status read again; a driver who is off duty, busy or offered elsewhere is a 409.
    Returns (booking, eta or None)."""
    at = at or now()
    driver = in_scope(driver)
    snapshot = st.flags_of(driver.pk, at, except_booking=booking.pk)  # the unlocked look
    with transaction.atomic():
        booking = booking_locks.lock_booking(booking.pk)
        role = require(booking.organization, acting_user, "dispatch.assign")
        require_pending(booking)
        driver = claim_driver(driver.pk, booking.pk, at, snapshot=snapshot)
        booking, eta_value = assign_locked(
            booking, driver, role=role, user=acting_user, at=at, notes=notes
        )
    logger.info(
        "pickup_assigned org=%s booking=%s driver=%s eta_minutes=%s",
        booking.organization.slug,
        booking.pk,
        driver.pk,
        eta_value.minutes if eta_value else None,
    )
    return booking, eta_value


def assign_locked(booking, driver, *, role, user, at, notes=None, accepted=False, announce=True):
    """With booking and driver locked and checked: withdraw other offers, set the driver
    and the status, write the ETA note, tell everyone (the driver's row too, unless the
    caller sends the rows of many drivers at once: `announce=False`)."""
    pickup = PickupRequest.objects.filter(booking=booking).first()
    config = settings_for(booking.organization)
    position = getattr(driver, "position", None)
    eta_value = eta_to(config, position, pickup)
    for offer in PickupOffer.objects.filter(booking=booking, answer=Answer.PENDING).exclude(
        driver=driver
    ):
        offer.answer, offer.answered_at = Answer.WITHDRAWN, at
        offer.save(update_fields=["answer", "answered_at"])
        audit_offer(booking, offer, user, f"Offer to {offer.driver.full_name} withdrawn")
    changes = {
        "driver": driver,
        "status": DRIVER_ASSIGNED,
        "notes": assigned_note(eta_value) if notes is None else notes,
    }
    if accepted:
        changes["driver_accepted"] = True
    booking = apply_changes(booking, role=role, user=user, changes=changes, claimed={driver.pk})
    emit_driver_assigned(booking, pickup, driver, eta_value, at)
    if announce:
        send_driver_update(booking.organization, driver.pk, at=at, force=True)
    return booking, eta_value
