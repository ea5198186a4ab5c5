"""Every offer due now, handed over in one pass (the `expire_offers` job).

Per organisation, in one transaction: the bookings of the due offers locked, then the due
offers (one statement each, by id: the order `offer_accept` takes, so an accept and the
timeout still exclude each other); the offers expired with one update; for each pickup
still waiting the nearest driver not asked yet and not picked in this pass; those drivers
locked with one statement and re-checked; the new offers and every audit row written with
one insert each, and the events held in a `realtime.publish.bulk()` block. The rows and
events are those `offer_expire` writes one offer at a time; a pickup whose chosen driver
changed meanwhile goes through `send_next_offer` (the one-by-one path).
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.db import transaction

from switchboard.bookings.events import emit_booking_unassigned
from switchboard.bookings.models import AuditAction, Booking, BookingTransition
from switchboard.bookings.services.audit import display_name
from switchboard.common.clock import now
from switchboard.common.tenancy import org_scope
from switchboard.dispatch import lock_objects
from switchboard.dispatch import status as st
from switchboard.dispatch.events import emit_pickup_offer
from switchboard.dispatch.models import Answer, PickupOffer, PickupRequest
from switchboard.dispatch.selectors import (
    PICKUP_REQUESTED,
    nearest_available,
    offer_dict,
    settings_for,
)
from switchboard.dispatch.services.offers import (
    NO_LOCATION,
    NOBODY_LEFT,
    new_offer,
    send_next_offer,
)
from switchboard.dispatch.services.updates import send_driver_updates
from switchboard.realtime import publish
from switchboard.staff.models import StaffMember

logger = logging.getLogger(__name__)


def offers_expire_due(*, at=None, limit: int = 500) -> int:
    """Every pending offer past its deadline, in every organisation: expired, and each
    pickup's next offer sent. Returns how many were expired."""
    at = at or now()
    due = (
        PickupOffer.objects.filter(answer=Answer.PENDING, expires_at__lte=at)
        .order_by("expires_at", "pk")
        .values_list("pk", "organization_id")[:limit]
    )
    by_org = defaultdict(list)
    for offer_id, organization_id in due:
        by_org[organization_id].append(offer_id)
    expired = 0
    for organization_id, offer_ids in by_org.items():
        with org_scope(organization_id):
            expired += hand_over(offer_ids, at=at)
    return expired


def hand_over(offer_ids, *, at) -> int:
    """These offers (of one organisation), if still pending and due: expired, and each
    of their pickups offered to the next driver; returns how many were expired."""
    with transaction.atomic(), publish.bulk():
        booking_ids = PickupOffer.objects.filter(pk__in=offer_ids).values_list(
            "booking_id", flat=True
        )
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .select_related("organization", "assignee__user")
            .filter(pk__in=list(booking_ids))
            .order_by("pk")
        )
        if not bookings:
            return 0
        offers = list(
            PickupOffer.objects.select_for_update(of=("self",))
            .filter(pk__in=offer_ids, answer=Answer.PENDING, expires_at__lte=at)
            .order_by("pk")
        )
        if not offers:
            return 0  # answered or moved meanwhile: nothing to do
        organization = bookings[0].organization
        _expire(organization, bookings, offers, at)
        waiting = [b for b in bookings if b.status == PICKUP_REQUESTED]
        _send_next(organization, waiting, at)
    logger.info(
        "offers_handed_over org=%s expired=%d waiting=%d",
        organization.slug,
        len(offers),
        len(waiting),
    )
    return len(offers)


def _expire(organization, bookings, offers, at) -> None:
    """Every offer of these bookings past its deadline (not only the due ones picked: the
    same as `_expire_stale`), made official with its audit row and events."""
    stale = list(
        PickupOffer.objects.filter(
            booking__in=bookings, answer=Answer.PENDING, expires_at__lte=at
        ).order_by("booking_id", "pk")
    )
    for offer in stale:
        offer.answer, offer.answered_at = Answer.EXPIRED, offer.expires_at
    PickupOffer.objects.bulk_update(stale, ["answer", "answered_at"])
    shown = _shown([o.pk for o in stale])
    BookingTransition.objects.bulk_create(
        _audit_row(o, None, f"Offer to {o.driver.full_name} expired") for o in shown
    )
    for offer in shown:
        emit_pickup_offer(offer, offer_dict(offer))
    send_driver_updates(organization, sorted({o.driver_id for o in shown}), at=at)


