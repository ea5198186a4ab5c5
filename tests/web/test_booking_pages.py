"""The front desk's booking pages through the test client: who may open what, the form's
errors beside their fields (and nothing made), moves and reschedules through the services,
times in the organisation's zone, the styled error pages."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common import clock
from switchboard.staff.models import StaffMember
from tests.bookings.factories import book, car_wash, massage, parking, session_service, staff_with
from tests.catalog.factories import ResourceFactory

# 10:00 in Kolkata is 04:30 UTC.
NOW = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture(autouse=True)
def kolkata(org):
    org.timezone = "Asia/Kolkata"
    org.save(update_fields=["timezone"])
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def wash(org):
    return car_wash(org, duration_minutes=30)


@pytest.fixture
def washer(org):
    return staff_with(org, "employee")


def form_data(wash, **overrides):
    data = {
        "service": wash.pk,
        "date": "2026-12-01",
        "time": "11:00",
        "customer": "",
        "customer_name": "Ravi Kumar",
        "customer_phone": "98400",
        "resource": "",
        "assignee": "auto",
        "notes": "",
    }
    return data | overrides


def test_the_form_shows_errors_beside_fields_and_makes_nothing(org, operator, wash):
    client = logged_in(operator)
    response = client.post(url("org-booking-new", org), form_data(wash, customer_name="", time=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-customer_name"' in page
    assert 'data-testid="error-time"' in page
    assert not Booking.objects.exists()


def test_the_form_books_in_the_organisations_zone(org, operator, wash, washer):
    response = logged_in(operator).post(url("org-booking-new", org), form_data(wash))
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("org-booking", org, pk=booking.pk)
    # 11:00 in Kolkata
    assert booking.starts_at == datetime(2026, 12, 1, 5, 30, tzinfo=UTC)
    assert booking.assignee == washer  # "automatic" chose the one qualified person
    assert booking.customer_name == "Ravi Kumar"


def test_a_resource_clash_is_shown_beside_the_resource(org, operator, wash):
    bay = ResourceFactory(organization=org, name="Bay 1")
    book(org, wash, operator, at=datetime(2026, 12, 1, 5, 30, tzinfo=UTC), resource=bay)
    response = logged_in(operator).post(
        url("org-booking-new", org), form_data(wash, resource=bay.pk, assignee="none")
    )
    assert response.status_code == 409
    assert 'data-testid="error-resource"' in response.content.decode()
    assert Booking.objects.count() == 1


def test_day_view_columns_and_the_list_filters(org, operator, wash, washer):
    mine = book(org, wash, operator, at=NOW + timedelta(hours=1), assignee=washer)
    other = book(org, wash, operator, at=NOW + timedelta(days=1), customer_name="Deepa Iyer")
    client = logged_in(operator)
    day = client.get(url("org-bookings", org)).content.decode()
    assert f'data-booking-id="{mine.pk}"' in day and f'data-booking-id="{other.pk}"' not in day
    assert f'data-column="{washer.pk}"' in day and 'data-column="none"' in day
    assert "11:00\u201311:30" in day  # local times
    listed = client.get(url("org-bookings", org), {"view": "list", "q": "deepa"})
    assert f'data-booking-id="{other.pk}"' in listed.content.decode()
    assert f'data-booking-id="{mine.pk}"' not in listed.content.decode()
    bad = client.get(url("org-bookings", org), {"view": "list", "status": "nonsense"})
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()


def test_an_end_after_midnight_shows_its_date(org, operator):
    stay = parking(org, duration_minutes=240)
    book(org, stay, operator, at=datetime(2026, 12, 1, 17, 30, tzinfo=UTC))  # 23:00 local
    page = logged_in(operator).get(url("org-bookings", org), {"view": "list"}).content.decode()
    assert "23:00\u2013Wed 2 Dec, 03:00" in page


def test_a_move_button_takes_the_move_and_a_refusal_changes_nothing(org, operator, wash):
    booking = book(org, wash, operator, at=NOW + timedelta(hours=1))
    client = logged_in(operator)
    card = client.post(url("org-booking-move", org, pk=booking.pk), {"status": "confirmed"})
    assert card.status_code == 200 and 'data-status="confirmed"' in card.content.decode()
    refused = client.post(url("org-booking-move", org, pk=booking.pk), {"status": "completed"})
    assert refused.status_code == 409
    assert 'data-testid="booking-error"' in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_reschedule_rechecks_the_resource_and_is_audited(org, operator, wash):
    bay = ResourceFactory(organization=org, name="Bay 1")
    first = book(org, wash, operator, at=NOW + timedelta(hours=1), resource=bay)
    second = book(org, wash, operator, at=NOW + timedelta(hours=3), resource=bay)
    client = logged_in(operator)
    target = url("org-booking-reschedule", org, pk=second.pk)
    move = {"date": "2026-12-01", "time": "11:10", "minutes": 30, "resource": bay.pk}
    clash = client.post(target, move)
    assert clash.status_code == 409 and 'data-testid="error-resource"' in clash.content.decode()
    second.refresh_from_db()
    assert second.starts_at == NOW + timedelta(hours=3)
    done = client.post(target, move | {"time": "12:00"})
    assert done.status_code == 302
    second.refresh_from_db()
    assert second.starts_at == datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    assert BookingTransition.objects.filter(booking=second, action="updated").exists()
    page = client.get(url("org-booking", org, pk=second.pk)).content.decode()
    assert "moved to Tue 1 Dec, 12:00" in page and first.pk != second.pk


def test_who_sees_what(org, operator, staff_user, customer, outsider, wash):
    me = StaffMember.objects.create(organization=org, user=staff_user)
    me.skills.set(wash.skill and [wash.skill])
    mine = book(org, wash, operator, at=NOW + timedelta(hours=1), assignee=me)
    theirs = book(org, wash, operator, at=NOW + timedelta(hours=2))
    own = book(org, wash, operator, at=NOW + timedelta(hours=2), customer=customer)
    staff_page = logged_in(staff_user).get(url("org-bookings", org)).content.decode()
    assert f'data-booking-id="{mine.pk}"' in staff_page
    assert f'data-booking-id="{theirs.pk}"' not in staff_page
    customer_client = logged_in(customer)
    listing = customer_client.get(url("org-bookings", org)).content.decode()
    assert (
        f'data-booking-id="{own.pk}"' in listing and f'data-booking-id="{theirs.pk}"' not in listing
    )
    assert customer_client.get(url("org-booking", org, pk=theirs.pk)).status_code == 404
    assert customer_client.get(url("org-booking-new", org)).status_code == 403
    cancel = customer_client.post(url("org-booking-move", org, pk=own.pk), {"status": "cancelled"})
    assert cancel.status_code == 200
    own.refresh_from_db()
    assert own.status == "cancelled"
    assert logged_in(outsider).get(url("org-bookings", org)).status_code == 404


def test_error_pages_are_styled_and_the_api_keeps_json(org, customer):
    client = logged_in(customer)
    forbidden = client.get(url("org-booking-new", org))
    assert forbidden.status_code == 403 and 'data-testid="error-page"' in forbidden.content.decode()
    missing = client.get("/o/no-such-org/bookings/")
    assert missing.status_code == 404 and 'data-testid="error-page"' in missing.content.decode()
    assert client.get("/api/nowhere").json() == {"detail": "Not found."}


def test_the_navigation_follows_the_permission_table(org, owner, customer):
    owner_page = logged_in(owner).get(url("org-home", org)).content.decode()
    assert 'data-testid="nav-kiosks"' in owner_page and 'data-testid="nav-bookings"' in owner_page
    assert 'data-testid="todays-bookings"' in owner_page
    customer_page = logged_in(customer).get(url("org-home", org)).content.decode()
    assert 'data-testid="nav-bookings"' in customer_page
    assert 'data-testid="nav-roster"' not in customer_page
    assert 'data-testid="nav-kiosks"' not in customer_page


def _queries(client, path, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


def test_the_pages_query_count_does_not_grow_with_the_bookings(org, operator, wash, washer):
    client = logged_in(operator)
    path = url("org-bookings", org)
    book(org, wash, operator, at=NOW + timedelta(hours=1), assignee=washer)
    counts = [_queries(client, path, {}), _queries(client, path, {"view": "list"})]
    for hours in range(2, 8):
        book(org, wash, operator, at=NOW + timedelta(hours=hours), customer_name=f"C{hours}")
    assert [_queries(client, path, {}), _queries(client, path, {"view": "list"})] == counts


def test_customer_search_and_reassignment(org, operator, customer, wash, washer):
    customer.first_name = "Kavya"
    customer.save(update_fields=["first_name"])
    client = logged_in(operator)
    options = client.get(url("org-booking-customers", org), {"q": "kavya"}).content.decode()
    assert f'value="{customer.pk}"' in options and f'value="{operator.pk}"' not in options
    booking = book(org, wash, operator, at=NOW + timedelta(hours=1), customer=customer)
    target = url("org-booking-assign", org, pk=booking.pk)
    assert client.post(target, {"assignee": "auto"}).status_code == 302
    booking.refresh_from_db()
    assert booking.assignee == washer
    assert client.post(target, {"assignee": "none"}).status_code == 302
    booking.refresh_from_db()
    assert booking.assignee is None
    bad = client.post(target, {"assignee": "999999"})
    assert bad.status_code == 400 and 'class="error' in bad.content.decode()


def test_a_move_that_takes_the_booking_off_the_drivers_list_says_so(org, operator):
    driver = staff_with(org, "driver")
    therapist = staff_with(org, "therapist")
    booking = book(org, massage(org), operator, at=NOW + timedelta(hours=2), assignee=therapist)
    for status in ("confirmed", "pickup_requested"):
        booking = services.booking_transition(booking=booking, status=status, acting_user=operator)
    services.booking_update(
        booking=booking, status="driver_assigned_pickup", driver=driver, acting_user=operator
    )
    answer = logged_in(driver.user).post(
        url("org-booking-move", org, pk=booking.pk), {"status": "pickup_requested"}
    )
    booking.refresh_from_db()
    assert answer.status_code == 200 and "no longer on your list" in answer.content.decode()
    assert (booking.status, booking.driver) == ("pickup_requested", None)


def test_work_of_someone_deactivated_stays_in_the_day_view(org, operator, wash, washer):
    booking = book(org, wash, operator, at=NOW + timedelta(hours=1), assignee=washer)
    StaffMember.objects.filter(pk=washer.pk).update(is_active=False)
    page = logged_in(operator).get(url("org-bookings", org)).content.decode()
    assert f'data-booking-id="{booking.pk}"' in page and "not active" in page
    bay = ResourceFactory(organization=org, name="Bay 9")
    parked = book(org, wash, operator, at=NOW + timedelta(hours=2), resource=bay)
    bay.is_active = False
    bay.save(update_fields=["is_active"])
    by_resource = logged_in(operator).get(url("org-bookings", org), {"by": "resource"})
    column = by_resource.content.decode().split(f'data-column="{bay.pk}"')[1]
    assert "not in use" in column and f'data-booking-id="{parked.pk}"' in column


def test_a_sessions_end_button_ends_it_now(org, operator):
    session_service(org)
    pc = ResourceFactory(organization=org, name="PC01")
    session = services.session_start(
        organization=org, resource=pc, minutes=60, acting_user=operator
    )
    client = logged_in(operator)
    with clock.frozen_at(NOW + timedelta(minutes=20)):
        card = client.get(url("org-bookings", org)).content.decode()
        assert 'data-testid="move-completed">End now<' in card
        page = client.get(url("org-booking", org, pk=session.pk)).content.decode()
        assert 'data-testid="reschedule-form"' not in page
        client.post(url("org-booking-move", org, pk=session.pk), {"status": "completed"})
    session.refresh_from_db()
    assert (session.status, session.ends_at) == ("completed", NOW + timedelta(minutes=20))


def test_an_operator_sends_a_driver_from_the_booking_page(org, operator):
    driver = staff_with(org, "driver")
    therapist = staff_with(org, "therapist")
    booking = book(org, massage(org), operator, at=NOW + timedelta(hours=2), assignee=therapist)
    for status in ("confirmed", "pickup_requested"):
        booking = services.booking_transition(booking=booking, status=status, acting_user=operator)
    client = logged_in(operator)
    page = client.get(url("org-booking", org, pk=booking.pk)).content.decode()
    assert 'data-testid="move-driver_assigned_pickup"' not in page  # no driver yet
    answer = client.post(url("org-booking-driver", org, pk=booking.pk), {"driver": driver.pk})
    assert answer.status_code == 302
    page = client.get(url("org-booking", org, pk=booking.pk)).content.decode()
    assert 'data-testid="move-driver_assigned_pickup"' in page
    client.post(url("org-booking-move", org, pk=booking.pk), {"status": "driver_assigned_pickup"})
    booking.refresh_from_db()
    assert (booking.status, booking.driver) == ("driver_assigned_pickup", driver)
