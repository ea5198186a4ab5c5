"""Reads: the organisation's settings, driver rows with derived status, pending pickups
with their candidates, and the nearest available driver."""

import math
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db.models import OuterRef

from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import driver_counts
from switchboard.common.clock import now
from switchboard.common.errors import NotFound
from switchboard.dispatch import nearest
from switchboard.dispatch import status as st
from switchboard.dispatch.eta import Eta, eta, haversine_m
from switchboard.dispatch.models import Answer, DispatchSettings, DriverPosition, PickupOffer
from switchboard.staff.models import StaffMember
from switchboard.staff.selectors import staff_for_user

PICKUP_REQUESTED = "pickup_requested"
# Look at this many drivers nearest in a straight line, then rank them by the ETA function.
NEAREST_SHORTLIST = 10
METRES_PER_DEGREE = 111_320.0


def settings_for(organization) -> DispatchSettings:
    """The organisation's row, or the defaults (an unsaved row) when it has none."""
    found = list(DispatchSettings.objects.filter(organization=organization).order_by()[:1])
    return found[0] if found else DispatchSettings(organization=organization)


def is_fresh(position, config, at: datetime) -> bool:
    return position is not None and position.at >= at - timedelta(
        seconds=config.position_max_age_seconds
    )


def position_dict(position) -> dict | None:
    if position is None:
        return None
    return {
        "lat": position.lat,
        "lng": position.lng,
        "accuracy": position.accuracy,
        "heading": position.heading,
        "at": position.at,
    }


def eta_dict(value: Eta | None, at: datetime, booking_id=None) -> dict | None:
    if value is None:
        return None
    return {
        "booking_id": booking_id,
        "distance_m": value.distance_m,
        "seconds": value.seconds,
        "minutes": value.minutes,
        "at": at + timedelta(seconds=value.seconds),
    }


def eta_to(config, position, pickup) -> Eta | None:
    """From a position to a pickup; None when either place is unknown."""
    if position is None or pickup is None or not pickup.has_location:
        return None
    return eta(config, position.lat, position.lng, pickup.lat, pickup.lng)


def pickup_of(booking):
    return getattr(booking, "pickup", None) if booking is not None else None


def current_tasks(driver_ids) -> dict[int, Booking]:
    """Each driver's booking in a driver state (the latest if several)."""
    rows = (
        Booking.objects.filter(driver_counts(), driver_id__in=list(driver_ids))
        .select_related("pickup", "assignee__user")
        .order_by("driver_id", "-updated_at")
    )
    tasks: dict[int, Booking] = {}
    for booking in rows:
        tasks.setdefault(booking.driver_id, booking)
    return tasks


def task_dict(booking) -> dict | None:
    if booking is None:
        return None
    pickup = pickup_of(booking)
    return {
        "booking_id": booking.pk,
        "status": booking.status,
        "therapist_id": booking.assignee_id,
        "therapist_name": booking.assignee.full_name if booking.assignee_id else None,
        "pickup_location": pickup.location() if pickup else None,
    }


def pending_offers(organization, at: datetime, *, driver_ids=None) -> dict[int, PickupOffer]:
    rows = PickupOffer.objects.filter(
        organization=organization, answer=Answer.PENDING, expires_at__gt=at
    ).select_related(*OFFER_RELATED)
    if driver_ids is not None:
        rows = rows.filter(driver_id__in=list(driver_ids))
    return {offer.driver_id: offer for offer in rows}


def offer_dict(offer) -> dict | None:
    """An offer as the API and the `pickup-offer` event show it."""
    if offer is None:
        return None
    booking = offer.booking
    pickup = pickup_of(booking)
    return {
        "offer_id": offer.pk,
        "booking_id": offer.booking_id,
        "appointment_id": offer.booking_id,
        "driver_id": offer.driver_id,
        "driver_name": offer.driver.full_name,
        "answer": offer.answer,
        "urgency": pickup.urgency if pickup else "normal",
        "pickup_location": pickup.location() if pickup else None,
        "therapist_name": booking.assignee.full_name if booking.assignee_id else None,
        "eta_seconds": offer.eta_seconds,
        "eta_minutes": math.ceil(offer.eta_seconds / 60) if offer.eta_seconds is not None else None,
        "distance_m": offer.distance_m,
        "sent_at": offer.sent_at,
        "expires_at": offer.expires_at,
        "answered_at": offer.answered_at,
    }


