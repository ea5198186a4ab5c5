"""The resource board in Chromium against the served application with its scheduler: a
session counts down and the machine flips to available live when it ends, without a
reload; the operator's Start button starts one."""

from datetime import timedelta

import pytest

from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.common.clock import now
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import parking, session_service
from tests.catalog.factories import ResourceFactory
from tests.e2e.test_realtime_browser import open_home
from tests.realtime.support import LiveApp, wait_until

pytestmark = pytest.mark.e2e

ROW = "tr[data-testid=resource-row][data-resource-id='{}']"
# How long before its end the test's first session starts to be watched.
LEAD = timedelta(seconds=20)
# The page frees the machine at the end, then the expiry job makes it official: generous.
WAIT_FOR_END_MS = 90_000


@pytest.fixture
def cafe(transactional_db):
    org = OrganizationFactory(slug="acme", name="Pixel Cafe")
    operator = MembershipFactory(organization=org, role="operator").user
    session_service(org)
    pcs = [ResourceFactory(organization=org, name=f"PC0{i}", kind="pc") for i in (1, 2)]
    return org, operator, pcs


@pytest.fixture
def live(cafe):
    app = LiveApp(scheduler=True).start()
    yield app
    app.cleanup()


def cell(page, resource, testid):
    return page.locator(f"{ROW.format(resource.pk)} [data-testid={testid}]")


def test_the_board_counts_down_and_frees_the_machine_live(page, live, cafe):
    org, operator, (pc1, pc2) = cafe
    open_home(page, live, operator)
    # The page keeps the server's clock as of the render: it may lag by its load time.
    loading = now()
    page.goto(f"{live.url}/o/acme/resources/")
    load_time = now() - loading
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
    )
    page.evaluate("window.notReloaded = true")
    assert cell(page, pc1, "resource-status").inner_text() == "Available"
    assert cell(page, pc1, "resource-end").inner_text() == "-"

    # A one-minute session that began 40 s ago: it ends 20 s from now, long enough for the
    # page to show it running however busy the machine is.
    session = services.session_start(
        organization=org,
        resource=pc1,
        minutes=1,
        starts_at=now() - timedelta(minutes=1) + LEAD,
        allow_past=True,
        acting_user=operator,
    )
    status = cell(page, pc1, "resource-status")
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc1.pk)} [data-testid=resource-status]")'
        ".dataset.status === 'active'"
    )
    actions = cell(page, pc1, "resource-actions")
    assert actions.locator("form[data-action=extend]").is_visible()
    assert not actions.locator("form[data-action=start]").is_visible()
    remaining = f'document.querySelector("{ROW.format(pc1.pk)} [data-testid=resource-remaining]")'
    first = cell(page, pc1, "resource-remaining").inner_text()
    assert timedelta(0) < left_of(first) <= LEAD + load_time + timedelta(seconds=1), first
    page.wait_for_function(f"(first) => {remaining}.textContent !== first", arg=first)
    second = cell(page, pc1, "resource-remaining").inner_text()
    assert second == "-" or left_of(second) < left_of(first), (first, second)
    assert cell(page, pc1, "resource-end").inner_text() != "-"

    # The end passes: free on the page, and `-` once the expiry job has made it official.
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc1.pk)} [data-testid=resource-status]")'
        ".dataset.status === 'available'",
        timeout=WAIT_FOR_END_MS,
    )
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc1.pk)} [data-testid=resource-end]")'
        ".textContent === '-'",
        timeout=WAIT_FOR_END_MS,
    )
    assert status.inner_text() == "Available"
    assert page.evaluate("window.notReloaded") is True
    wait_until(lambda: Booking.objects.get(pk=session.pk).status == "completed")

    # The operator starts a session on PC02 with the button; the board shows it running.
    clicked = now()
    cell(page, pc2, "resource-actions").locator("form[data-action=start] input").fill("30")
    cell(page, pc2, "resource-actions").locator("form[data-action=start] button").click()
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc2.pk)} [data-testid=resource-status]")'
        ".dataset.status === 'active'"
    )
    left = cell(page, pc2, "resource-remaining").inner_text()
    read = now()
    started = Booking.objects.get(resource=pc2, status="active")
    assert started.ends_at - started.starts_at == timedelta(minutes=30)
    # The time left when it was read, by the page's clock, rounded up to the second.
    latest = started.ends_at - clicked + load_time + timedelta(seconds=1)
    assert started.ends_at - read - timedelta(seconds=1) <= left_of(left) <= latest, left
    assert page.evaluate("window.notReloaded") is True


def left_of(text: str) -> timedelta:
    """The board's `m:ss` (or `h:mm:ss`) countdown as a duration."""
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return timedelta(seconds=seconds)


def test_a_reservation_shows_who_holds_the_space_and_a_phone_needs_no_sideways_scroll(
    page, live, cafe
):
    """Issue 13: a reservation holds its resource on the board, and the board fits a
    360 px screen; a new reservation appears live."""
    org, operator, (pc1, _) = cafe
    space = ResourceFactory(organization=org, name="P2", kind="parking_space")
    services.session_start(
        organization=org, resource=pc1, minutes=45, customer_name="Arjun", acting_user=operator
    )
    page.set_viewport_size({"width": 360, "height": 740})
    open_home(page, live, operator)
    page.goto(f"{live.url}/o/acme/resources/")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
    )
    assert cell(page, space, "resource-status").inner_text() == "Available"
    services.booking_create(
        organization=org,
        service=parking(org),
        starts_at=now(),
        resource=space,
        customer_name="Vikram Shah",
        acting_user=operator,
    )
    holder = f'document.querySelector("{ROW.format(space.pk)} [data-testid=resource-holder]")'
    page.wait_for_function(f"() => {holder}.textContent.includes('Vikram Shah')")
    assert cell(page, space, "resource-status").inner_text() == "Active"
    # A reservation is not a session: no Extend or End for it.
    assert not cell(page, space, "resource-actions").locator("form[data-action=end]").is_visible()
    assert cell(page, pc1, "resource-actions").locator("form[data-action=end]").is_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 360, widths
