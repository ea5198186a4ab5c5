from django.db import models

from switchboard.common.clock import now
from switchboard.common.fields import RowJSONField


class OutboxEvent(models.Model):
    """One event on one channel, written in the transaction of the change it reports.

    The id is the event's `event_id`: monotonic, so a client can ask for what came after
    the last one it saw.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=200)
    event = models.CharField(max_length=100)
    payload = RowJSONField()
    created_at = models.DateTimeField(default=now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["channel", "id"], name="outbox_channel_id"),
            models.Index(
                fields=["id"],
                name="outbox_unpublished",
                condition=models.Q(published_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.event} on {self.channel}"

    def message(self) -> dict:
        """The payload as clients receive it, with its `event_id`."""
        return {**self.payload, "event_id": self.pk}