OFFER_RELATED = ("driver__user", "booking__pickup", "booking__assignee__user")


ORDER = {st.AVAILABLE: 0, st.OFFERED: 1, st.BUSY: 2, st.OFF_DUTY: 3}


def driver_rows(organization, *, pickup=None, at=None, staff_ids=None) -> list[dict]:
    """One row per driver: derived status, position and its age, current task, pending
    offer, and the ETA to `pickup` (a PickupRequest) or else to the current task."""
    at = at or now()
    config = settings_for(organization)
    staff = st.drivers(organization).select_related("user", "position")
    if staff_ids is not None:
        staff = staff.filter(pk__in=list(staff_ids))
    staff = list(st.with_status_flags(staff, at))
    ids = [person.pk for person in staff]
    tasks, offers = current_tasks(ids), pending_offers(organization, at, driver_ids=ids)
    rows = []
    for person in staff:
        position = getattr(person, "position", None)
        task = tasks.get(person.pk)
        target = pickup or pickup_of(task)
        rows.append(
            {
                "staff_id": person.pk,
                "name": person.full_name,
                "status": st.status_from(person.on_duty, person.is_busy, person.is_offered),
                "position": position_dict(position),
                "position_age_seconds": (
                    int((at - position.at).total_seconds()) if position else None
                ),
                "position_fresh": is_fresh(position, config, at),
                "current_task": task_dict(task),
                "offer": offer_dict(offers.get(person.pk)),
                "eta": eta_dict(
                    eta_to(config, position, target), at, target.booking_id if target else None
                ),
            }
        )
    far = float("inf")
    rows.sort(
        key=lambda r: (ORDER[r["status"]], r["eta"]["seconds"] if r["eta"] else far, r["name"])
    )
    return rows


def available_positions(organization, *, at: datetime, config):
    """Fresh positions of the drivers who may be offered work now."""
    cutoff = at - timedelta(seconds=config.position_max_age_seconds)
    rows = DriverPosition.objects.filter(
        organization=organization,
        at__gte=cutoff,
        staff__is_active=True,
        staff__skills__slug=st.DRIVER_SKILL,
    )
    ref = OuterRef("staff_id")
    return rows.filter(st.on_duty_q(ref)).exclude(st.busy_q(ref)).exclude(st.offered_q(ref, at))


def nearest_available(
    organization, *, lat: float, lng: float, exclude=(), at=None, limit: int = 1
) -> list[tuple[StaffMember, Eta]]:
    """The available drivers with a fresh position within the radius, nearest first.

    It looks in a small box around the place first and doubles it until it holds `limit`
    drivers whose straight-line distance is within the box's half-width (nobody outside
    the box can be nearer), up to the radius. In each box the database orders by a
    flat-earth distance (plain arithmetic, on every database) and hands over a short list;
    the ETA function ranks that list.
    """
    at = at or now()
    config = settings_for(organization)
    # The radius is a road distance; a straight line is never longer.
    widest = config.search_radius_km * 1000 / config.road_factor
    half = min(FIRST_BOX_M, widest)
    while True:
        found = _nearest_in_box(organization, config, lat, lng, half, exclude, at, limit)
        if len(found) >= limit or half >= widest:
            return found[:limit]
        half = min(half * 2, widest)


FIRST_BOX_M = 2000.0


def _nearest_in_box(organization, config, lat, lng, half_m, exclude, at, limit):
    dlat = half_m / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = nearest.positions_in_box(
        organization.pk,
        lat=lat,
        lng=lng,
        box=(lat - dlat, lat + dlat, lng - dlng, lng + dlng),
        scale=math.cos(math.radians(lat)) ** 2,
        fresh_after=at - timedelta(seconds=config.position_max_age_seconds),
        at=at,
        exclude=exclude,
        limit=max(NEAREST_SHORTLIST, limit),
    )
    ranked = []
    for staff_id, their_lat, their_lng in rows:
        if haversine_m(their_lat, their_lng, lat, lng) > half_m:
            continue  # outside the circle: someone outside the box may be nearer
        value = eta(config, their_lat, their_lng, lat, lng)
        if value.distance_m <= config.search_radius_km * 1000:
            ranked.append((staff_id, value))
    ranked.sort(key=lambda pair: (pair[1].seconds, pair[0]))
    people = nearest.staff_by_id(staff_id for staff_id, _ in ranked[:limit]) if ranked else {}
    return [(people[staff_id], value) for staff_id, value in ranked[:limit]]


