"""The kiosk in a real browser at phone width: the device opens its one-time link, a person
picks their name, a wrong PIN shows next to the field, the right one clocks them in."""

import pytest

from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.kiosk import services
from switchboard.staff.services import staff_set_pin
from tests.accounts.factories import OrganizationFactory
from tests.staff.factories import StaffMemberFactory

pytestmark = pytest.mark.e2e


def test_a_kiosk_punch_with_a_pin(browser, live_server, transactional_db):
    org = OrganizationFactory(slug="grand-hotel", name="Grand Hotel", timezone="Asia/Kolkata")
    person = StaffMemberFactory(organization=org, display_name="Asha Nair")
    staff_set_pin(staff=person, pin="2468", acting_user=None)
    device, token = services.kiosk_register(organization=org, acting_user=None, name="Lobby")

    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{live_server.url}/o/{org.slug}/kiosk/pair/{token}/")
        page.wait_for_url(f"{live_server.url}/o/{org.slug}/kiosk/")
        page.click(f"[data-testid=kiosk-person-{person.pk}]")
        page.locator("[data-testid=kiosk-panel]").wait_for()
        assert page.inner_text("[data-testid=kiosk-current]") == "Off Duty"

        page.fill("#kiosk-pin", "1111")
        page.click("[data-testid=punch-clock_in]")
        error = page.locator("[data-testid=pin-error]")
        error.filter(has_text="Wrong PIN").wait_for()
        assert "4 tries left" in error.inner_text()
        assert not ClockLog.objects.filter(staff=person).exists()

        page.fill("#kiosk-pin", "2468")
        page.click("[data-testid=punch-clock_in]")
        page.locator("[data-testid=kiosk-done]").wait_for()
        assert "Asha Nair: Clocked in" in page.inner_text("[data-testid=kiosk-done]")
        assert page.inner_text("[data-testid=kiosk-status]") == "On Duty"
        # Nothing is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        log = ClockLog.objects.get(staff=person)
        assert (log.source, log.device_id) == ("kiosk_pin", device.pk)
    finally:
        context.close()
