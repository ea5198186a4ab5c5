"""Slots in the admin, read-only: a window, exception or setting changed here would bypass
the service that regenerates the provider's slots (docs/slots.md), so changes go through
the availability page or the API."""

from django.contrib import admin

from switchboard.common.admin import ReadOnlyAdmin
from switchboard.slots.models import (
    AvailabilityException,
    BookingSlot,
    ProviderAvailability,
    SlotAutomationSettings,
    SlotMaintenanceRun,
    SlotWindow,
)

STAFF_SEARCH = ["staff__user__username", "staff__user__first_name", "staff__user__last_name"]
PROVIDER_SEARCH = [field.replace("staff__", "provider__") for field in STAFF_SEARCH]


@admin.register(ProviderAvailability)
class ProviderAvailabilityAdmin(ReadOnlyAdmin):
    list_display = ["staff", "organization", "weekday", "start_time", "end_time"]
    list_filter = ["weekday", "organization"]
    search_fields = STAFF_SEARCH


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(ReadOnlyAdmin):
    list_display = ["date", "staff", "organization", "is_off", "start_time", "end_time", "note"]
    list_filter = ["is_off", "organization"]
    search_fields = [*STAFF_SEARCH, "note"]


@admin.register(BookingSlot)
class BookingSlotAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "ends_at", "service", "provider", "capacity", "conflict_since"]
    list_filter = ["organization", "service"]
    search_fields = ["service__name", *PROVIDER_SEARCH]
    date_hierarchy = "starts_at"


@admin.register(SlotAutomationSettings)
class SlotAutomationSettingsAdmin(ReadOnlyAdmin):
    list_display = ["organization", "enabled", "days_ahead", "public_booking"]
    list_filter = ["enabled", "public_booking"]
    search_fields = ["organization__name", "organization__slug"]


@admin.register(SlotMaintenanceRun)
class SlotMaintenanceRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "organization", "trigger", "created", "removed", "conflicts"]
    list_filter = ["trigger", "weekly", "organization"]
    search_fields = ["organization__name", "organization__slug"]


@admin.register(SlotWindow)
class SlotWindowAdmin(ReadOnlyAdmin):
    list_display = ["organization", "service", "provider", "fingerprint"]
    list_filter = ["organization"]
    search_fields = ["service__name", *PROVIDER_SEARCH]
