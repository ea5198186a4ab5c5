"""Building blocks for dispatch tests: a home-service business with drivers on duty at
known places, and pickups waiting at known places."""

from datetime import UTC, datetime

from switchboard.bookings import services as bookings
from switchboard.catalog.models import Service
from switchboard.dispatch import services
from switchboard.staff.attendance import services as attendance
from tests.bookings.factories import book, massage, staff_with

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Manila, where the seed's business works; 0.01 degree of latitude is about 1.1 km.
BASE = (14.55, 121.02)


def place(north_km: float = 0.0, east_km: float = 0.0) -> tuple[float, float]:
    return BASE[0] + north_km / 111.32, BASE[1] + east_km / 107.8


def driver_at(org, north_km=0.0, east_km=0.0, *, on_duty=True, at=None):
    """A driver, clocked in unless told, whose latest position is at the given offset."""
    driver = staff_with(org, "driver")
    if on_duty:
        attendance.staff_clock_in(organization=org, acting_user=None, staff=driver)
    lat, lng = place(north_km, east_km)
    services.position_record(
        organization=org, staff=driver, lat=lat, lng=lng, acting_user=None, at=at
    )
    return driver


def home_massage(org):
    """The organisation's home massage service (made once)."""
    found = Service.objects.filter(organization=org, name="Home massage").first()
    return found or massage(org)


def pickup_at(org, operator, north_km=0.0, east_km=0.0, *, urgency="normal", therapist=None):
    """A confirmed home massage whose therapist requested a pickup at the given offset."""
    therapist = therapist or staff_with(org, "therapist")
    booking = book(org, home_massage(org), operator, assignee=therapist)
    bookings.booking_transition(booking=booking, status="confirmed", acting_user=operator)
    lat, lng = place(north_km, east_km)
    services.pickup_request(
        booking=booking, acting_user=therapist.user, urgency=urgency, lat=lat, lng=lng
    )
    booking.refresh_from_db()
    return booking


def an_offer(org, operator):
    """A pickup offered to a driver (for the isolation fixture)."""
    from switchboard.dispatch.services import pickup_auto_assign

    driver_at(org, 1)
    offer, _ = pickup_auto_assign(booking=pickup_at(org, operator), acting_user=operator)
    return offer
