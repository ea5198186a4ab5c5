"""Dispatch services: derived status, nearest driver, ETA, offers that pass on, manual
assignment, arrival notices, the throttled driver update."""

from datetime import timedelta

import pytest

from switchboard.bookings import services as bookings
from switchboard.bookings.models import BookingTransition
from switchboard.common import clock
from switchboard.common.errors import Conflict, Forbidden
from switchboard.dispatch import services
from switchboard.dispatch import status as st
from switchboard.dispatch.eta import eta, haversine_m
from switchboard.dispatch.models import Answer, DispatchSettings, PickupOffer, PickupRequest
from switchboard.dispatch.selectors import (
    driver_rows,
    nearest_available,
    pending_pickups,
    settings_for,
)
from switchboard.staff.attendance import services as attendance
from tests.bookings.factories import book, payloads, staff_with
from tests.dispatch.factories import driver_at, home_massage, pickup_at, place

MANAGERS = "private-org-acme.managers"


def status(org, driver):
    return st.driver_status(driver, clock.now())


def offer_notes(booking):
    rows = BookingTransition.objects.filter(booking=booking, data__has_key="offer")
    return [row.note for row in rows.order_by("pk")]


def test_the_eta_is_haversine_times_the_road_factor_over_the_speed(org):
    config = settings_for(org)
    assert (config.road_factor, config.average_speed_kmh, config.offer_timeout_seconds) == (
        1.3,
        30.0,
        60,
    )
    # One degree of longitude on the equator: 111.19 km.
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-4)
    value = eta(config, 0, 0, 0, 0.1)  # 11.12 km x 1.3 = 14.46 km at 30 km/h
    assert value.distance_m == pytest.approx(14_455, abs=2)
    assert value.seconds == pytest.approx(1735, abs=1)
    assert value.minutes == 29  # rounded up
    assert eta(config, 0, 0, 0, 0).minutes == 0


def test_status_is_derived_from_attendance_offers_and_bookings(org, operator, frozen):
    off = driver_at(org, 1, on_duty=False)
    driver = driver_at(org, 2)
    assert (status(org, off), status(org, driver)) == ("off_duty", "available")
    clock.advance(timedelta(minutes=1))
    attendance.staff_break_start(organization=org, acting_user=None, staff=driver)
    assert status(org, driver) == "off_duty"  # on a break: not offered work
    clock.advance(timedelta(minutes=1))
    attendance.staff_break_end(organization=org, acting_user=None, staff=driver)
    booking = pickup_at(org, operator)
    offer, _ = services.pickup_auto_assign(booking=booking, acting_user=operator)
    assert offer.driver_id == driver.pk and status(org, driver) == "offered"
    clock.advance(timedelta(seconds=61))
    assert status(org, driver) == "available"  # an expired offer binds nobody
    clock.advance(timedelta(seconds=-61))
    services.offer_accept(offer=offer, acting_user=driver.user)
    assert status(org, driver) == "busy"
    for step in ["driver_en_route_pickup", "driver_arrived_pickup", "therapist_picked_up"]:
        bookings.booking_transition(booking=booking, status=step, acting_user=driver.user)
        assert status(org, driver) == "busy"
    bookings.booking_transition(booking=booking, status="en_route", acting_user=driver.user)
    bookings.booking_transition(booking=booking, status="arrived", acting_user=driver.user)
    assert status(org, driver) == "available"  # delivered


def test_nearest_available_skips_the_off_duty_the_busy_the_stale_and_the_far(org, operator, frozen):
    driver_at(org, 0.5, on_duty=False)
    stale = driver_at(org, 0.6, at=clock.now() - timedelta(minutes=6))
    far = driver_at(org, 20)
    near = driver_at(org, 3)
    nearer = driver_at(org, 2)
    lat, lng = place()
    found = nearest_available(org, lat=lat, lng=lng, limit=10)
    assert [person.pk for person, _ in found] == [nearer.pk, near.pk]
    assert stale.pk not in [p.pk for p, _ in found] and far.pk not in [p.pk for p, _ in found]
    DispatchSettings.objects.create(organization=org, search_radius_km=30)
    found = nearest_available(org, lat=lat, lng=lng, limit=10)
    assert [person.pk for person, _ in found] == [nearer.pk, near.pk, far.pk]


