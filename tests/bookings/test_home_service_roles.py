"""Seed 002's chain split by role: the driver drives, the assignee (therapist) serves.

Among staff, the driving moves are the booking's driver's and the others its assignee's;
a refused move is a 403 that says whose move it is. A driver who is not the booking's
gets a reason, not a bare 404. Operators take every move, the dispatch edge
(`pickup_requested → driver_assigned_pickup`) included.
"""

import pytest

from switchboard.bookings import services
from switchboard.common.errors import Forbidden
from tests.bookings.factories import book, massage, staff_with

BASE = "/api/orgs/acme/bookings"


@pytest.fixture
def chain(org, operator):
    therapist, driver = staff_with(org, "therapist"), staff_with(org, "driver")
    booking = book(org, massage(org), operator, assignee=therapist)
    services.booking_transition(booking=booking, status="confirmed", acting_user=therapist.user)
    services.booking_transition(
        booking=booking, status="pickup_requested", acting_user=therapist.user
    )
    # The dispatch edge: operators assign the driver.
    services.booking_update(
        booking=booking, status="driver_assigned_pickup", driver=driver, acting_user=operator
    )
    return booking, therapist, driver


def _move(api, person, booking, status):
    return api.as_user(person.user).post(
        f"{BASE}/{booking.pk}/transitions/", {"status": status}, format="json"
    )


def test_the_therapist_cannot_take_the_drivers_steps(api, chain):
    booking, therapist, driver = chain
    refused = _move(api, therapist, booking, "driver_en_route_pickup")
    assert refused.status_code == 403
    assert "driver" in refused.json()["detail"]
    booking.refresh_from_db()
    assert booking.status == "driver_assigned_pickup"
    for status in ["driver_en_route_pickup", "driver_arrived_pickup", "therapist_picked_up"]:
        assert _move(api, driver, booking, status).status_code == 200
    assert _move(api, driver, booking, "en_route").status_code == 200
    assert _move(api, driver, booking, "arrived").status_code == 200


def test_the_driver_cannot_take_the_therapists_steps(org, operator, api, chain):
    booking, therapist, driver = chain
    for status in ["driver_en_route_pickup", "driver_arrived_pickup", "therapist_picked_up"]:
        services.booking_transition(booking=booking, status=status, acting_user=driver.user)
    for status in ["en_route", "arrived"]:
        services.booking_transition(booking=booking, status=status, acting_user=driver.user)
    refused = _move(api, driver, booking, "in_progress")
    # The driver is no longer occupied but still named on the booking: the move is refused
    # with its reason.
    assert refused.status_code == 403
    assert "assignee" in refused.json()["detail"]
    assert _move(api, therapist, booking, "in_progress").status_code == 200
    with pytest.raises(Forbidden, match="assignee"):
        services.booking_transition(booking=booking, status="completed", acting_user=driver.user)
    services.booking_transition(booking=booking, status="completed", acting_user=therapist.user)


def test_a_second_driver_gets_a_reason_not_a_404(org, api, chain):
    booking, _, driver = chain
    second = staff_with(org, "driver")
    accepted = api.as_user(second.user).patch(
        f"{BASE}/{booking.pk}/", {"driver_accepted": True}, format="json"
    )
    assert accepted.status_code == 403
    assert "Another driver has this pickup" in accepted.json()["detail"]
    booking.refresh_from_db()
    assert booking.driver_accepted is False and booking.driver_id == driver.pk
    # Reading it stays closed: staff see their own assignments only.
    assert api.as_user(second.user).get(f"{BASE}/{booking.pk}/").status_code == 404
    assert api.as_user(second.user).patch(f"{BASE}/999999/", {}).status_code == 404


def test_a_therapist_who_travels_alone_takes_the_driving_steps(org, operator):
    therapist = staff_with(org, "therapist")
    booking = book(org, massage(org), operator, assignee=therapist)
    for status in ["confirmed", "en_route", "arrived", "in_progress", "completed"]:
        services.booking_transition(booking=booking, status=status, acting_user=therapist.user)
    booking.refresh_from_db()
    assert booking.status == "completed"
