"""The resource board in Chromium against the served application with its scheduler: a
session counts down and the machine flips to available live when it ends, without a
reload; the operator's Start button starts one."""

from datetime import timedelta

import pytest

from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.common.clock import now
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import session_service
from tests.catalog.factories import ResourceFactory
from tests.e2e.test_realtime_browser import open_home
from tests.realtime.support import LiveApp, wait_until

pytestmark = pytest.mark.e2e

ROW = "tr[data-testid=resource-row][data-resource-id='{}']"


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
    page.goto(f"{live.url}/o/acme/resources/")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
    )
    page.evaluate("window.notReloaded = true")
    assert cell(page, pc1, "resource-status").inner_text() == "Available"
    assert cell(page, pc1, "resource-end").inner_text() == "-"

    # A one-minute session that began 55 s ago: it ends 5 s from now.
    session = services.session_start(
        organization=org,
        resource=pc1,
        minutes=1,
        starts_at=now() - timedelta(seconds=55),
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
    assert first.startswith("0:0"), first
    page.wait_for_function(
        f"(first) => {remaining}.textContent !== first", arg=first, timeout=3_000
    )
    second = cell(page, pc1, "resource-remaining").inner_text()
    assert second.startswith("0:0") and second < first, (first, second)
    assert cell(page, pc1, "resource-end").inner_text() != "-"

    # The end passes: free on the page, and `-` once the expiry job has made it official.
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc1.pk)} [data-testid=resource-status]")'
        ".dataset.status === 'available'",
        timeout=10_000,
    )
    freed_at = now()
    assert freed_at - session.ends_at < timedelta(seconds=1.5)
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc1.pk)} [data-testid=resource-end]")'
        ".textContent === '-'",
        timeout=5_000,
    )
    assert status.inner_text() == "Available"
    assert page.evaluate("window.notReloaded") is True
    wait_until(lambda: Booking.objects.get(pk=session.pk).status == "completed", timeout=5)
    completed_seen_at = now()
    assert completed_seen_at - session.ends_at < timedelta(seconds=2)

    # The operator starts a session on PC02 with the button; the board shows it running.
    cell(page, pc2, "resource-actions").locator("form[data-action=start] input").fill("30")
    cell(page, pc2, "resource-actions").locator("form[data-action=start] button").click()
    page.wait_for_function(
        f'() => document.querySelector("{ROW.format(pc2.pk)} [data-testid=resource-status]")'
        ".dataset.status === 'active'"
    )
    left = cell(page, pc2, "resource-remaining").inner_text()
    minutes, seconds = (int(part) for part in left.split(":"))
    # Thirty minutes, give or take the page's estimate of the server's clock.
    assert 29 * 60 + 50 <= minutes * 60 + seconds <= 30 * 60 + 2, left
    assert Booking.objects.filter(resource=pc2, status="active").count() == 1
    assert page.evaluate("window.notReloaded") is True
