"""The webhook API: owners register endpoints (secret shown once), change them, see
deliveries and send one again; bad input is a 400 that changes nothing."""

import pytest

from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.webhooks.permission_actions import EVENT, a_delivery

pytestmark = pytest.mark.django_db


def test_an_owner_registers_an_endpoint_and_sees_its_secret_once(api, org, owner):
    client = api.as_user(owner)
    base = f"/api/orgs/{org.slug}/webhooks/"
    created = client.post(base, {"url": "https://example.com/in", "events": [EVENT]}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["secret"].startswith("whsec_")
    listed = client.get(base).data
    assert [e["url"] for e in listed] == ["https://example.com/in"]
    assert "secret" not in listed[0]
    detail = client.get(f"{base}{created.data['id']}/").data
    assert "secret" not in detail

    rotated = client.post(f"{base}{created.data['id']}/rotate-secret/").data
    assert rotated["secret"] != created.data["secret"]
    changed = client.patch(f"{base}{created.data['id']}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.data["disabled_reason"]
    assert EVENT in client.get(f"{base}events/").data["events"]


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "ftp://example.com/in", "events": [EVENT]},
        {"url": "not a url", "events": [EVENT]},
        {"url": "https://example.com/in", "events": ["no-such-event"]},
        {"url": "https://example.com/in", "events": []},
        {"url": "https://example.com/in"},
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(api, org, owner, payload):
    response = api.as_user(owner).post(f"/api/orgs/{org.slug}/webhooks/", payload, format="json")
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_are_listed_and_sent_again_with_the_same_id(api, org, owner):
    delivery = a_delivery(org)
    client = api.as_user(owner)
    listed = client.get(f"/api/orgs/{org.slug}/webhooks/deliveries/").data
    assert [(d["webhook_id"], d["status"]) for d in listed] == [(delivery.msg_id, "failed")]
    again = client.post(f"/api/orgs/{org.slug}/webhooks/deliveries/{delivery.pk}/resend/")
    assert again.status_code == 200 and again.data["status"] == "pending"
    assert WebhookDelivery.objects.get().msg_id == delivery.msg_id
    missing = client.post(f"/api/orgs/{org.slug}/webhooks/deliveries/999999/resend/")
    assert missing.status_code == 404


def test_an_operator_is_refused(api, org, operator):
    response = api.as_user(operator).get(f"/api/orgs/{org.slug}/webhooks/")
    assert response.status_code == 403
