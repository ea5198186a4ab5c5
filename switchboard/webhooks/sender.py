"""Sending deliveries: the head of each endpoint's queue, one attempt at a time.

Order per endpoint: only the oldest pending delivery of an endpoint is ever sent; the next
waits until it is delivered (or given up). An attempt first claims its row for the
request's timeout and a margin (`locked_until`), so that a new leader does not send it
meanwhile; a process killed mid-attempt leaves the row pending, and it is sent again, with
the same `webhook-id`, once the claim has run out (at least once).
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q

from switchboard.common.clock import now
from switchboard.common.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_GIVEN_UP
from switchboard.webhooks import services, signing
from switchboard.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

RESPONSE_KEPT = 500
CLAIM_MARGIN = timedelta(seconds=5)


def _config(key):
    return settings.WEBHOOKS[key]


@dataclass(frozen=True)
class Result:
    ok: bool
    status_code: int | None
    response: str


def due_heads(*, exclude_endpoints=(), limit: int) -> list[WebhookDelivery]:
    """The oldest pending delivery of each active endpoint, when due and unclaimed."""
    if limit <= 0:
        return []
    heads = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, endpoint__is_active=True)
        .exclude(endpoint_id__in=list(exclude_endpoints))
        .values("endpoint_id")
        .annotate(head=Min("id"))
        .values_list("head", flat=True)
    )
    at = now()
    return list(
        WebhookDelivery.objects.filter(pk__in=list(heads), next_attempt_at__lte=at)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=at))
        .select_related("endpoint", "organization")
        .order_by("next_attempt_at", "id")[:limit]
    )


def claim(delivery: WebhookDelivery) -> bool:
    at = now()
    until = at + timedelta(seconds=_config("TIMEOUT_SECONDS")) + CLAIM_MARGIN
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=at))
        .update(locked_until=until)
    )
    return claimed == 1


def attempt(delivery: WebhookDelivery) -> Result:
    """One signed POST. Any 2xx is delivered; a redirect is not followed."""
    endpoint = delivery.endpoint
    headers = signing.headers(endpoint.secret, delivery.msg_id, int(time.time()), delivery.body)
    headers["user-agent"] = "Switchboard-Webhooks/1"
    try:
        response = httpx.post(
            endpoint.url,
            content=delivery.body.encode(),
            headers=headers,
            timeout=_config("TIMEOUT_SECONDS"),
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return Result(False, None, f"{exc.__class__.__name__}: {exc}"[:RESPONSE_KEPT])
    return Result(response.is_success, response.status_code, response.text[:RESPONSE_KEPT])


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: 5 s, 10 s, 20 s … at most an hour, each drawn
    between half and all of that, so endpoints that failed together retry apart."""
    ceiling = min(
        _config("MAX_RETRY_SECONDS"), _config("FIRST_RETRY_SECONDS") * 2 ** (attempts - 1)
    )
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def record(delivery: WebhookDelivery, result: Result) -> str:
    """Write what the attempt found; switch the endpoint off when it has failed for the
    whole window. Returns the delivery's status."""
    at = now()
    window = timedelta(seconds=_config("RETRY_WINDOW_SECONDS"))
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=row.endpoint_id)
        row.attempts += 1
        row.last_attempt_at, row.locked_until = at, None
        row.last_status_code, row.last_response = result.status_code, result.response
        given_up = False
        if result.ok:
            row.status, row.delivered_at = DeliveryStatus.DELIVERED, at
            endpoint.failing_since = None
        else:
            endpoint.failing_since = endpoint.failing_since or at
            given_up = at - endpoint.failing_since >= window
            row.status = DeliveryStatus.FAILED if given_up else row.status
            row.next_attempt_at = at + retry_delay(row.attempts)
        row.save()
        endpoint.save(update_fields=["failing_since"])
        if given_up:
            reason = f"failed for {window} since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
            services.webhook_endpoint_disable(endpoint=endpoint, reason=reason)
    WEBHOOK_ATTEMPTS.labels("organization", "delivered" if result.ok else "failed").inc()
    if given_up:
        WEBHOOK_GIVEN_UP.labels("organization").inc()
    log = logger.info if result.ok else logger.warning
    log(
        "webhook_attempt delivery=%s endpoint=%s event=%s attempt=%d status=%s code=%s",
        row.msg_id,
        endpoint.pk,
        row.event,
        row.attempts,
        row.status,
        result.status_code,
    )
    return row.status
