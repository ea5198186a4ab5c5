"""An owner at phone width adds a webhook endpoint, keeps its secret, watches a delivery
arrive in the table without reloading, sends it again, and acknowledges an alert."""

import time

import pytest
from django.test import Client

from switchboard.alerts import services as alerts
from switchboard.webhooks.models import WebhookDelivery
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.staff.factories import StaffMemberFactory
from tests.support.wait import wait_until
from tests.webhooks.support import Receiver, verify
from tests.webhooks.test_delivery import change, send_until_quiet

pytestmark = pytest.mark.e2e


def test_an_owner_adds_an_endpoint_and_follows_its_deliveries(
    browser, live_server, transactional_db
):
    org = OrganizationFactory(slug="grand-hotel", name="Grand Hotel", timezone="Asia/Kolkata")
    owner = MembershipFactory(organization=org, role="owner").user
    staff = StaffMemberFactory(organization=org)
    alert = alerts.alert_raise(key="job:backup", title="Job backup failed")
    receiver = Receiver()
    client = Client()
    client.force_login(owner)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{live_server.url}/o/{org.slug}/webhooks/")
        assert "1 open alert" in page.inner_text("[data-testid=alert-banner]")
        page.fill("#hook-url", "ftp://nowhere")
        page.check("input[value=staff-profile-updated]")
        page.click("text=Add endpoint")
        page.locator("[data-testid=url-error]").filter(has_text="http").wait_for()

        page.fill("#hook-url", receiver.url)
        page.check("input[value=staff-profile-updated]")
        page.click("text=Add endpoint")
        secret = page.inner_text("[data-testid=endpoint-secret]")
        assert secret.startswith("whsec_")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        change(staff, 4)
        send_until_quiet(1)
        delivery = WebhookDelivery.objects.get()
        row = page.locator(f"[data-testid=delivery-{delivery.pk}]")
        row.locator("[data-testid=delivery-status]").filter(has_text="delivered").wait_for()
        request = receiver.requests[0]
        assert verify(secret, request["headers"], request["body"], now=int(time.time()))

        page.click(f"[data-testid=resend-{delivery.pk}]")
        wait_until(lambda: WebhookDelivery.objects.get().status == "pending")
        send_until_quiet(1)
        assert receiver.ids() == [delivery.msg_id, delivery.msg_id]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # At phone width the navigation folds behind its Menu button.
        page.click("[data-testid=nav-toggle]")
        page.click("[data-testid=nav-alerts]")
        page.click(f"[data-testid=ack-{alert.pk}]")
        page.locator(f"[data-testid=alert-{alert.pk}]").filter(has_text="acknowledged").wait_for()
        assert page.locator("[data-testid=alert-banner]").count() == 0
    finally:
        context.close()
        receiver.close()
