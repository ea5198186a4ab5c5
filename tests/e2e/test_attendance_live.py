"""My day and the attendance board in Chromium against the served application: a staff
member clocks in, takes a break and clocks out in one browser while the owner's board in
another follows live, without a reload; both pages fit a 360 px wide screen."""

import pytest
from django.core.management import call_command
from django.test import Client

from switchboard.accounts.models import User
from switchboard.staff.models import StaffMember
from tests.realtime.support import LiveApp

pytestmark = pytest.mark.e2e

CONNECTED = (
    "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
)


@pytest.fixture
def live(transactional_db):
    call_command("seed_demo", quiet_logins=True)
    app = LiveApp(scheduler=True).start()
    yield app
    app.cleanup()


def open_as(page, live, username, path):
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live.url}
    page.context.add_cookies([cookie])
    page.goto(f"{live.url}{path}")
    page.wait_for_function(CONNECTED)
    page.evaluate("window.notReloaded = true")


def wait_for_state(board, staff_id, states):
    board.wait_for_function(
        "([id, states]) => { const row = document.querySelector("
        "`[data-testid=attendance-row][data-staff-id='${id}']`);"
        " return row && states.includes(row.dataset.state); }",
        arg=[staff_id, states],
    )


def press(page, label):
    page.get_by_test_id("clock-button").filter(has_text=label).click()


def test_a_day_on_my_day_changes_the_owners_board_live(page, browser, live):
    john = StaffMember.objects.get(user__username="hotel-staff").pk
    board = browser.new_context().new_page()
    board.set_default_timeout(30_000)
    open_as(board, live, "hotel-owner", "/o/hotel-killarney/attendance/")
    open_as(page, live, "hotel-staff", "/o/hotel-killarney/my-day/")

    press(page, "Clock In")
    page.get_by_test_id("clock-button").filter(has_text="Start Break").wait_for()
    wait_for_state(board, john, ["on_duty"])

    press(page, "Start Break")
    page.get_by_test_id("clock-button").filter(has_text="End Break").wait_for()
    wait_for_state(board, john, ["on_break"])
    assert "min" in board.get_by_test_id("break-for").inner_text()

    press(page, "End Break")
    page.get_by_test_id("clock-out-button").wait_for()
    wait_for_state(board, john, ["on_duty"])

    page.get_by_test_id("clock-out-button").click()
    page.get_by_test_id("clock-button").filter(has_text="Clock In").wait_for()
    wait_for_state(board, john, ["off_duty", "absent", "late", "scheduled"])
    assert board.evaluate("window.notReloaded") is True
    assert page.evaluate("window.notReloaded") is True
    board.context.close()


def test_another_devices_punch_updates_my_day(page, browser, live):
    open_as(page, live, "hotel-staff", "/o/hotel-killarney/my-day/")
    phone = browser.new_context().new_page()
    phone.set_default_timeout(30_000)
    open_as(phone, live, "hotel-staff", "/o/hotel-killarney/my-day/")
    press(phone, "Clock In")
    page.get_by_test_id("clock-button").filter(has_text="Start Break").wait_for()
    assert page.evaluate("window.notReloaded") is True
    phone.context.close()


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("hotel-staff", "/o/hotel-killarney/my-day/"),
        ("hotel-owner", "/o/hotel-killarney/attendance/"),
    ],
)
def test_the_pages_fit_a_360_pixel_screen(page, live, username, path, tmp_path):
    page.set_viewport_size({"width": 360, "height": 740})
    open_as(page, live, username, path)
    page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
