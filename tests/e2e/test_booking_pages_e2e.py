"""The front desk in Chromium against the served application: an operator makes a booking
through the form (a field error first), finds it in the day view and the list, reschedules
and cancels it while the owner's day view follows every change live without a reload; a
customer cancels their own booking; a staff member sees only their own day; the pages fit
a 360 px wide screen."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command

from switchboard.accounts.models import Organization, User
from switchboard.accounts.services import membership_create
from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.catalog.models import Service
from switchboard.common.clock import now
from switchboard.staff.models import StaffMember
from tests.e2e.test_attendance_live import open_as

pytestmark = pytest.mark.e2e

WASH = "/o/sparkle-wash"
NARROW = {"width": 360, "height": 740}
# A busy CI machine (eight suites on two cores) can take long to relay an event; a passing
# run never waits this long.
WAIT_MS = 60_000


@pytest.fixture
def live(transactional_db):
    from tests.realtime.support import LiveApp

    call_command("seed_demo", quiet_logins=True)
    app = LiveApp(scheduler=True).start()
    yield app
    app.cleanup()


def card(page, text):
    return page.get_by_test_id("booking").filter(has_text=text)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_operator_runs_a_booking_while_the_owner_watches(page, browser, live):
    org = Organization.objects.get(slug="sparkle-wash")
    day = (now().astimezone(org.tzinfo) + timedelta(days=1)).date()
    watcher = browser.new_context().new_page()
    watcher.set_default_timeout(WAIT_MS)
    open_as(watcher, live, "wash-owner", f"{WASH}/bookings/?view=day&date={day.isoformat()}")
    page.set_default_timeout(WAIT_MS)
    page.on("dialog", lambda dialog: dialog.accept())

    open_as(page, live, "wash-operator", f"{WASH}/bookings/new")
    wash = Service.objects.get(organization=org, name="Car wash")
    page.select_option("#id_service", str(wash.pk))
    page.fill("#id_date", day.isoformat())
    page.fill("#id_time", "10:00")
    page.select_option("#id_assignee", "none")
    page.get_by_test_id("create-booking").click()
    assert "Give a customer" in page.get_by_test_id("error-customer_name").inner_text()

    page.fill("#id_customer_name", "Nila Varghese")
    page.get_by_test_id("create-booking").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/$"))
    booking = Booking.objects.get(customer_name="Nila Varghese")
    assert booking.starts_at == datetime.combine(day, time(10), tzinfo=org.tzinfo)

    card(watcher, "Nila Varghese").wait_for()  # appeared live in the owner's day view
    page.goto(f"{live.url}{WASH}/bookings/?view=list&q=Nila")
    assert card(page, "Nila Varghese").count() == 1

    page.goto(f"{live.url}{WASH}/bookings/{booking.pk}/")
    page.fill("#id_time", "12:00")
    page.get_by_test_id("reschedule").click()
    page.get_by_test_id("detail-when").filter(has_text="12:00").wait_for()
    card(watcher, "Nila Varghese").filter(has_text="12:00").wait_for()

    page.get_by_test_id("booking-live").get_by_test_id("move-cancelled").click()
    page.get_by_test_id("detail-status").filter(has_text="Cancelled").wait_for()
    watcher.wait_for_selector(f"[data-booking-id='{booking.pk}'][data-status=cancelled]")
    assert watcher.evaluate("window.notReloaded") is True
    assert page.get_by_test_id("audit-row").count() == 3  # created, rescheduled, cancelled
    watcher.context.close()


def test_customers_and_staff_see_their_own_on_a_phone(browser, live):
    org = Organization.objects.get(slug="sparkle-wash")
    owner = User.objects.get(username="wash-owner")
    buyer = User.objects.create_user("wash-customer", first_name="Kavya", last_name="Pillai")
    membership_create(organization=org, user=buyer, role="customer", acting_user=owner)
    services.booking_create(
        organization=org,
        service=Service.objects.get(organization=org, name="Car wash"),
        starts_at=now() + timedelta(days=2),
        customer=buyer,
        acting_user=owner,
    )
    phone = browser.new_context(viewport=NARROW).new_page()
    phone.set_default_timeout(WAIT_MS)
    phone.on("dialog", lambda dialog: dialog.accept())
    open_as(phone, live, "wash-customer", f"{WASH}/bookings/")
    assert phone.get_by_test_id("booking").count() == 1
    assert fits(phone)
    phone.get_by_test_id("move-cancelled").click()
    phone.wait_for_selector("[data-testid=booking][data-status=cancelled]")
    assert Booking.objects.get(customer=buyer).status == "cancelled"

    washer = StaffMember.objects.get(user__username="wash-staff")
    open_as(phone, live, "wash-staff", f"{WASH}/bookings/")
    columns = phone.get_by_test_id("day-column")
    assert columns.count() == 1
    assert columns.first.get_attribute("data-column") == str(washer.pk)
    assert fits(phone)

    for path in ("/bookings/", "/bookings/new", "/bookings/?view=list"):
        open_as(phone, live, "wash-operator", f"{WASH}{path}")
        assert fits(phone), path
    phone.get_by_test_id("nav-toggle").click()
    phone.get_by_test_id("nav-bookings").wait_for()
    assert fits(phone)
    phone.context.close()
