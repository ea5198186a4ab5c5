"""The owner's webhook and alert pages: add an endpoint (secret shown once), errors next
to the field, deliveries with "send again", the alert banner and acknowledging."""

import pytest
from django.test import Client
from django.urls import reverse

from switchboard.alerts import services as alerts
from switchboard.alerts.models import Alert
from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.webhooks.permission_actions import EVENT, a_delivery

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_adds_an_endpoint_and_sees_the_secret_once(org, owner):
    client = signed_in(owner)
    url = reverse("org-webhooks", args=[org.slug])
    page = client.post(url, {"url": "https://example.com/in", "events": [EVENT]})
    assert page.status_code == 200
    secret = WebhookEndpoint.objects.get().secret
    assert secret in page.content.decode()
    again = client.get(url).content.decode()
    assert "https://example.com/in" in again and secret not in again


def test_a_bad_url_is_shown_next_to_the_field_and_nothing_is_added(org, owner):
    page = signed_in(owner).post(
        reverse("org-webhooks", args=[org.slug]), {"url": "ftp://x", "events": [EVENT]}
    )
    assert page.status_code == 400
    assert 'data-testid="url-error" role="alert">Give an http' in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_are_listed_and_sent_again(org, owner):
    delivery = a_delivery(org)
    client = signed_in(owner)
    table = client.get(reverse("org-webhook-deliveries", args=[org.slug])).content.decode()
    assert delivery.msg_id in table and "failed" in table
    done = client.post(reverse("org-webhook-resend", args=[org.slug]), {"delivery": delivery.pk})
    assert done.status_code == 302
    assert WebhookDelivery.objects.get().status == "pending"
    missing = client.post(reverse("org-webhook-resend", args=[org.slug]), {"delivery": "x"})
    assert missing.status_code == 404


def test_an_operator_is_refused(org, operator):
    client = signed_in(operator)
    assert client.get(reverse("org-webhooks", args=[org.slug])).status_code == 403
    assert client.get(reverse("org-alerts", args=[org.slug])).status_code == 403


def test_owners_see_the_banner_and_acknowledge(org, owner, other_org):
    alert = alerts.alert_raise(key="job:relay_outbox", title="Job relay_outbox failed")
    alerts.alert_raise(key="webhook-endpoint:9", organization=other_org, title="Not yours")
    client = signed_in(owner)
    home = client.get(reverse("org-alerts", args=[org.slug])).content.decode()
    assert "1 open alert<" in home and "Job relay_outbox failed" in home
    assert "Not yours" not in home
    client.post(reverse("org-alert-acknowledge", args=[org.slug]), {"alert": alert.pk})
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is not None
    assert (
        'data-testid="alert-banner"'
        not in client.get(reverse("org-alerts", args=[org.slug])).content.decode()
    )
    theirs = Alert.objects.get(organization=other_org)
    refused = client.post(reverse("org-alert-acknowledge", args=[org.slug]), {"alert": theirs.pk})
    assert refused.status_code == 404


def test_the_admin_sends_again_and_acknowledges(org):
    from tests.web.test_admin import admin_client

    delivery = a_delivery(org)
    alert = alerts.alert_raise(key="job:x", title="Job x failed", detail="Traceback …")
    client = admin_client()
    page = client.get(reverse("admin:alerts_alert_change", args=[alert.pk]))
    assert "Traceback" in page.content.decode()
    client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )
    assert WebhookDelivery.objects.get().status == "pending"
    client.post(
        reverse("admin:alerts_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    assert Alert.objects.get().acknowledged_at is not None
