import pytest
from django.core.management import call_command

from switchboard.web.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", quiet_logins=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_owner_logs_in_sees_home_and_logs_out(page, live_server, demo):
    log_in(page, live_server, "hotel-owner")
    page.wait_for_url(f"{live_server.url}/o/hotel-killarney/")
    assert page.inner_text("[data-testid=org-name]") == "Hotel Killarney"
    assert "owner" in page.inner_text("[data-testid=whoami]")
    assert page.is_visible("[data-testid=people-summary]")
    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/o/hotel-killarney/")
    assert page.url.startswith(f"{live_server.url}/login/")


def test_operator_filters_staff_by_department_with_htmx(page, live_server, demo):
    log_in(page, live_server, "hotel-operator")
    page.wait_for_url(f"{live_server.url}/o/hotel-killarney/")
    table = page.locator("[data-testid=staff-table]")
    assert "Aoife Kelly" in table.inner_text() and "John Doe" in table.inner_text()
    page.select_option("#department-filter", "housekeeping")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=staff-table]').innerText.includes('John Doe')"
    )
    assert "Aoife Kelly" in page.locator("[data-testid=staff-table]").inner_text()


def test_wrong_password_shows_an_error(page, live_server, demo):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "hotel-owner")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.is_visible("text=didn't match")


def test_admin_switches_between_organisations(page, live_server, demo):
    log_in(page, live_server, "admin")
    page.wait_for_url(f"{live_server.url}/o/*/")
    page.select_option("#org-switcher", label="Pixel Gaming Café")
    page.wait_for_url(f"{live_server.url}/o/pixel-cafe/")
    assert page.inner_text("[data-testid=org-name]") == "Pixel Gaming Café"
