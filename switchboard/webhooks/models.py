"""Organisation webhooks: endpoints an owner registers, and one delivery row per event and
endpoint, written in the transaction of the change (docs/webhooks.md)."""

from django.conf import settings
from django.db import models

from switchboard.common.clock import now
from switchboard.common.models import OrgScopedModel


class WebhookEndpoint(OrgScopedModel):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Names of declared events (`realtime.events.declared_events()`) this endpoint wants.
    events = models.JSONField(default=list)
    # `whsec_` + base64 key. Kept in clear because every delivery is signed with it; the
    # API shows it only in the answer that creates (or rotates) it.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    # Set by the first failed attempt since the last success: once the retry window has
    # passed since then, the endpoint is switched off.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(OrgScopedModel):
    """One event for one endpoint. Sent in id order per endpoint; retried until delivered
    or its endpoint has failed for the whole retry window. `msg_id` is the `webhook-id` of every attempt."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    msg_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=100)
    # The exact body sent (and signed) on every attempt.
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    # A sender holds the row until then: another leader does not send it meanwhile.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["endpoint", "id"],
                name="webhook_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_endpoint_recent"),
        ]

    def __str__(self):
        return f"{self.msg_id} {self.event} → {self.endpoint_id}"
