"""The public booking page in Chromium: a visitor books a time (a missing name is shown next
to its field first), and another visitor looking at the same day sees that time disappear,
live, without a reload, and nothing of who booked it. The booking page, the
availability grid and slot health fit a 360 px wide screen."""

from datetime import time, timedelta

import pytest
from django.test import Client

from switchboard.bookings.models import Booking
from switchboard.common.clock import now
from switchboard.slots import availability as services
from switchboard.slots.models import BookingSlot, SlotAutomationSettings
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.catalog.factories import ServiceFactory
from tests.realtime.support import LiveApp
from tests.staff.factories import StaffMemberFactory

pytestmark = pytest.mark.e2e

TIMES = "[data-testid=book-time]"


@pytest.fixture
def shop(transactional_db):
    org = OrganizationFactory(slug="acme", name="Salon Acme", timezone="UTC")
    owner = MembershipFactory(organization=org, role="owner").user
    provider = StaffMemberFactory(organization=org)
    service = ServiceFactory(organization=org, name="Haircut", duration_minutes=60)
    service.providers.add(provider)
    for weekday in range(7):
        services.availability_create(
            organization=org,
            staff=provider,
            weekday=weekday,
            start_time=time(9),
            end_time=time(12),
            acting_user=owner,
        )
    SlotAutomationSettings.objects.update_or_create(
        organization=org, defaults={"public_booking": True}
    )
    return org, owner, provider, service


@pytest.fixture
def live(shop):
    app = LiveApp(scheduler=True).start()  # the scheduler relays the events
    yield app
    app.cleanup()


def log_in(page, live, user):
    client = Client()
    client.force_login(user)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live.url}
    page.context.add_cookies([cookie])


def open_day(page, live, service, day):
    page.goto(f"{live.url}/o/acme/book/?service={service.pk}&day={day}")
    page.wait_for_function("() => document.body.dataset.slotsLive === 'subscribed'")
    page.evaluate("window.notReloaded = true")


def test_a_booked_time_disappears_live_and_the_pages_fit_a_phone(page, browser, live, shop):
    _org, owner, provider, service = shop
    day = (now() + timedelta(days=1)).date()
    watcher = browser.new_context().new_page()  # anonymous: the public page
    watcher.set_default_timeout(30_000)
    try:
        open_day(watcher, live, service, day)
        assert watcher.locator(TIMES).count() == 3
        open_day(page, live, service, day)  # another anonymous visitor books
        first = BookingSlot.objects.filter(service=service, starts_at__date=day).earliest(
            "starts_at"
        )
        page.locator(f"[data-slot-id='{first.pk}'] input").check()
        page.get_by_test_id("book-submit").click()
        page.get_by_test_id("book-error-customer_name").wait_for()  # next to its field
        page.locator("input[name=customer_name]").fill("Nora Walkin")
        page.locator("input[name=customer_phone]").fill("+353 87 123 4567")
        page.get_by_test_id("book-submit").click()
        page.get_by_test_id("book-done").wait_for()
        assert "09:00" in page.get_by_test_id("book-done").inner_text()

        watcher.wait_for_function(f"() => document.querySelectorAll('{TIMES}').length === 2")
        assert watcher.locator(f"[data-slot-id='{first.pk}']").count() == 0
        assert watcher.evaluate("window.notReloaded") is True
        booking = Booking.objects.get()
        assert (booking.slot_id, booking.customer_name) == (first.pk, "Nora Walkin")
        assert "Nora" not in watcher.content()

        watcher.set_viewport_size({"width": 360, "height": 740})
        assert watcher.evaluate("document.documentElement.scrollWidth") <= 360
        log_in(watcher, live, owner)
        watcher.goto(f"{live.url}/o/acme/availability/?staff={provider.pk}")
        assert watcher.get_by_test_id("availability-window").count() == 7
        assert watcher.evaluate("document.documentElement.scrollWidth") <= 360
        watcher.goto(f"{live.url}/o/acme/slots/")
        watcher.get_by_test_id("slots-chart").wait_for()
        assert watcher.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        watcher.context.close()
