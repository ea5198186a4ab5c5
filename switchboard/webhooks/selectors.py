from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint

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
