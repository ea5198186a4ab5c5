from django.contrib import admin

from switchboard.realtime.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by services and drained by the relay."""

    list_display = ["id", "event", "channel", "organization", "created_at", "published_at"]
    list_filter = ["event", "organization"]
    search_fields = ["channel", "event"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
