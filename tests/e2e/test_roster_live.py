"""The roster week page in Chromium: a manager copies last week and the shifts appear, on
their page and live on a second browser's; an overlapping shift is refused next to it."""

from datetime import date, time, timedelta

import pytest
from django.test import Client

from switchboard.staff.attendance.models import Shift
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.realtime.support import LiveApp
from tests.staff.factories import StaffMemberFactory

pytestmark = pytest.mark.e2e

MONDAY = date(2030, 6, 3)
SHIFTS = "[data-testid=roster-grid] [data-testid=shift]"


@pytest.fixture
def hotel(transactional_db):
    org = OrganizationFactory(slug="acme", name="Hotel Acme")
    owner = MembershipFactory(organization=org, role="owner").user
    people = [StaffMemberFactory(organization=org) for _ in range(2)]
    for offset, person in enumerate(people):
        Shift.objects.create(
            organization=org,
            staff=person,
            date=MONDAY - timedelta(days=7 - offset),
            start_time=time(9),
            end_time=time(17),
        )
    return org, owner, people


@pytest.fixture
def live(hotel):
    app = LiveApp(scheduler=True).start()  # the scheduler relays the events
    yield app
    app.cleanup()


def open_roster(page, live, user):
    client = Client()
    client.force_login(user)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live.url}
    page.context.add_cookies([cookie])
    page.goto(f"{live.url}/o/acme/roster/?week={MONDAY}")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
    )
    page.evaluate("window.notReloaded = true")


def test_copying_last_week_shows_the_shifts_here_and_live_elsewhere(page, browser, live, hotel):
    _, owner, (_, second) = hotel
    other = browser.new_context().new_page()
    other.set_default_timeout(30_000)
    try:
        open_roster(page, live, owner)
        open_roster(other, live, second.user)
        assert page.locator(SHIFTS).count() == 0
        page.get_by_test_id("copy-last-week").click()
        for viewer in (page, other):
            viewer.wait_for_function(f"() => document.querySelectorAll('{SHIFTS}').length === 2")
            assert viewer.evaluate("window.notReloaded") is True
        cell = f"tr[data-staff-id='{second.pk}'] td[data-day='{MONDAY + timedelta(days=1)}']"
        assert other.locator(f"{cell} [data-testid=shift]").inner_text() == "09:00\u201317:00"
        assert Shift.objects.filter(date__gte=MONDAY).count() == 2
    finally:
        other.context.close()


def test_an_overlapping_shift_is_refused_next_to_it(page, live, hotel):
    org, owner, (first, _) = hotel
    Shift.objects.create(
        organization=org, staff=first, date=MONDAY, start_time=time(9), end_time=time(17)
    )
    open_roster(page, live, owner)
    cell = page.locator(f"tr[data-staff-id='{first.pk}'] td[data-day='{MONDAY}']")
    cell.get_by_test_id("add-shift").click()
    form = cell.get_by_test_id("shift-form")
    form.locator("input[name=start_time]").fill("12:00")
    form.locator("input[name=end_time]").fill("14:00")
    form.get_by_test_id("shift-save").click()
    error = cell.get_by_test_id("shift-error")
    error.wait_for(state="visible")
    assert "already has a shift" in error.inner_text()
    assert Shift.objects.filter(staff=first, date=MONDAY).count() == 1


def test_at_360_px_the_grid_scrolls_inside_its_box(page, live, hotel):
    _, owner, _ = hotel
    page.set_viewport_size({"width": 360, "height": 740})
    open_roster(page, live, owner)
    box = page.get_by_test_id("roster-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
