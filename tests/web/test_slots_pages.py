"""The slot pages: availability (managers anyone's, staff their own), slot health (managers
only) and the booking page (members; the public only when switched on, rate-limited, and
never showing another customer's data). Other organisations' visitors get a 404."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from switchboard.bookings.models import Booking
from switchboard.common import clock
from switchboard.slots import availability as services
from switchboard.slots.models import (
    AvailabilityException,
    BookingSlot,
    ProviderAvailability,
    SlotAutomationSettings,
)
from switchboard.web.booking_limit import check_rate
from tests.catalog.factories import ServiceFactory
from tests.staff.factories import StaffMemberFactory

MONDAY_MORNING = datetime(2030, 6, 3, 7, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 in Dublin


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(MONDAY_MORNING):
        yield


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(org, owner):
    org.timezone = "Europe/Dublin"
    org.save(update_fields=["timezone"])
    provider = StaffMemberFactory(organization=org)
    service = ServiceFactory(organization=org, name="Haircut", duration_minutes=60)
    service.providers.add(provider)
    services.availability_create(
        organization=org,
        staff=provider,
        weekday=0,
        start_time=time(9),
        end_time=time(12),
        acting_user=owner,
    )
    return org, provider, service


def first_slot(service):
    return BookingSlot.objects.filter(service=service).order_by("starts_at").first()


def public(org, on=True):
    SlotAutomationSettings.objects.update_or_create(
        organization=org, defaults={"public_booking": on}
    )


# Availability


def test_a_manager_adds_a_window_and_sees_what_changed(shop, owner):
    org, provider, _service = shop
    before = BookingSlot.objects.filter(provider=provider).count()
    response = logged_in(owner).post(
        f"/o/{org.slug}/availability/change/",
        {
            "op": "add_window",
            "staff": provider.pk,
            "weekday": 1,
            "start_time": "22:00",
            "end_time": "01:00",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    created = BookingSlot.objects.filter(provider=provider).count() - before
    assert created > 0
    assert f'data-testid="changes-created">{created}<' in html
    assert "+1 day" in html  # the window past midnight is shown as such
    assert "{#" not in html and "{%" not in html  # no template text leaks onto the page


def test_a_bad_window_is_refused_next_to_its_field_and_changes_nothing(shop, owner):
    org, provider, _ = shop
    rows = ProviderAvailability.objects.count()
    response = logged_in(owner).post(
        f"/o/{org.slug}/availability/change/",
        {"op": "add_window", "staff": provider.pk, "weekday": 9, "start_time": "nine"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-start_time"' in html and 'data-testid="error-weekday"' in html
    assert ProviderAvailability.objects.count() == rows


def test_staff_edit_only_their_own_availability(shop):
    org, provider, _ = shop
    other = StaffMemberFactory(organization=org)
    client = logged_in(other.user)
    page = client.get(f"/o/{org.slug}/availability/", {"staff": provider.pk}).content.decode()
    assert other.full_name in page and provider.full_name not in page
    window = ProviderAvailability.objects.get(staff=provider)
    data = {
        "op": "edit_window",
        "id": window.pk,
        "weekday": 0,
        "start_time": "06:00",
        "end_time": "07:00",
    }
    assert client.post(f"/o/{org.slug}/availability/change/", data).status_code == 403
    assert (
        client.post(
            f"/o/{org.slug}/availability/change/", {"op": "remove_window", "id": window.pk}
        ).status_code
        == 403
    )
    window.refresh_from_db()
    assert window.start_time == time(9)
    mine = client.post(
        f"/o/{org.slug}/availability/change/",
        {"op": "add_window", "weekday": 2, "start_time": "10:00", "end_time": "11:00"},
    )
    assert mine.status_code == 200
    assert ProviderAvailability.objects.filter(staff=other).count() == 1


def test_customers_and_other_organisations_get_no_availability(shop, customer, outsider):
    org, _provider, _ = shop
    assert logged_in(customer).get(f"/o/{org.slug}/availability/").status_code == 403
    assert logged_in(outsider).get(f"/o/{org.slug}/availability/").status_code == 404
    data = {"op": "remove_window", "id": ProviderAvailability.objects.get().pk}
    assert logged_in(outsider).post(f"/o/{org.slug}/availability/change/", data).status_code == 404
    assert ProviderAvailability.objects.count() == 1


def test_holidays_are_for_managers_and_an_exception_needs_its_hours(shop, owner):
    org, provider, service = shop
    monday = {"date": "2030-06-10", "is_off": "on", "note": "Bank holiday"}
    staff = logged_in(provider.user)
    refused = staff.post(f"/o/{org.slug}/availability/change/", {"op": "add_holiday"} | monday)
    assert refused.status_code == 403
    assert AvailabilityException.objects.count() == 0
    half_day = {"op": "add_exception", "date": "2030-06-17", "start_time": "09:00"}
    response = staff.post(f"/o/{org.slug}/availability/change/", half_day)
    assert (
        response.status_code == 400 and 'data-testid="error-end_time"' in response.content.decode()
    )
    assert AvailabilityException.objects.count() == 0
    before = BookingSlot.objects.filter(service=service, starts_at__date="2030-06-10").count()
    added = logged_in(owner).post(
        f"/o/{org.slug}/availability/change/", {"op": "add_holiday", "staff": provider.pk} | monday
    )
    html = added.content.decode()
    assert added.status_code == 200 and "Bank holiday" in html
    assert f'data-testid="changes-removed">{before}<' in html
    assert AvailabilityException.objects.get().staff_id is None


# Slot health


def test_slot_health_is_for_managers_only(shop, owner, customer, outsider):
    org, provider, _ = shop
    page = logged_in(owner).get(f"/o/{org.slug}/slots/")
    assert page.status_code == 200
    assert 'id="slots-chart-data"' in page.content.decode()
    assert logged_in(customer).get(f"/o/{org.slug}/slots/").status_code == 403
    assert logged_in(provider.user).get(f"/o/{org.slug}/slots/").status_code == 403
    assert logged_in(outsider).get(f"/o/{org.slug}/slots/").status_code == 404
    assert logged_in(customer).post(f"/o/{org.slug}/slots/run/").status_code == 403


def test_only_an_owner_switches_the_public_page(shop, owner, operator):
    org, _, _ = shop
    url = f"/o/{org.slug}/slots/public/"
    assert (
        'data-testid="public-switch"'
        not in logged_in(operator).get(f"/o/{org.slug}/slots/").content.decode()
    )
    assert logged_in(operator).post(url, {"public_booking": "on"}).status_code == 403
    assert logged_in(owner).post(url, {"public_booking": "maybe"}).status_code == 400
    assert Client().get(f"/o/{org.slug}/book/").status_code == 404
    switched = logged_in(owner).post(url, {"public_booking": "on"})
    assert (
        switched.status_code == 200
        and 'data-testid="public-state">On<' in switched.content.decode()
    )
    assert Client().get(f"/o/{org.slug}/book/").status_code == 200
    logged_in(owner).post(url, {"public_booking": "off"})
    assert Client().get(f"/o/{org.slug}/book/").status_code == 404


def test_run_now_is_a_dry_run_first(shop, owner):
    org, _provider, service = shop
    BookingSlot.objects.filter(service=service).delete()
    client = logged_in(owner)
    dry = client.post(f"/o/{org.slug}/slots/run/", {"dry_run": "1"})
    assert dry.status_code == 200 and 'data-testid="run-for-real"' in dry.content.decode()
    assert BookingSlot.objects.filter(service=service).count() == 0
    real = client.post(f"/o/{org.slug}/slots/run/", {"dry_run": "0"})
    assert real.status_code == 200 and real["HX-Trigger"] == "slots-changed"
    assert BookingSlot.objects.filter(service=service).count() > 0
    bad = client.post(f"/o/{org.slug}/slots/run/", {"dry_run": "0", "days_ahead": "-3"})
    assert bad.status_code == 400


# The booking page


def test_the_public_page_is_off_until_an_owner_switches_it_on(shop):
    org, _, service = shop
    anonymous = Client()
    assert anonymous.get(f"/o/{org.slug}/book/").status_code == 404
    assert (
        anonymous.post(f"/o/{org.slug}/book/", {"slot": first_slot(service).pk}).status_code == 404
    )
    assert anonymous.get("/o/nowhere/book/").status_code == 404
    public(org)
    page = anonymous.get(f"/o/{org.slug}/book/", {"service": service.pk, "day": "2030-06-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert ">09:00<" in html  # local time, not UTC (08:00)
    provider = BookingSlot.objects.filter(service=service).first().provider
    assert f"with {provider.user.first_name}<" in html
    assert provider.user.username not in html and provider.user.last_name not in html
    assert Booking.objects.count() == 0


def test_anonymous_booking_shows_no_one_elses_data(shop):
    org, _, service = shop
    public(org)
    slots = list(BookingSlot.objects.filter(service=service).order_by("starts_at")[:2])
    anonymous = Client()
    data = {"service": service.pk, "day": "2030-06-03", "customer_phone": "+353 1 234 5678"}
    first = anonymous.post(
        f"/o/{org.slug}/book/", data | {"slot": slots[0].pk, "customer_name": "Alice Secret"}
    )
    assert first.status_code == 200 and 'data-testid="book-done"' in first.content.decode()
    booking = Booking.objects.get()
    assert (booking.slot_id, booking.customer_name) == (slots[0].pk, "Alice Secret")
    again = anonymous.post(
        f"/o/{org.slug}/book/", data | {"slot": slots[0].pk, "customer_name": "Bob"}
    )
    html = again.content.decode()
    assert again.status_code == 409 and 'data-testid="book-error-slot"' in html
    assert (
        "Alice" not in html
        and "234 5678" not in Client().get(f"/o/{org.slug}/book/").content.decode()
    )
    assert f'data-slot-id="{slots[0].pk}"' not in html and f'data-slot-id="{slots[1].pk}"' in html
    assert Booking.objects.count() == 1


def test_a_missing_name_and_phone_are_shown_next_to_the_fields(shop):
    org, _, service = shop
    public(org)
    response = Client().post(
        f"/o/{org.slug}/book/", {"slot": first_slot(service).pk, "customer_phone": "abc"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="book-error-customer_name"' in html
    assert 'data-testid="book-error-customer_phone"' in html
    assert Booking.objects.count() == 0


def test_a_customer_books_for_themself(shop, customer):
    org, _, service = shop  # the public page is off: members still book
    slot = first_slot(service)
    response = logged_in(customer).post(f"/o/{org.slug}/book/", {"slot": slot.pk})
    assert response.status_code == 200
    booking = Booking.objects.get()
    assert (booking.customer_id, booking.slot_id) == (customer.pk, slot.pk)


def test_another_organisations_slot_is_not_found(shop, other_org):
    org, _, _service = shop
    public(org)
    theirs = StaffMemberFactory(organization=other_org)
    their_service = ServiceFactory(organization=other_org)
    their_slot = BookingSlot.objects.create(
        organization=other_org,
        service=their_service,
        provider=theirs,
        starts_at=datetime(2030, 6, 4, 9, tzinfo=ZoneInfo("UTC")),
        ends_at=datetime(2030, 6, 4, 10, tzinfo=ZoneInfo("UTC")),
        capacity=1,
    )
    data = {"slot": their_slot.pk, "customer_name": "Eve", "customer_phone": "+1 555 0100"}
    response = Client().post(f"/o/{org.slug}/book/", data)
    assert response.status_code == 400 and "not on offer" in response.content.decode()
    assert Booking.objects.count() == 0


def test_anonymous_booking_is_rate_limited_per_address(shop, settings):
    org, _, service = shop
    public(org)
    settings.PUBLIC_BOOKING_RATE = "2/hour"
    anonymous = Client(REMOTE_ADDR="203.0.113.7")
    data = {"slot": first_slot(service).pk, "customer_name": "", "customer_phone": ""}
    assert [anonymous.post(f"/o/{org.slug}/book/", data).status_code for _ in range(2)] == [
        400,
        400,
    ]
    limited = anonymous.post(
        f"/o/{org.slug}/book/", data | {"customer_name": "Al", "customer_phone": "0871234567"}
    )
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many booking attempts" in limited.content.decode()
    assert Booking.objects.count() == 0
    other_address = Client(REMOTE_ADDR="203.0.113.8")
    ok = other_address.post(
        f"/o/{org.slug}/book/", data | {"customer_name": "Al", "customer_phone": "0871234567"}
    )
    assert ok.status_code == 200 and Booking.objects.count() == 1


def test_the_booking_page_reads_a_fixed_number_of_queries(shop, customer):
    org, _, service = shop
    client = logged_in(customer)
    url = f"/o/{org.slug}/book/"
    params = {"service": service.pk, "day": "2030-06-10"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(3):  # more providers, more times on the day
        person = StaffMemberFactory(organization=org)
        service.providers.add(person)
        services.availability_create(
            organization=org,
            staff=person,
            weekday=0,
            start_time=time(8),
            end_time=time(18),
            acting_user=None,
        )
    assert queries() == few


@pytest.mark.parametrize("rate", ["ten/hour", "5/fortnight", "5"])
def test_a_bad_rate_setting_fails_the_system_check(settings, rate):
    settings.PUBLIC_BOOKING_RATE = rate
    assert [error.id for error in check_rate()] == ["web.E001"]
    settings.PUBLIC_BOOKING_RATE = "3/minute"
    assert check_rate() == []


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("availability/change", {"op": "explode"}, 400),
        ("availability/change", {"op": "remove_window", "id": "abc"}, 404),
        ("availability/change", {"op": "remove_exception", "id": "9" * 30}, 404),
        ("availability/change", {"op": "add_window", "staff": "9" * 30}, 404),
        ("availability/change", {"op": "add_exception", "date": "2030-02-30", "is_off": "on"}, 400),
        ("slots/run", {"days_ahead": "9" * 30}, 400),
        ("slots/public", {}, 400),
        ("book/", {"slot": "9" * 30, "customer_name": "A", "customer_phone": "0871234567"}, 400),
        ("book/", {"slot": "1", "customer_name": "A" * 300, "customer_phone": "0871234567"}, 400),
    ],
)
def test_bad_input_is_a_clear_refusal_that_changes_nothing(shop, owner, path, data, status):
    org, _, _ = shop
    counts = (ProviderAvailability.objects.count(), AvailabilityException.objects.count())
    response = logged_in(owner).post(f"/o/{org.slug}/{path}", data)
    assert response.status_code == status
    assert (ProviderAvailability.objects.count(), AvailabilityException.objects.count()) == counts
    assert Booking.objects.count() == 0


def test_unreadable_choices_on_the_booking_page_fall_back(shop, customer):
    org, _, _ = shop
    client = logged_in(customer)
    for params in ({"service": "x", "day": "soon"}, {"day": "1900-01-01"}, {"day": "2030-02-30"}):
        assert client.get(f"/o/{org.slug}/book/", params).status_code == 200
        assert client.get(f"/o/{org.slug}/book/times/", params).status_code == 200
    assert client.get(f"/o/{org.slug}/availability/", {"staff": "x"}).status_code == 403
