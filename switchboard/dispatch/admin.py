from django.contrib import admin

from switchboard.dispatch.models import DispatchSettings, DriverPosition, PickupOffer, PickupRequest


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


@admin.register(DriverPosition)
class DriverPositionAdmin(admin.ModelAdmin):
    list_display = ["staff", "organization", "lat", "lng", "accuracy", "at"]
    readonly_fields = ["staff", "lat", "lng", "accuracy", "heading", "at", "update_sent_at"]


@admin.register(PickupRequest)
class PickupRequestAdmin(admin.ModelAdmin):
    list_display = ["booking", "organization", "urgency", "requested_at"]
    readonly_fields = [f.name for f in PickupRequest._meta.fields]


@admin.register(PickupOffer)
class PickupOfferAdmin(admin.ModelAdmin):
    list_display = ["booking", "driver", "answer", "sent_at", "expires_at", "answered_at"]
    list_filter = ["answer"]
    readonly_fields = [f.name for f in PickupOffer._meta.fields]
