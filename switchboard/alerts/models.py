"""Alerts: something an operator must look at — a job that failed, an audit difference, a
webhook endpoint switched off. One open alert per cause (`key`); a repeat counts on it."""

from django.conf import settings
from django.db import models

from switchboard.common.clock import now


class Alert(models.Model):
    """Not organisation-scoped on purpose: a failed job or an audit difference belongs to
    the installation (`organization` is null), shown to every owner; an endpoint's alert
    names its organisation and is shown to that organisation's owners only."""

    key = models.CharField(max_length=200)
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300)
    # For the admin (superusers): a traceback or audit examples may name any organisation.
    detail = models.TextField(blank=True)
    count = models.PositiveIntegerField(default=1)
    first_raised_at = models.DateTimeField(default=now)
    last_raised_at = models.DateTimeField(default=now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-last_raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="alert_one_open_per_key",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
