"""The webhook and alert rows of the permission table, as callables, and their routes.

`tests/accounts/test_permissions.py` merges `WEBHOOK_ACTIONS` into its walk and
`WEBHOOK_ROUTES` into its route cases; `tests/test_isolation.py` uses the finders.
"""

from switchboard.alerts import services as alerts
from switchboard.alerts.models import Alert
from switchboard.webhooks import services, signing
from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.support.permissions import api_read

EVENT = "staff-profile-updated"


def an_endpoint(org) -> WebhookEndpoint:
    found = WebhookEndpoint.objects.filter(organization=org).first()
    if found is not None:
        return found
    return services.webhook_endpoint_create(
        organization=org, acting_user=None, url="http://127.0.0.1:9/hook", events=[EVENT]
    )[0]


def a_delivery(org) -> WebhookDelivery:
    found = WebhookDelivery.objects.filter(organization=org).first()
    if found is not None:
        return found
    return WebhookDelivery.objects.create(
        organization=org,
        endpoint=an_endpoint(org),
        msg_id=signing.message_id(),
        event=EVENT,
        body="{}",
        status="failed",
    )


def an_alert(org) -> Alert:
    return alerts.alert_raise(key=f"test:{org.slug}", organization=org, title="Something broke")


def _create(org, user):
    _, secret = services.webhook_endpoint_create(
        organization=org, acting_user=user, url="https://example.com/hook", events=[EVENT]
    )
    assert secret.startswith("whsec_")


WEBHOOK_ACTIONS = {
    "webhooks.view": api_read("webhook-list", "webhooks.view"),
    "webhooks.manage": _create,
    "alerts.view": api_read("alert-list", "alerts.view"),
    "alerts.acknowledge": lambda org, user: alerts.alert_acknowledge(
        organization=org, alert_id=an_alert(org).pk, acting_user=user
    ),
}
_NEW = {"url": "https://example.com/x", "events": [EVENT]}
# (route name, method, action, target, payload), as `test_permissions.ROUTE_CASES`.
WEBHOOK_ROUTES = [
    ("webhook-list", "get", "webhooks.view", None, None),
    ("webhook-list", "post", "webhooks.manage", None, _NEW),
    ("webhook-events", "get", "webhooks.view", None, None),
    ("webhook-delivery-list", "get", "webhooks.view", None, None),
    ("webhook-delivery-resend", "post", "webhooks.manage", a_delivery, None),
    ("webhook-detail", "get", "webhooks.view", an_endpoint, None),
    ("webhook-detail", "patch", "webhooks.manage", an_endpoint, {"is_active": False}),
    ("webhook-detail", "delete", "webhooks.manage", an_endpoint, None),
    ("webhook-rotate-secret", "post", "webhooks.manage", an_endpoint, None),
    ("alert-list", "get", "alerts.view", None, None),
    ("alert-acknowledge", "post", "alerts.acknowledge", an_alert, None),
]