def _send_next(organization, bookings, at) -> None:
    config = settings_for(organization)
    pickups = {p.booking_id: p for p in PickupRequest.objects.filter(booking__in=bookings)}
    asked = defaultdict(set)
    for booking_id, driver_id in PickupOffer.objects.filter(booking__in=bookings).values_list(
        "booking_id", "driver_id"
    ):
        asked[booking_id].add(driver_id)
    chosen, taken = [], set()
    for booking in bookings:
        pickup = pickups.get(booking.pk)
        if pickup is None or not pickup.has_location:
            emit_booking_unassigned(booking, NO_LOCATION)
            continue
        found = nearest_available(
            organization, lat=pickup.lat, lng=pickup.lng, exclude=asked[booking.pk] | taken,
            at=at, limit=1,
        )  # fmt: skip
        if not found:
            reason = NOBODY_LEFT.format(f"{config.search_radius_km:g}")
            emit_booking_unassigned(booking, reason)
            logger.info("pickup_nobody_left org=%s booking=%s", organization.slug, booking.pk)
            continue
        driver, eta_value = found[0]
        taken.add(driver.pk)
        chosen.append((booking, driver.pk, eta_value))
    fresh, changed = _claim(chosen, at)
    _write_offers(organization, config, fresh, at)
    for booking in changed:  # their driver was taken meanwhile: one by one, as before
        send_next_offer(booking, user=None, at=at)


def _claim(chosen, at):
    """The chosen drivers locked (one statement, by id) and re-checked on what is true now:
    (pairs that hold with the locked driver, bookings whose driver changed meanwhile)."""
    ids = sorted(driver_id for _, driver_id, _ in chosen)
    query = StaffMember.objects.select_related("user").filter(pk__in=ids).order_by("pk")
    if lock_objects.driver_lock_enabled():
        query = query.select_for_update(of=("self",))
    drivers = {d.pk: d for d in query}
    flags = {
        row.pk: (row.on_duty, row.is_busy, row.is_offered)
        for row in st.with_status_flags(StaffMember.objects.filter(pk__in=ids), at)
    }
    fresh, changed = [], []
    for booking, driver_id, eta_value in chosen:
        if flags.get(driver_id) == (True, False, False) and driver_id in drivers:
            fresh.append((booking, drivers[driver_id], eta_value))
        else:
            changed.append(booking)
    return fresh, changed


def _write_offers(organization, config, fresh, at) -> None:
    if not fresh:
        return
    expires = at + timedelta(seconds=config.offer_timeout_seconds)
    made = PickupOffer.objects.bulk_create(
        PickupOffer(
            organization_id=organization.pk,
            booking=booking,
            driver=driver,
            sent_at=at,
            expires_at=expires,
            eta_seconds=eta_value.seconds,
            distance_m=eta_value.distance_m,
        )
        for booking, driver, eta_value in fresh
    )
    minutes = {booking.pk: eta_value.minutes for booking, _, eta_value in fresh}
    shown = _shown([o.pk for o in made])
    BookingTransition.objects.bulk_create(
        _audit_row(o, None, f"Offered to {o.driver.full_name} (ETA {minutes[o.booking_id]} min)")
        for o in shown
    )
    for offer in shown:
        emit_pickup_offer(offer, offer_dict(offer))
    send_driver_updates(organization, sorted({o.driver_id for o in shown}), at=at)
    transaction.on_commit(new_offer.run_safely)


def _shown(offer_ids) -> list[PickupOffer]:
    """The offers with what their event and audit row read, in one query."""
    return list(
        PickupOffer.objects.select_related(
            "driver__user", "booking__pickup", "booking__assignee__user", "booking__organization"
        )
        .filter(pk__in=offer_ids)
        .order_by("booking_id", "pk")
    )


def _audit_row(offer, user, note) -> BookingTransition:
    """As `common.audit_offer` writes it."""
    booking = offer.booking
    return BookingTransition(
        organization_id=booking.organization_id,
        booking=booking,
        booking_ref=booking.pk,
        action=AuditAction.UPDATED,
        from_status=booking.status,
        to_status=booking.status,
        by=user,
        by_name=display_name(user),
        note=note,
        data={
            "offer": offer.pk,
            "answer": offer.answer,
            "driver_id": offer.driver_id,
            "eta_seconds": offer.eta_seconds,
        },
    )
