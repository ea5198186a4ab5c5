"""Alerts in the admin, with their detail (tracebacks, audit examples) that the owners'
page leaves out."""

from django.contrib import admin

from switchboard.alerts import services
from switchboard.alerts.models import Alert
from switchboard.scheduler.admin import ReadOnlyAdmin


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "count", "last_raised_at", "acknowledged_at"]
    list_filter = [("acknowledged_at", admin.EmptyFieldListFilter), "organization"]
    search_fields = ["key", "title", "detail"]
    actions = ["acknowledge"]

    @admin.action(description="Acknowledge")
    def acknowledge(self, request, queryset):
        services.alerts_acknowledge_all(
            alert_ids=queryset.values_list("pk", flat=True), acting_user=request.user
        )
