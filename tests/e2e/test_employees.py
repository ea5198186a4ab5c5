"""The owner's Employees page in a real browser: workload per person, and a modal that lists
only active assignments (seed 000's bug was a modal that also showed finished work)."""

import pytest
from django.core.management import call_command

from switchboard.bookings.models import Booking
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


def row(page, name):
    return page.locator("[data-testid=employee-row]", has_text=name)


def test_the_modal_lists_only_active_assignments_and_the_table_follows(page, live_server, demo):
    washes = Booking.objects.filter(assignee__user__username="wash-staff")
    active = washes.get(status="in_progress")
    finished = washes.get(status="completed")

    log_in(page, live_server, "wash-owner")
    page.wait_for_url(f"{live_server.url}/o/sparkle-wash/")
    page.click("[data-testid=employees-link]")
    page.wait_for_url(f"{live_server.url}/o/sparkle-wash/employees/")
    prithviraj = row(page, "Prithviraj Kuttappan")
    assert prithviraj.locator("[data-testid=workload]").inner_text() == "1 / 3"
    assert prithviraj.locator("[data-testid=availability]").inner_text() == "available"

    prithviraj.locator("[data-testid=employee-name]").click()
    modal = page.locator("[data-testid=assignments-modal]")
    modal.wait_for()
    rows = modal.locator("[data-testid=assignment-row]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-booking-id") == str(active.pk)
    assert "Ravi Kumar" in modal.inner_text() and "In progress" in modal.inner_text()
    assert "Anjali Menon" not in modal.inner_text()
    assert modal.locator(f"[data-booking-id='{finished.pk}']").count() == 0

    # Finish the wash from the modal: it leaves the modal and the table reloads.
    modal.locator("[data-testid=move-completed]").click()
    modal.locator("[data-testid=no-assignments]").wait_for()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=employee-row]')]
              .find(r => r.innerText.includes('Prithviraj'))
              .querySelector('[data-testid=workload]').innerText === '0 / 3'"""
    )
    active.refresh_from_db()
    assert active.status == "completed"

    page.click("[data-testid=close-modal]")
    assert page.locator("[data-testid=assignments-modal]").count() == 0
    row(page, "Sigma Balan").locator("[data-testid=employee-name]").click()
    modal.wait_for()
    assert "Car wash add-on" in modal.inner_text() and "addon" in modal.inner_text()
