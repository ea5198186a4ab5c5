"""Offers, one driver at a time (Tookan's one-by-one): the nearest available driver within
the radius is offered the pickup; a decline or a timeout passes it to the next nearest who
has not been offered it yet; when nobody is left the pickup stays pending and the
operators are told (`booking-unassigned`).

The timeout is data (`expires_at`): an offer past it is never accepted, whether or not the
job has run yet; the `expire_offers` job, due at the earliest deadline, makes it official
and sends the next offer (`handover.py`, every due offer in one pass).
"""

import logging
from datetime import timedelta

from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import MANAGERS_AND_JOBS, SYSTEM, require
from switchboard.bookings import lock_objects as booking_locks
from switchboard.bookings.events import emit_booking_unassigned
from switchboard.bookings.models import Booking
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, Forbidden
from switchboard.common.hooks import Hooks
from switchboard.common.tenancy import org_scoped
from switchboard.dispatch import lock_objects
from switchboard.dispatch.events import emit_pickup_offer
from switchboard.dispatch.models import Answer, PickupOffer, PickupRequest
from switchboard.dispatch.selectors import nearest_available, offer_dict, settings_for
from switchboard.dispatch.services.assign import assign_locked
from switchboard.dispatch.services.common import audit_offer, claim_driver, require_pending
from switchboard.dispatch.services.updates import send_driver_update
from switchboard.staff.selectors import staff_for_user

logger = logging.getLogger(__name__)

# Run on commit when an offer is sent: the job (`dispatch/jobs.py`) wakes at its deadline.
new_offer = Hooks("dispatch_new_offer")
NOBODY_LEFT = "No available driver within {} km has not been offered this pickup."
NO_LOCATION = "The pickup has no location: assign a driver by hand."
SHORTLIST = 10


def _emit(offer, at) -> None:
    offer = PickupOffer.objects.select_related(
        "driver__user", "booking__pickup", "booking__assignee__user", "booking__organization"
    ).get(pk=offer.pk)
    emit_pickup_offer(offer, offer_dict(offer))
    send_driver_update(offer.booking.organization, offer.driver_id, at=at, force=True)


def send_next_offer(booking, *, user, at) -> tuple[PickupOffer | None, str]:
    """With the booking locked: offer it to the nearest driver not yet asked.
    Returns (offer, "") or (None, why nobody)."""
    pickup = PickupRequest.objects.filter(booking=booking).first()
    if pickup is None or not pickup.has_location:
        emit_booking_unassigned(booking, NO_LOCATION)
        return None, NO_LOCATION
    config = settings_for(booking.organization)
    asked = PickupOffer.objects.filter(booking=booking).values_list("driver_id", flat=True)
    found = nearest_available(
        booking.organization, lat=pickup.lat, lng=pickup.lng, exclude=set(asked), at=at,
        limit=SHORTLIST,
    )  # fmt: skip
    for candidate, eta_value in found:
        try:
            driver = claim_driver(candidate.pk, booking.pk, at)
        except Conflict:
            continue  # taken meanwhile: the next one
        offer = PickupOffer.objects.create(
            organization_id=booking.organization_id,
            booking=booking,
            driver=driver,
            sent_at=at,
            expires_at=at + timedelta(seconds=config.offer_timeout_seconds),
            eta_seconds=eta_value.seconds,
            distance_m=eta_value.distance_m,
        )
        audit_offer(
            booking, offer, user, f"Offered to {driver.full_name} (ETA {eta_value.minutes} min)"
        )
        _emit(offer, at)
        transaction.on_commit(new_offer.run_safely)
        return offer, ""
    reason = NOBODY_LEFT.format(f"{config.search_radius_km:g}")
    emit_booking_unassigned(booking, reason)
    logger.info("pickup_nobody_left org=%s booking=%s", booking.organization.slug, booking.pk)
    return None, reason


@org_scoped
def pickup_auto_assign(*, booking: Booking, acting_user: User | None, at=None):
    """Offer the pickup to the nearest available driver. Returns (offer or None, reason)."""
    at = at or now()
    with transaction.atomic():
        booking = booking_locks.lock_booking(booking.pk)
        require(booking.organization, acting_user, "dispatch.auto_assign")
        require_pending(booking)
        _expire_stale(booking, at)
        if PickupOffer.objects.filter(booking=booking, answer=Answer.PENDING).exists():
            raise Conflict("The pickup is already offered to a driver.")
        return send_next_offer(booking, user=acting_user, at=at)


def _expire_stale(booking, at) -> None:
    """Offers of this (locked) booking past their deadline, made official."""
    for offer in PickupOffer.objects.filter(
        booking=booking, answer=Answer.PENDING, expires_at__lte=at
    ).select_related("driver__user"):
        offer.answer, offer.answered_at = Answer.EXPIRED, offer.expires_at
        offer.save(update_fields=["answer", "answered_at"])
        audit_offer(booking, offer, None, f"Offer to {offer.driver.full_name} expired")
        _emit(offer, at)


def _answering(offer_id, acting_user, at):
    """Booking then offer locked; the acting user must be the driver or a manager."""
    booking_id = PickupOffer.objects.filter(pk=offer_id).values_list("booking_id", flat=True)
    booking = booking_locks.lock_booking(booking_id.first())
    offer = lock_objects.lock_offer(offer_id)
    role = require(booking.organization, acting_user, "dispatch.answer_offer")
    if role not in MANAGERS_AND_JOBS:
        me = staff_for_user(booking.organization, acting_user)
        if me is None or me.pk != offer.driver_id:
            raise Forbidden("Only the driver offered the pickup can answer.")
    if offer.answer != Answer.PENDING:
        raise Conflict(f"The offer was already {offer.answer}.", answer=offer.answer)
    if offer.expires_at <= at:
        raise Conflict("The offer has expired.", answer=Answer.EXPIRED)
    return booking, offer


@org_scoped
def offer_accept(*, offer: PickupOffer, acting_user: User | None, at=None) -> PickupOffer:
    """The driver takes the pickup: it is theirs, accepted, with the ETA in the notes."""
    at = at or now()
    with transaction.atomic():
        booking, offer = _answering(offer.pk, acting_user, at)
        require_pending(booking)
        driver = claim_driver(offer.driver_id, booking.pk, at)
        offer.answer, offer.answered_at = Answer.ACCEPTED, at
        offer.save(update_fields=["answer", "answered_at"])
        audit_offer(booking, offer, acting_user, f"{driver.full_name} accepted the pickup")
        # The move is the dispatcher's, made on the driver's word.
        assign_locked(booking, driver, role=SYSTEM, user=acting_user, at=at, accepted=True)
        _emit(offer, at)
    logger.info("offer_accepted org=%s offer=%s", booking.organization.slug, offer.pk)
    return offer


@org_scoped
def offer_decline(*, offer: PickupOffer, acting_user: User | None, at=None):
    """The driver says no: the next nearest driver is offered the pickup.
    Returns (declined offer, next offer or None)."""
    at = at or now()
    with transaction.atomic():
        booking, offer = _answering(offer.pk, acting_user, at)
        offer.answer, offer.answered_at = Answer.DECLINED, at
        offer.save(update_fields=["answer", "answered_at"])
        audit_offer(booking, offer, acting_user, f"{offer.driver.full_name} declined the pickup")
        _emit(offer, at)
        following, _ = send_next_offer(booking, user=acting_user, at=at)
    logger.info("offer_declined org=%s offer=%s", booking.organization.slug, offer.pk)
    return offer, following
