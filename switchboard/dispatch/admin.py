from django.contrib import admin

from switchboard.dispatch.models import (
    DispatchSettings,
    DriverPosition,
    PickupOffer,
    PickupRequest,
    PositionPoint,
)


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "road_factor",
        "average_speed_kmh",
        "offer_timeout_seconds",
        "search_radius_km",
        "position_max_age_seconds",
    ]
    list_filter = ["organization"]
    search_fields = ["organization__name", "organization__slug"]


@admin.register(DriverPosition)
class DriverPositionAdmin(admin.ModelAdmin):
    list_display = ["staff", "organization", "lat", "lng", "accuracy", "at"]
    list_filter = ["organization"]
    search_fields = ["staff__user__first_name", "staff__user__last_name", "staff__user__username"]
    readonly_fields = ["staff", "lat", "lng", "accuracy", "heading", "at", "update_sent_at"]


@admin.register(PositionPoint)
class PositionPointAdmin(admin.ModelAdmin):
    list_display = ["staff", "organization", "booking", "lat", "lng", "at"]
    list_filter = ["organization"]
    search_fields = ["staff__user__username", "booking__id"]
    readonly_fields = [f.name for f in PositionPoint._meta.fields]


@admin.register(PickupRequest)
class PickupRequestAdmin(admin.ModelAdmin):
    list_display = ["booking", "organization", "urgency", "requested_at"]
    list_filter = ["urgency", "organization"]
    search_fields = ["booking__id", "booking__customer_name"]
    readonly_fields = [f.name for f in PickupRequest._meta.fields]


@admin.register(PickupOffer)
class PickupOfferAdmin(admin.ModelAdmin):
    list_display = ["booking", "driver", "answer", "sent_at", "expires_at", "answered_at"]
    list_filter = ["answer"]
    search_fields = ["booking__id", "driver__user__username"]
    readonly_fields = [f.name for f in PickupOffer._meta.fields]