def pending_pickups(organization, *, at=None, staff_id=None) -> list[dict]:
    """Bookings waiting for a driver: urgent first, then the longest waiting. With
    `staff_id`, only those that staff member is the therapist of."""
    at = at or now()
    bookings = Booking.objects.filter(organization=organization, status=PICKUP_REQUESTED)
    if staff_id is not None:
        bookings = bookings.filter(assignee_id=staff_id)
    bookings = list(
        bookings.select_related("pickup", "assignee__user", "service").order_by("updated_at", "pk")
    )
    offers = {
        offer.booking_id: offer
        for offer in PickupOffer.objects.filter(
            booking__in=bookings, answer=Answer.PENDING, expires_at__gt=at
        ).select_related(*OFFER_RELATED)
    }
    shown = django_settings.DISPATCH["CANDIDATES_SHOWN"]
    rows = [pickup_row(b, offers.get(b.pk), at, shown) for b in bookings]
    rows.sort(key=lambda r: (r["urgency"] != "urgent", r["requested_at"], r["booking_id"]))
    return rows


def pickup_row(booking, offer, at: datetime, shown: int) -> dict:
    pickup = pickup_of(booking)
    requested_at = pickup.requested_at if pickup else booking.updated_at
    candidates = []
    if pickup is not None and pickup.has_location:
        found = nearest_available(
            booking.organization, lat=pickup.lat, lng=pickup.lng, at=at, limit=shown
        )
        candidates = [
            {
                "staff_id": person.pk,
                "name": person.full_name,
                "distance_m": value.distance_m,
                "eta_seconds": value.seconds,
                "eta_minutes": value.minutes,
            }
            for person, value in found
        ]
    return {
        "booking_id": booking.pk,
        "therapist_id": booking.assignee_id,
        "therapist_name": booking.assignee.full_name if booking.assignee_id else None,
        "urgency": pickup.urgency if pickup else "normal",
        "location": pickup.location() if pickup else None,
        "requested_at": requested_at,
        "waiting_seconds": max(0, int((at - requested_at).total_seconds())),
        "starts_at": booking.starts_at,
        "service_name": booking.service.name,
        "offer": offer_dict(offer),
        "candidates": candidates,
    }


def visible_staff(organization, user, *, everyone: bool):
    """None when `user` sees every driver and pickup (managers), else their staff profile
    (or a placeholder id that matches nothing)."""
    if everyone:
        return None
    me = staff_for_user(organization, user)
    return me.pk if me is not None else -1


def drivers_seen_by(organization, staff_id) -> set[int]:
    """A staff member's own row and the drivers of the bookings they are the therapist of."""
    driving_me = Booking.objects.filter(driver_counts(), assignee_id=staff_id).values_list(
        "driver_id", flat=True
    )
    return {staff_id, *driving_me}


def pickup_detail(organization, booking_id, *, staff_id=None, at=None) -> dict:
    """One pickup in any status, with its driver's row; 404 to a staff member not on it."""
    at = at or now()
    booking = (
        Booking.objects.filter(organization=organization, pk=booking_id, pickup__isnull=False)
        .select_related("pickup", "assignee__user", "service")
        .first()
    )
    if booking is None or (
        staff_id is not None and staff_id not in (booking.assignee_id, booking.driver_id)
    ):
        raise NotFound("No such pickup.")
    offer = (
        PickupOffer.objects.filter(booking=booking, answer=Answer.PENDING, expires_at__gt=at)
        .select_related(*OFFER_RELATED)
        .first()
    )
    row = pickup_row(booking, offer, at, 0 if staff_id is not None else 5)
    driver = None
    if booking.driver_id is not None:
        found = driver_rows(
            organization, pickup=booking.pickup, at=at, staff_ids=[booking.driver_id]
        )
        driver = found[0] if found else None
    pickup = booking.pickup
    return row | {
        "status": booking.status,
        "driver": driver,
        "arriving_notified_at": pickup.arriving_notified_at,
        "arrived_suggested_at": pickup.arrived_suggested_at,
    }
