"""Kiosks in the admin, listed only: registering and revoking go through the services,
which hand out the token once and check who may."""

from django.contrib import admin

from switchboard.staff.attendance.admin import ReadOnlyAdmin
from switchboard.staff.kiosk.models import KioskDevice, KioskPinFailure


@admin.register(KioskDevice)
class KioskDeviceAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "is_active", "paired_at", "last_seen_at"]
    list_filter = ["is_active", "organization"]
    search_fields = ["name", "organization__slug"]
    exclude = ["token_hash"]


@admin.register(KioskPinFailure)
class KioskPinFailureAdmin(ReadOnlyAdmin):
    list_display = ["device", "staff", "at"]
    list_filter = ["device__organization"]
    search_fields = ["device__name", "staff__user__username", "device__organization__slug"]
