"""Attendance in the admin: listed only. Every change goes through the services (punches,
corrections, the roster), which keep the invariants, write the audit rows and tell the
dashboards; the admin has no service of its own to call here."""

from django.contrib import admin

from switchboard.common.admin import ReadOnlyAdmin
from switchboard.staff.attendance.models import (
    AttendancePolicy,
    Break,
    ClockLog,
    ClockLogCorrection,
    Shift,
)


@admin.register(ClockLog)
class ClockLogAdmin(ReadOnlyAdmin):
    list_display = ["staff", "clock_in_at", "clock_out_at", "source", "auto_closed", "organization"]
    list_filter = ["source", "auto_closed", "needs_review", "organization"]
    search_fields = ["staff__user__username", "staff__display_name", "organization__slug"]


@admin.register(Break)
class BreakAdmin(ReadOnlyAdmin):
    list_display = ["log", "started_at", "ended_at"]
    list_filter = ["log__organization"]
    search_fields = ["log__staff__user__username", "log__organization__slug"]


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ["staff", "date", "start_time", "end_time", "department", "organization"]
    list_filter = ["organization", "department"]
    search_fields = ["staff__user__username", "staff__display_name", "location"]


@admin.register(ClockLogCorrection)
class ClockLogCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["log", "by_name", "at", "reason"]
    list_filter = ["log__organization"]
    search_fields = ["by_name", "reason", "log__staff__user__username"]


@admin.register(AttendancePolicy)
class AttendancePolicyAdmin(ReadOnlyAdmin):
    list_display = ["organization", "grace_minutes", "half_day_minutes", "max_open_hours"]
    list_filter = ["paid_breaks"]
    search_fields = ["organization__slug"]
