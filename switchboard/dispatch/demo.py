"""Demo dispatch for the home-service business: its drivers clocked in at known places in
Manila and one pickup waiting, so the board, the map and the driver's view show something.
Safe to run again: it adds only what is missing (a driver who has ever clocked, a person
with a position, an organisation with any pickup are left alone) and never fails on the
user's own changes."""

import logging

from switchboard.accounts.models import Organization, User
from switchboard.bookings.models import Booking
from switchboard.common.errors import DomainError
from switchboard.dispatch import services
from switchboard.dispatch.models import DriverPosition, PickupRequest
from switchboard.dispatch.status import drivers
from switchboard.staff.attendance import services as attendance
from switchboard.staff.attendance.models import ClockLog

logger = logging.getLogger(__name__)

# Makati and Bonifacio Global City: a few kilometres apart.
DRIVER_PLACES = [(14.5547, 121.0244), (14.5509, 121.0503), (14.5764, 121.0851)]
PICKUP_PLACE = (14.5605, 121.0300)
DEMO_ORGS = {"royal-care"}


def seed_dispatch(org: Organization, admin: User) -> None:
    if org.slug not in DEMO_ORGS:
        return
    added = 0
    for person, (lat, lng) in zip(drivers(org).order_by("pk"), DRIVER_PLACES, strict=False):
        try:
            if not ClockLog.objects.filter(staff=person).exists():
                attendance.staff_clock_in(organization=org, acting_user=None, staff=person)
            if not DriverPosition.objects.filter(staff=person).exists():
                services.position_record(
                    organization=org, staff=person, lat=lat, lng=lng, acting_user=None
                )
                added += 1
        except DomainError as refused:
            logger.info("demo_dispatch_skipped staff=%s reason=%s", person.pk, refused.message)
    _a_waiting_pickup(org, admin)
    logger.info("demo_dispatch_seeded org=%s positions_added=%d", org.slug, added)


def _a_waiting_pickup(org, admin) -> None:
    if PickupRequest.objects.filter(organization=org).exists():
        return
    booking = (
        Booking.objects.filter(organization=org, workflow="home_service", status="confirmed")
        .exclude(assignee=None)
        .order_by("starts_at", "pk")
        .first()
    )
    if booking is None:
        return
    try:
        services.pickup_request(
            booking=booking,
            acting_user=admin,
            urgency="normal",
            lat=PICKUP_PLACE[0],
            lng=PICKUP_PLACE[1],
        )
    except DomainError as refused:
        logger.info("demo_pickup_skipped booking=%s reason=%s", booking.pk, refused.message)