def test_the_seeds_patch_writes_an_urgent_pickup_and_tells_the_operators(
    org, operator, api, capture_events, frozen
):
    therapist = staff_with(org, "therapist")
    lat, lng = place(1, 1)
    services.position_record(
        organization=org, staff=therapist, lat=lat, lng=lng, acting_user=therapist.user
    )
    booking = pickup_at(org, operator, therapist=therapist)  # makes a first one
    events = capture_events()
    second = book(org, home_massage(org), operator, assignee=therapist)
    bookings.booking_transition(booking=second, status="confirmed", acting_user=operator)
    answer = api.as_user(therapist.user).patch(
        f"/api/orgs/acme/bookings/{second.pk}/",
        {"status": "pickup_requested", "notes": "URGENT: Pickup requested by therapist"},
        format="json",
    )
    assert answer.status_code == 200, answer.data
    pickup = PickupRequest.objects.get(booking=second)
    assert pickup.urgency == "urgent" and (pickup.lat, pickup.lng) == (lat, lng)
    [sent] = payloads(events, "pickup-requested", MANAGERS)
    assert sent == {
        "therapist_id": therapist.pk,
        "appointment_id": second.pk,
        "urgency": "urgent",
        "location": {"lat": lat, "lng": lng, "address": ""},
        "therapist_name": therapist.full_name,
        "requested_at": clock.now().isoformat().replace("+00:00", "Z"),
    }
    assert events.channels("pickup-requested") == [
        MANAGERS,
        f"private-org-acme.staff-{therapist.pk}",
    ]
    rows = pending_pickups(org)
    assert [r["booking_id"] for r in rows] == [second.pk, booking.pk]  # urgent first


def test_a_declined_offer_passes_to_the_next_nearest(org, operator, capture_events, frozen):
    first, second = driver_at(org, 1), driver_at(org, 2)
    booking = pickup_at(org, operator)
    offer, _ = services.pickup_auto_assign(booking=booking, acting_user=operator)
    assert offer.driver_id == first.pk
    events = capture_events()
    declined, following = services.offer_decline(offer=offer, acting_user=first.user)
    assert declined.answer == "declined" and following.driver_id == second.pk
    sent = payloads(events, "pickup-offer", f"private-org-acme.staff-{second.pk}")
    assert [(p["answer"], p["appointment_id"]) for p in sent] == [("pending", booking.pk)]
    with pytest.raises(Conflict):
        services.offer_accept(offer=declined, acting_user=first.user)
    with pytest.raises(Forbidden):
        services.offer_accept(offer=following, acting_user=first.user)  # not theirs
    services.offer_accept(offer=following, acting_user=second.user)
    booking.refresh_from_db()
    assert (booking.status, booking.driver_id, booking.driver_accepted) == (
        "driver_assigned_pickup",
        second.pk,
        True,
    )
    assert booking.notes.startswith("Driver assigned for pickup - ETA: ")
    assert offer_notes(booking) == [
        f"Offered to {first.full_name} (ETA 3 min)",
        f"{first.full_name} declined the pickup",
        f"Offered to {second.full_name} (ETA 6 min)",
        f"{second.full_name} accepted the pickup",
    ]


def test_an_unanswered_offer_passes_on_at_its_deadline_then_nobody_is_left(
    org, operator, capture_events, frozen
):
    first, second = driver_at(org, 1), driver_at(org, 2)
    booking = pickup_at(org, operator, urgency="urgent")
    offer, _ = services.pickup_auto_assign(booking=booking, acting_user=operator)
    assert services.offers_expire_due() == 0  # not due yet
    clock.advance(timedelta(seconds=60))
    with pytest.raises(Conflict, match="expired"):
        services.offer_accept(offer=offer, acting_user=first.user)  # expiry is data
    assert services.offers_expire_due() == 1
    offer.refresh_from_db()
    following = PickupOffer.objects.get(booking=booking, answer=Answer.PENDING)
    assert (offer.answer, following.driver_id) == ("expired", second.pk)
    events = capture_events()
    clock.advance(timedelta(seconds=60))
    assert services.offers_expire_due() == 1
    booking.refresh_from_db()
    assert booking.status == "pickup_requested"  # stays pending for the operators
    assert not PickupOffer.objects.filter(booking=booking, answer=Answer.PENDING).exists()
    [alert] = payloads(events, "booking-unassigned")
    assert "No available driver" in alert["reason"]
    assert services.offers_expire_due() == 0  # a second run changes nothing


