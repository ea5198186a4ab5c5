from django.contrib import admin

from switchboard.common.admin import ReadOnlyAdmin
from switchboard.realtime.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """Read-only: the outbox is written by services and drained by the relay."""

    list_display = ["id", "event", "channel", "organization", "created_at", "published_at"]
    list_filter = ["event", "organization"]
    search_fields = ["channel", "event"]
    date_hierarchy = "created_at"
