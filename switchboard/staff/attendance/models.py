"""Clock logs, breaks, shifts and corrections. Duty status is derived from the open log
and break (`selectors.current_status`), never stored; the database holds the invariants:
one open log per person, one open break per log, an end after its start; on PostgreSQL
also no two logs of a person overlapping and breaks inside their log (migration 0006)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from switchboard.common.clock import now
from switchboard.common.models import OrgScopedModel
from switchboard.common.tenancy import scoped_manager
from switchboard.staff.models import Department, StaffMember


class ClockLog(OrgScopedModel):
    class Source(models.TextChoices):
        WEB = "web"
        KIOSK_PIN = "kiosk_pin"
        KIOSK_BADGE = "kiosk_badge"
        API = "api"
        AUTO = "auto"

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="clock_logs")
    clock_in_at = models.DateTimeField()
    clock_out_at = models.DateTimeField(null=True, blank=True)
    # Open for more ways to punch later (face verification): a plain bounded string.
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    punched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The kiosk a `kiosk_*` punch came from.
    device = models.ForeignKey(
        "staff.KioskDevice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_closed = models.BooleanField(default=False)
    needs_review = models.BooleanField(default=False)

    class Meta:
        ordering = ["-clock_in_at", "-id"]
        indexes = [models.Index(fields=["staff", "clock_in_at"], name="clocklog_staff_in")]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(clock_out_at__isnull=True),
                name="one_open_clock_log_per_staff",
            ),
            models.CheckConstraint(
                condition=Q(clock_out_at__isnull=True) | Q(clock_out_at__gt=F("clock_in_at")),
                name="clock_out_after_clock_in",
            ),
        ]

    def __str__(self):
        return f"{self.staff_id} {self.clock_in_at:%Y-%m-%d %H:%M}"


class Break(models.Model):
    log = models.ForeignKey(ClockLog, on_delete=models.CASCADE, related_name="breaks")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("log__organization")

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["log"], condition=Q(ended_at__isnull=True), name="one_open_break_per_log"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="break_end_after_start",
            ),
        ]

    def __str__(self):
        return f"break of log {self.log_id} at {self.started_at:%H:%M}"


class Shift(OrgScopedModel):
    """A rostered shift in the organisation's local time; `end_time <= start_time` means it
    ends the next day, and it counts on `date`, the day it starts."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="shifts")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.CharField(max_length=120, blank=True)
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["staff", "date"], name="shift_staff_date")]

    @property
    def overnight(self) -> bool:
        return self.end_time <= self.start_time


class ClockLogCorrection(models.Model):
    """Who changed a log's times, when, why, and from what to what."""

    log = models.ForeignKey(ClockLog, on_delete=models.CASCADE, related_name="corrections")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=now)
    reason = models.CharField(max_length=500)
    old_clock_in_at = models.DateTimeField()
    old_clock_out_at = models.DateTimeField(null=True)
    new_clock_in_at = models.DateTimeField()
    new_clock_out_at = models.DateTimeField(null=True)

    objects = scoped_manager("log__organization")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"correction of log {self.log_id} by {self.by_name}"


class AttendancePolicy(OrgScopedModel):
    """An organisation's thresholds; without a row, the defaults below apply."""

    grace_minutes = models.PositiveSmallIntegerField(default=5)
    early_allowance_minutes = models.PositiveSmallIntegerField(default=60)
    late_allowance_minutes = models.PositiveSmallIntegerField(default=60)
    half_day_minutes = models.PositiveSmallIntegerField(default=240)
    absent_minutes = models.PositiveSmallIntegerField(default=60)
    max_open_hours = models.PositiveSmallIntegerField(default=16)
    paid_breaks = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_attendance_policy"),
        ]