def test_nobody_available_leaves_the_pickup_pending(org, operator, capture_events, frozen):
    driver_at(org, 1, on_duty=False)
    booking = pickup_at(org, operator)
    events = capture_events()
    offer, reason = services.pickup_auto_assign(booking=booking, acting_user=operator)
    assert offer is None and "No available driver" in reason
    assert len(payloads(events, "booking-unassigned")) == 1
    booking.refresh_from_db()
    assert booking.status == "pickup_requested"


def test_manual_assignment_writes_the_eta_and_refuses_an_unavailable_driver(
    org, operator, capture_events, frozen
):
    driver = driver_at(org, 2)
    off = driver_at(org, 1, on_duty=False)
    booking, other = pickup_at(org, operator), pickup_at(org, operator)
    with pytest.raises(Conflict, match="not on duty"):
        services.pickup_assign(booking=booking, driver=off, acting_user=operator)
    booking.refresh_from_db()
    assert (booking.status, booking.driver_id) == ("pickup_requested", None)
    events = capture_events()
    booking, value = services.pickup_assign(booking=booking, driver=driver, acting_user=operator)
    assert booking.notes == f"Driver assigned for pickup - ETA: {value.minutes} min"
    [sent] = payloads(events, "driver-assigned-pickup", MANAGERS)
    assert (sent["driver_id"], sent["appointment_id"], sent["eta_minutes"]) == (
        driver.pk,
        booking.pk,
        value.minutes,
    )
    assert {"therapist_id", "driver_name", "therapist_name", "pickup_location"} <= set(sent)
    with pytest.raises(Conflict, match="already on a pickup"):
        services.pickup_assign(booking=other, driver=driver, acting_user=operator)
    with pytest.raises(Conflict):
        services.pickup_assign(booking=booking, driver=driver, acting_user=operator)


def test_arrival_notices_go_out_once_per_pickup(org, operator, capture_events, frozen):
    driver = driver_at(org, 5)
    booking = pickup_at(org, operator)
    services.pickup_assign(booking=booking, driver=driver, acting_user=operator)
    events = capture_events()

    def move(north_km):
        lat, lng = place(north_km)
        services.position_record(
            organization=org, staff=driver, lat=lat, lng=lng, acting_user=driver.user
        )

    move(4)
    assert payloads(events, "driver-arrival", MANAGERS) == []
    move(1)  # about 2 minutes away
    move(0.9)
    move(0.05)  # 50 m: there
    move(0.04)
    kinds = [p["kind"] for p in payloads(events, "driver-arrival", MANAGERS)]
    assert kinds == ["arriving", "arrived"]
    to_therapist = payloads(
        events, "driver-arrival", f"private-org-acme.staff-{booking.assignee_id}"
    )
    assert len(to_therapist) == 2


def test_driver_updates_are_throttled_per_driver(org, operator, capture_events, frozen):
    driver = driver_at(org, 5)
    events = capture_events()
    for step in range(3):
        lat, lng = place(4 - step * 0.1)
        services.position_record(
            organization=org, staff=driver, lat=lat, lng=lng, acting_user=driver.user
        )
    assert len(payloads(events, "driver-update", MANAGERS)) == 0  # sent on clock-in's report
    clock.advance(timedelta(seconds=5))
    lat, lng = place(3)
    services.position_record(
        organization=org, staff=driver, lat=lat, lng=lng, acting_user=driver.user
    )
    [sent] = payloads(events, "driver-update", MANAGERS)
    assert (sent["driver_id"], sent["status"], sent["position"]["lat"]) == (
        driver.pk,
        "available",
        lat,
    )
    booking = pickup_at(org, operator)
    services.pickup_assign(booking=booking, driver=driver, acting_user=operator)
    statuses = [p["status"] for p in payloads(events, "driver-update", MANAGERS)]
    assert statuses == ["available", "busy"]  # a change of status is never held back


def test_staff_share_only_their_own_position(org, operator, frozen):
    driver, other = driver_at(org, 1), staff_with(org, "driver")
    with pytest.raises(Forbidden):
        services.position_record(
            organization=org, staff=other, lat=1, lng=1, acting_user=driver.user
        )


def test_cancelling_a_pickup_withdraws_its_offer(org, operator, frozen):
    driver = driver_at(org, 1)
    booking = pickup_at(org, operator)
    offer, _ = services.pickup_auto_assign(booking=booking, acting_user=operator)
    assert offer.driver_id == driver.pk
    bookings.booking_transition(booking=booking, status="cancelled", acting_user=operator)
    offer.refresh_from_db()
    assert offer.answer == "withdrawn"
    assert driver_rows(org)[0]["status"] == "available"
