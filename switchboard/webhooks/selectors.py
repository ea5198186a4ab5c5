from datetime import datetime

from django.db.models import Min, Q

from switchboard.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50


def endpoints_list(organization) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(organization=organization).order_by("id"))


def endpoint_get(organization, pk) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(organization=organization, pk=pk).first()


def deliveries_recent(organization, *, endpoint=None, limit=RECENT_DELIVERIES):
    """The newest deliveries first, with their endpoint."""
    found = WebhookDelivery.objects.filter(organization=organization)
    if endpoint is not None:
        found = found.filter(endpoint=endpoint)
    return list(found.select_related("endpoint").order_by("-id")[:limit])


def delivery_get(organization, pk) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(organization=organization, pk=pk).first()


# Across organisations, for jobs, /metrics and the audit (callers are in `cross_org()`).


def queue_depth() -> int:
    """Deliveries still to send, of active endpoints."""
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, endpoint__is_active=True
    ).count()


def failed_count() -> int:
    """Deliveries given up (their endpoint failed for the whole window)."""
    return WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()


def overdue(*, due_before: datetime) -> tuple[int, list[str]]:
    """Endpoints whose next delivery should have been tried by `due_before` and is not
    being tried: the sender is not running. Only the head of each endpoint's queue counts
    (those behind it wait for it, however old)."""
    heads = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, endpoint__is_active=True)
        .values("endpoint_id")
        .annotate(head=Min("id"))
        .values_list("head", flat=True)
    )
    found = WebhookDelivery.objects.filter(pk__in=list(heads), next_attempt_at__lt=due_before)
    found = found.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=due_before))
    examples = [
        f"delivery={d.msg_id} endpoint={d.endpoint_id} due={d.next_attempt_at.isoformat()}"
        for d in found.order_by("id")[:5]
    ]
    return found.count(), examples
