"""The Employees page follows changes made elsewhere, live, without a reload."""

import pytest
from django.core.management import call_command
from django.test import Client

from switchboard.accounts.models import User
from switchboard.bookings.models import Booking
from switchboard.bookings.services import booking_unassign
from tests.realtime.support import LiveApp

pytestmark = pytest.mark.e2e

WORKLOAD_OF = """name => [...document.querySelectorAll('[data-testid=employee-row]')]
    .find(r => r.innerText.includes(name))
    .querySelector('[data-testid=workload]').innerText"""


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
    page.wait_for_function(
        "() => document.querySelector('[data-testid=realtime-status]').dataset.state === 'connected'"
    )


def test_an_unassignment_elsewhere_updates_the_workload_live(page, live):
    open_as(page, live, "wash-owner", "/o/sparkle-wash/employees/")
    assert page.evaluate(f"({WORKLOAD_OF})('Prithviraj')") == "1 / 3"
    page.evaluate("window.notReloaded = true")

    booking = Booking.objects.get(assignee__user__username="wash-staff", status="in_progress")
    owner = User.objects.get(username="wash-owner")
    booking_unassign(booking=booking, acting_user=owner, note="moved to another bay")

    page.wait_for_function(f"() => ({WORKLOAD_OF})('Prithviraj') === '0 / 3'")
    assert page.evaluate("window.notReloaded") is True
