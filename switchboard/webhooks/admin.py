"""Webhooks in the admin: listed and inspected; "send again" and switching on go through
the services (superusers act as owners). The secret is never shown."""

from django.contrib import admin, messages

from switchboard.scheduler.admin import ReadOnlyAdmin
from switchboard.webhooks import services
from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "organization", "is_active", "failing_since", "disabled_at"]
    list_filter = ["is_active", "organization"]
    search_fields = ["url", "description", "organization__slug"]
    exclude = ["secret"]
    actions = ["switch_on"]

    @admin.action(description="Switch on (pending deliveries resume in order)")
    def switch_on(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_update(
                endpoint=endpoint, acting_user=request.user, is_active=True
            )
        messages.info(request, f"{queryset.count()} endpoint(s) switched on.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "msg_id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event", "organization"]
    search_fields = ["msg_id", "endpoint__url", "organization__slug"]
    list_select_related = ["endpoint", "organization"]
    actions = ["send_again"]

    @admin.action(description="Send again (same webhook-id)")
    def send_again(self, request, queryset):
        for delivery in queryset:
            services.webhook_delivery_resend(delivery=delivery, acting_user=request.user)
        messages.info(request, f"{queryset.count()} delivery(ies) queued again.")
