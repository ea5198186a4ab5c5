"""Every write of organisation webhooks: endpoints (owners), deliveries (the change's own
transaction, through `realtime.publish`'s hook), "send again", and switching an endpoint
off when it has failed for the whole retry window."""

import json
import logging

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.alerts import services as alerts
from switchboard.common.clock import now
from switchboard.common.errors import InvalidInput
from switchboard.common.hooks import Hooks
from switchboard.common.prepared import Prepared
from switchboard.common.tenancy import in_scope, org_scope, org_scoped
from switchboard.realtime.events import Event, declared_events
from switchboard.webhooks import signing
from switchboard.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Run on commit of a change that queued deliveries: `webhooks/jobs.py` wakes the sender.
queued_hooks = Hooks("webhooks_queued")
# What an endpoint's payload holds: the event as an owner reads it.
AUDIENCE = frozenset({permissions.OWNER})
_url = URLValidator(schemes=["http", "https"])


def _clean_url(url) -> str:
    url = (url or "").strip()
    try:
        _url(url)
    except ValidationError:
        raise InvalidInput({"url": "Give an http:// or https:// URL."}) from None
    if len(url) > 500:
        raise InvalidInput({"url": "At most 500 characters."})
    return url


def _clean_events(events) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise InvalidInput({"events": "Name at least one event."})
    known = declared_events()
    unknown = sorted({str(name) for name in events} - set(known))
    if unknown:
        raise InvalidInput({"events": f"Unknown events: {', '.join(unknown)}."})
    return sorted(set(events))


def _clean_description(description) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        raise InvalidInput({"description": "At most 200 characters."})
    return description


@org_scoped
@transaction.atomic
def webhook_endpoint_create(
    *,
    organization: Organization,
    acting_user: User | None,
    url: str,
    events: list[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (answered once, by the caller's view)."""
    permissions.require(organization, acting_user, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=_clean_url(url),
        events=_clean_events(events),
        description=_clean_description(description),
        secret=signing.secret_new(),
        created_by=acting_user,
    )
    logger.info("webhook_endpoint_created org=%s endpoint=%s", organization.slug, endpoint.pk)
    return endpoint, endpoint.secret


@org_scoped
@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, acting_user: User | None, **changes
) -> WebhookEndpoint:
    """Change url, events, description, or switch it on or off (`is_active`). Switching a
    disabled endpoint on resumes its pending deliveries in order."""
    permissions.require(endpoint.organization, acting_user, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=in_scope(endpoint).pk)
    fields = []
    if "url" in changes:
        endpoint.url, fields = _clean_url(changes["url"]), [*fields, "url"]
    if "events" in changes:
        endpoint.events, fields = _clean_events(changes["events"]), [*fields, "events"]
    if "description" in changes:
        endpoint.description = _clean_description(changes["description"])
        fields.append("description")
    if "is_active" in changes and bool(changes["is_active"]) != endpoint.is_active:
        endpoint.is_active = bool(changes["is_active"])
        endpoint.failing_since = None
        endpoint.disabled_at = None if endpoint.is_active else now()
        endpoint.disabled_reason = "" if endpoint.is_active else "switched off by an owner"
        fields += ["is_active", "failing_since", "disabled_at", "disabled_reason"]
    if fields:
        endpoint.save(update_fields=fields)
    if endpoint.is_active:
        transaction.on_commit(queued_hooks.run_safely)
    return endpoint


@org_scoped
@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, acting_user: User | None
) -> tuple[WebhookEndpoint, str]:
    permissions.require(endpoint.organization, acting_user, "webhooks.manage")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=in_scope(endpoint).pk)
    endpoint.secret = signing.secret_new()
    endpoint.save(update_fields=["secret"])
    return endpoint, endpoint.secret


@org_scoped
@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, acting_user: User | None) -> None:
    permissions.require(endpoint.organization, acting_user, "webhooks.manage")
    in_scope(endpoint).delete()


@org_scoped
@transaction.atomic
def webhook_delivery_resend(
    *, delivery: WebhookDelivery, acting_user: User | None
) -> WebhookDelivery:
    """Send a delivery again, with the same `webhook-id`, in its place in the endpoint's
    order; a delivered one too (a receiver that lost it asks for it)."""
    permissions.require(delivery.organization, acting_user, "webhooks.manage")
    delivery = WebhookDelivery.objects.select_for_update().get(pk=in_scope(delivery).pk)
    delivery.status, delivery.next_attempt_at, delivery.locked_until = (
        DeliveryStatus.PENDING,
        now(),
        None,
    )
    delivery.save(update_fields=["status", "next_attempt_at", "locked_until"])
    transaction.on_commit(queued_hooks.run_safely)
    return delivery


def _endpoint_rows(*, organization):
    return WebhookEndpoint.objects.filter(organization=organization, is_active=True)


# Read for every published event: compiled once (common/prepared.py).
_active_endpoints = Prepared(_endpoint_rows)


def deliveries_enqueue(organization, events: list[Event]) -> int:
    """A delivery per active endpoint that wants each of `events`, inside the caller's
    transaction (`realtime.publish` runs this for every published event, or every event of
    a bulk block at once): one read of the endpoints, one insert."""
    with org_scope(organization):
        active = _active_endpoints(organization=organization)
    rows = []
    for event in events:
        wanted = [endpoint for endpoint in active if event.event_name in endpoint.events]
        body = _body(event) if wanted else ""
        rows += [
            WebhookDelivery(
                organization=organization,
                endpoint=endpoint,
                msg_id=signing.message_id(),
                event=event.event_name,
                body=body,
            )
            for endpoint in wanted
        ]
    if not rows:
        return 0
    WebhookDelivery.objects.bulk_create(rows)  # unscoped write: rows carry their organisation
    transaction.on_commit(queued_hooks.run_safely)
    return len(rows)


def _body(event: Event) -> str:
    message = {
        "type": event.event_name,
        "timestamp": now().isoformat(),
        "data": event.payload_for(AUDIENCE),
    }
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"))


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """The sender's: the endpoint failed for the whole window. Its owners are told."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=now(), disabled_reason=reason[:200]
        )
        if changed:
            alerts.alert_raise(
                key=f"webhook-endpoint:{endpoint.pk}",
                organization=endpoint.organization,
                title=f"Webhook endpoint {endpoint.url} switched off",
                detail=reason,
            )
    if changed:
        logger.warning(
            "webhook_endpoint_disabled endpoint=%s org=%s reason=%s",
            endpoint.pk,
            endpoint.organization_id,
            reason,
        )


def deliveries_prune(*, older_than) -> int:
    """The prune job's: delivered and given-up deliveries created before `older_than`."""
    done = WebhookDelivery.objects.filter(
        created_at__lt=older_than,
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED],
    ).delete()[0]
    logger.info("webhook_deliveries_pruned count=%d", done)
    return done
