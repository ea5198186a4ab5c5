"""The dispatch pages: who may open them, what each shows, and that their buttons go
through the dispatch services (a refusal is shown next to what failed and changes
nothing). The live behaviour in a browser is tests/e2e/test_dispatch_e2e.py."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from switchboard.bookings.models import Booking
from switchboard.bookings.services import booking_transition, booking_update
from switchboard.catalog.models import Service
from switchboard.common import clock
from switchboard.dispatch import services as dispatch
from switchboard.dispatch.models import PickupOffer
from switchboard.staff.attendance.services import staff_clock_in
from tests.bookings.factories import book, massage, staff_with

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HERE = (14.5547, 121.0244)
NEAR = (14.5600, 121.0300)
FAR = (14.6500, 121.1000)  # outside the default 15 km radius once roads are counted
FARTHER = (14.5800, 121.0500)  # within it, but farther than HERE


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, org):
    return reverse(name, kwargs={"org_slug": org.slug})


def on_duty_driver(org, at=HERE):
    driver = staff_with(org, "driver")
    staff_clock_in(organization=org, acting_user=driver.user)
    dispatch.position_record(
        organization=org, staff=driver, lat=at[0], lng=at[1], acting_user=driver.user
    )
    return driver


def confirmed_booking(org, owner, therapist):
    service = Service.objects.filter(organization=org, name="Home massage").first()
    service = service or massage(org)
    booking = book(org, service, owner, assignee=therapist, at=T0 + timedelta(hours=2))
    return booking_update(
        booking=booking, status="confirmed", therapist_accepted=True, acting_user=therapist.user
    )


@pytest.fixture
def scene(org, owner):
    """A therapist with a confirmed home massage, and a driver on duty nearby."""
    with clock.frozen_at(T0):
        therapist = staff_with(org, "therapist")
        booking = confirmed_booking(org, owner, therapist)
        driver = on_duty_driver(org)
    return {"therapist": therapist, "driver": driver, "booking": booking}


def request_pickup(scene, urgency="urgent", at=NEAR):
    therapist = scene["therapist"]
    return dispatch.pickup_request(
        booking=scene["booking"],
        acting_user=therapist.user,
        urgency=urgency,
        lat=at[0],
        lng=at[1],
    )


BOARD_ROUTES = [
    ("get", "org-dispatch"),
    ("get", "org-dispatch-board"),
    ("post", "org-dispatch-assign"),
    ("post", "org-dispatch-auto-assign"),
    ("get", "org-dispatch-batch"),
    ("post", "org-dispatch-batch"),
]
WORKER_ROUTES = [
    ("get", "org-dispatch-driver"),
    ("get", "org-dispatch-driver-view"),
    ("post", "org-dispatch-answer"),
    ("post", "org-dispatch-step"),
    ("get", "org-dispatch-pickups"),
    ("post", "org-dispatch-request"),
]


@pytest.mark.parametrize(("method", "name"), BOARD_ROUTES + WORKER_ROUTES)
def test_customers_are_refused_and_other_organisations_see_nothing(
    org, scene, customer, outsider, method, name
):
    request_pickup(scene)
    before = Booking.objects.get(pk=scene["booking"].pk).status
    data = {"booking": scene["booking"].pk, "driver": scene["driver"].pk, "urgency": "urgent"}
    assert getattr(logged_in(customer), method)(url(name, org), data).status_code == 403
    assert getattr(logged_in(outsider), method)(url(name, org), data).status_code == 404
    assert Booking.objects.get(pk=scene["booking"].pk).status == before
    assert not PickupOffer.objects.exists()


@pytest.mark.parametrize(("method", "name"), BOARD_ROUTES)
def test_the_board_is_for_managers_only(org, scene, method, name):
    response = getattr(logged_in(scene["driver"].user), method)(url(name, org))
    assert response.status_code == 403


def test_the_board_shows_urgent_pickups_first_and_drivers_by_eta(org, owner, scene, operator):
    with clock.frozen_at(T0):
        other = staff_with(org, "therapist")
        normal = confirmed_booking(org, owner, other)
        dispatch.pickup_request(booking=normal, acting_user=other.user, urgency="normal")
        far_driver = on_duty_driver(org, at=FAR)
        request_pickup(scene)
        page = logged_in(operator).get(url("org-dispatch", org)).content.decode()
    urgent_at = page.index(f'data-booking-id="{scene["booking"].pk}" data-urgency="urgent"')
    assert urgent_at < page.index(f'data-booking-id="{normal.pk}" data-urgency="normal"')
    near_at = page.index(f'data-testid="driver-row" data-staff-id="{scene["driver"].pk}"')
    assert near_at < page.index(f'data-testid="driver-row" data-staff-id="{far_driver.pk}"')
    assert 'id="dispatch-map-data"' in page and "vendor/leaflet/leaflet.js" in page
    assert 'data-tile-url=""' in page  # no tiles configured: a plain background


def test_assigning_from_the_board_and_a_taken_driver_is_a_409_shown_by_the_pickup(
    org, owner, scene, operator
):
    client = logged_in(operator)
    with clock.frozen_at(T0):
        request_pickup(scene)
        other = staff_with(org, "therapist")
        second = confirmed_booking(org, owner, other)
        dispatch.pickup_request(booking=second, acting_user=other.user, lat=NEAR[0], lng=NEAR[1])
        data = {"booking": scene["booking"].pk, "driver": scene["driver"].pk}
        response = client.post(url("org-dispatch-assign", org), data)
        assert response.status_code == 200
        booking = Booking.objects.get(pk=scene["booking"].pk)
        assert (booking.status, booking.driver_id) == ("driver_assigned_pickup", scene["driver"].pk)
        assert "ETA" in booking.notes

        taken = {"booking": second.pk, "driver": scene["driver"].pk}
        refused = client.post(url("org-dispatch-assign", org), taken)
    assert refused.status_code == 409
    assert 'data-testid="pickup-error"' in refused.content.decode()
    second.refresh_from_db()
    assert (second.status, second.driver_id) == ("pickup_requested", None)


def test_bad_ids_are_a_clear_refusal(org, scene, operator):
    client = logged_in(operator)
    assert client.post(url("org-dispatch-assign", org), {"booking": "x"}).status_code == 400
    missing = {"booking": 999999, "driver": scene["driver"].pk}
    assert client.post(url("org-dispatch-assign", org), missing).status_code == 404
    assert client.post(url("org-dispatch-auto-assign", org), {}).status_code == 400


def test_auto_assign_offers_and_the_driver_accepts_then_steps_through(org, scene, operator):
    driver = logged_in(scene["driver"].user)
    with clock.frozen_at(T0):
        request_pickup(scene)
        board = logged_in(operator).post(
            url("org-dispatch-auto-assign", org), {"booking": scene["booking"].pk}
        )
        assert board.status_code == 200 and 'data-testid="offer-row"' in board.content.decode()
        offer = PickupOffer.objects.get(booking=scene["booking"])
        view = driver.get(url("org-dispatch-driver", org)).content.decode()
        assert 'data-testid="offer-card"' in view and "data-share-position" in view

        accepted = driver.post(
            url("org-dispatch-answer", org), {"offer": offer.pk, "answer": "accept"}
        ).content.decode()
        assert 'data-testid="next-step"' in accepted and "geo:" in accepted
        for status in ("driver_en_route_pickup", "driver_arrived_pickup", "therapist_picked_up"):
            step = {"booking": scene["booking"].pk, "status": status}
            assert driver.post(url("org-dispatch-step", org), step).status_code == 200
    assert Booking.objects.get(pk=scene["booking"].pk).status == "therapist_picked_up"


def test_a_driver_cannot_answer_another_drivers_offer_or_step_anothers_task(org, scene):
    with clock.frozen_at(T0):
        request_pickup(scene)
        offer, _ = dispatch.pickup_auto_assign(booking=scene["booking"], acting_user=None)
        intruder = logged_in(on_duty_driver(org, at=FAR).user)
        answer = {"offer": offer.pk, "answer": "accept"}
        assert intruder.post(url("org-dispatch-answer", org), answer).status_code == 404
        step = {"booking": scene["booking"].pk, "status": "driver_en_route_pickup"}
        assert intruder.post(url("org-dispatch-step", org), step).status_code == 404
        bad = logged_in(scene["driver"].user).post(
            url("org-dispatch-answer", org), {"offer": offer.pk, "answer": "maybe"}
        )
    assert bad.status_code == 400
    offer.refresh_from_db()
    assert offer.answer == "pending"


def test_the_therapist_requests_an_urgent_pickup_then_sees_the_driver_and_eta(org, scene):
    therapist = logged_in(scene["therapist"].user)
    with clock.frozen_at(T0):
        card = therapist.get(url("org-dispatch-pickups", org)).content.decode()
        assert 'data-testid="urgent-pickup"' in card
        data = {"booking": scene["booking"].pk, "urgency": "urgent", "lat": NEAR[0], "lng": NEAR[1]}
        card = therapist.post(url("org-dispatch-request", org), data).content.decode()
        assert 'data-testid="waiting-driver"' in card
        booking = Booking.objects.get(pk=scene["booking"].pk)
        assert booking.status == "pickup_requested" and booking.notes.startswith("URGENT")
        dispatch.pickup_assign(booking=booking, driver=scene["driver"], acting_user=None)
        card = therapist.get(url("org-dispatch-pickups", org)).content.decode()
        assert scene["driver"].user.get_full_name() in card
        assert 'data-testid="pickup-eta"' in card
        assert 'data-testid="driver-arriving"' in card  # under a kilometre: within 3 min
        booking.refresh_from_db()
        for status in ("driver_en_route_pickup", "driver_arrived_pickup"):
            booking_transition(booking=booking, status=status, acting_user=scene["driver"].user)
        card = therapist.get(url("org-dispatch-pickups", org)).content.decode()
    assert 'data-testid="driver-here"' in card


def test_only_the_bookings_therapist_requests_its_pickup(org, scene):
    other = logged_in(staff_with(org, "therapist").user)
    data = {"booking": scene["booking"].pk, "urgency": "urgent"}
    assert other.post(url("org-dispatch-request", org), data).status_code == 404
    mine = logged_in(scene["therapist"].user)
    assert mine.post(url("org-dispatch-request", org), data | {"urgency": "x"}).status_code == 400
    assert Booking.objects.get(pk=scene["booking"].pk).status == "confirmed"


def test_assign_all_shows_the_plan_then_applies_it(org, scene, operator):
    client = logged_in(operator)
    with clock.frozen_at(T0):
        request_pickup(scene)
        preview = client.get(url("org-dispatch-batch", org)).content.decode()
        assert 'data-testid="batch-plan"' in preview and "nearest-first" in preview
        assert Booking.objects.get(pk=scene["booking"].pk).status == "pickup_requested"
        applied = client.post(url("org-dispatch-batch", org)).content.decode()
    assert "Assigned 1 pickup." in applied
    assert Booking.objects.get(pk=scene["booking"].pk).driver_id == scene["driver"].pk


def test_the_board_reads_the_same_number_of_queries_for_more_drivers(org, owner, operator):
    def count():
        client = logged_in(operator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("org-dispatch-board", org)).status_code == 200
        return len(queries)

    with clock.frozen_at(T0):
        therapist = staff_with(org, "therapist")
        booking = confirmed_booking(org, owner, therapist)
        dispatch.pickup_request(booking=booking, acting_user=therapist.user, lat=1.0, lng=1.0)
        on_duty_driver(org)
        few = count()
        for _ in range(4):
            on_duty_driver(org)
        assert count() == few


def test_a_decline_passes_the_offer_on_and_a_late_answer_is_a_409_shown_in_the_view(org, scene):
    with clock.frozen_at(T0):
        second = on_duty_driver(org, at=FARTHER)
        request_pickup(scene)
        first, _ = dispatch.pickup_auto_assign(booking=scene["booking"], acting_user=None)
        assert first.driver_id == scene["driver"].pk
        declined = logged_in(scene["driver"].user).post(
            url("org-dispatch-answer", org), {"offer": first.pk, "answer": "decline"}
        )
        assert declined.status_code == 200
        following = PickupOffer.objects.get(booking=scene["booking"], answer="pending")
        assert following.driver_id == second.pk
        clock.advance(timedelta(hours=1))
        late = logged_in(second.user).post(
            url("org-dispatch-answer", org), {"offer": following.pk, "answer": "accept"}
        )
    assert late.status_code == 409
    assert 'data-testid="driver-error"' in late.content.decode()
    assert Booking.objects.get(pk=scene["booking"].pk).driver_id is None


def test_a_staff_member_who_is_not_a_driver_is_told_so(org, scene):
    page = logged_in(scene["therapist"].user).get(url("org-dispatch-driver", org))
    assert page.status_code == 200
    assert 'data-testid="not-a-driver"' in page.content.decode()


def test_the_map_uses_the_configured_tile_server(org, operator, settings):
    settings.DISPATCH_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    page = logged_in(operator).get(url("org-dispatch", org)).content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in page
    assert "plain background" not in page


def test_nav_links_by_role(org, scene, operator):
    board = logged_in(operator).get(url("org-home", org)).content.decode()
    assert 'data-testid="nav-dispatch"' in board and 'data-testid="nav-pickups"' not in board
    mine = logged_in(scene["driver"].user).get(url("org-home", org)).content.decode()
    assert 'data-testid="nav-pickups"' in mine and 'data-testid="nav-dispatch"' not in mine
