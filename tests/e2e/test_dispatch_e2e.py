"""A pickup, live, in three browsers against the served application (seed 002): the
therapist asks for an urgent pickup from My day, the operator's board shows it without a
reload and auto-assigns it, the offer reaches the driver's view (which shares the browser's
position), the driver accepts, and the therapist sees their driver and the ETA. The board
and the driver view fit a 360 px wide screen."""

import pytest
from django.core.management import call_command
from django.test import Client

from switchboard.accounts.models import Organization, User
from switchboard.bookings.models import Booking
from switchboard.bookings.services import booking_update
from switchboard.common.tenancy import org_scope
from tests.realtime.support import LiveApp

pytestmark = pytest.mark.e2e

CONNECTED = (
    "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
)
# Manila: Ramon's phone under a kilometre from the therapist, nearer than Paolo (demo).
DRIVER_AT = {"latitude": 14.5547, "longitude": 121.0244}
THERAPIST_AT = {"latitude": 14.5600, "longitude": 121.0300}
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def live(transactional_db):
    # The demo clocks the drivers in at known places and leaves one normal pickup waiting;
    # Liza confirms her booking, so she can ask for a pickup of her own.
    call_command("seed_demo", quiet_logins=True)
    org = Organization.objects.get(slug="royal-care")
    liza = User.objects.get(username="care-staff2")
    with org_scope(org):
        booking = Booking.objects.get(assignee__user=liza)
        booking_update(
            booking=booking, status="confirmed", therapist_accepted=True, acting_user=liza
        )
    app = LiveApp(scheduler=True).start()
    yield app
    app.cleanup()


def browser_page(browser, live, username, path, *, position=None, width=1100):
    options = {"viewport": {"width": width, "height": 800}}
    if position:
        options |= {"geolocation": position, "permissions": ["geolocation"]}
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(30_000)
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live.url}
    page.context.add_cookies([cookie])
    page.goto(f"{live.url}{path}")
    page.wait_for_function(CONNECTED)
    page.evaluate("window.notReloaded = true")
    return page


def test_an_urgent_pickup_from_request_to_accepted_offer(browser, live):
    board = browser_page(browser, live, "care-operator", "/o/royal-care/dispatch/")
    driver = browser_page(
        browser, live, "care-driver", "/o/royal-care/dispatch/driver/", position=DRIVER_AT
    )
    therapist = browser_page(
        browser, live, "care-staff2", "/o/royal-care/my-day/", position=THERAPIST_AT
    )

    # The driver's phone tells dispatch where it is: the board's map gains its marker.
    # (Chromium gives positions to the page in front only, as a phone does.)
    driver.bring_to_front()
    driver.locator("[data-testid=sharing-status][data-sent=yes]").wait_for()
    board.wait_for_function(
        "() => Number(document.getElementById('dispatch-map').dataset.markers) >= 1"
    )

    therapist.bring_to_front()
    therapist.locator("form[data-with-position][data-position-ready=yes]").wait_for()
    therapist.get_by_test_id("urgent-pickup").click()
    therapist.get_by_test_id("waiting-driver").wait_for()

    row = board.locator("[data-testid=pickup-row][data-urgency=urgent]")
    row.wait_for()
    assert "Liza Garcia" in row.inner_text()
    board.get_by_test_id("driver-row").filter(has_text="Ramon").get_by_test_id(
        "driver-eta"
    ).wait_for()

    row.get_by_test_id("auto-assign").click()
    board.get_by_test_id("offer-row").filter(has_text="Ramon").wait_for()

    offer = driver.get_by_test_id("offer-card")
    offer.wait_for()
    assert "Liza Garcia" in offer.inner_text()
    driver.get_by_test_id("offer-accept").click()
    step = driver.get_by_test_id("next-step")
    step.wait_for()
    assert step.inner_text() == "Start driving to the pickup"
    assert driver.get_by_test_id("open-maps").get_attribute("href").startswith("geo:")

    card = therapist.get_by_test_id("pickup-driver")
    card.wait_for()
    assert "Ramon Dela Cruz" in card.inner_text()
    assert "min" in therapist.get_by_test_id("pickup-eta").inner_text()
    board.get_by_test_id("busy-row").filter(has_text="Ramon").wait_for()
    row.wait_for(state="detached")

    for page in (board, driver, therapist):
        assert page.evaluate("window.notReloaded") is True

    # A phone's width: nothing scrolls sideways.
    for page in (board, driver):
        page.set_viewport_size({"width": 360, "height": 740})
        page.reload()
        page.wait_for_function(CONNECTED)
        assert page.evaluate(FITS), page.url
    for page in (board, driver, therapist):
        page.context.close()
