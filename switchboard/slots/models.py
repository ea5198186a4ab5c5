"""Provider availability (local wall-time rules), the slots generated from it, and the
per-organisation automation settings. docs/slots.md is the reference."""

from django.db import models

from switchboard.common.models import OrgScopedModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ProviderAvailability(OrgScopedModel):
    """A weekly window in the organisation's local time. An end at or before the start
    runs past midnight into the next day (cafés, hotels)."""

    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="availability"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["staff_id", "weekday", "start_time", "id"]
        verbose_name_plural = "provider availability"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="availability_weekday"
            ),
            models.UniqueConstraint(
                fields=["staff", "weekday", "start_time"], name="uniq_availability_start"
            ),
        ]

    def __str__(self):
        return f"{self.staff_id} {self.get_weekday_display()} {self.start_time}-{self.end_time}"

    @property
    def overnight(self) -> bool:
        return self.end_time <= self.start_time


class AvailabilityException(OrgScopedModel):
    """One date that differs: a staff member's (or, with no staff, everyone's: a holiday)
    day off, or other hours that day instead of the weekly ones."""

    staff = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="availability_exceptions",
    )
    date = models.DateField()
    is_off = models.BooleanField(default=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "staff_id", "id"]
        constraints = [
            # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite lacks.
            models.UniqueConstraint(
                fields=["staff", "date"],
                condition=models.Q(staff__isnull=False),
                name="uniq_exception_staff_date",
            ),
            models.UniqueConstraint(
                fields=["organization", "date"],
                condition=models.Q(staff__isnull=True),
                name="uniq_exception_holiday_date",
            ),
            models.CheckConstraint(
                condition=models.Q(is_off=True)
                | models.Q(start_time__isnull=False, end_time__isnull=False),
                name="exception_hours_when_not_off",
            ),
        ]

    def __str__(self):
        who = self.staff_id or "everyone"
        return f"{who} {self.date} {'off' if self.is_off else f'{self.start_time}-{self.end_time}'}"


class BookingSlot(OrgScopedModel):
    """A bookable start for one service with one provider. How many seats are taken is
    derived from the bookings that hold it, never stored."""

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="slots")
    provider = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="slots"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(default=1)
    # Set by maintenance when a booked slot no longer fits the availability, cleared
    # when it fits again: the conflicts a manager resolves.
    conflict_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "provider_id", "service_id"]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="slot_org_starts"),
            models.Index(fields=["service", "starts_at"], name="slot_service_starts"),
            models.Index(fields=["provider", "starts_at"], name="slot_provider_starts"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "provider", "starts_at"], name="uniq_slot_start"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="slot_capacity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.service_id}/{self.provider_id} {self.starts_at:%Y-%m-%d %H:%M}Z"


class SlotAutomationSettings(OrgScopedModel):
    """An organisation's overrides of `settings.TIME_SLOT_AUTOMATION` (null: the
    setting's value), and whether its public booking page is on."""

    enabled = models.BooleanField(null=True, blank=True)
    days_ahead = models.PositiveIntegerField(null=True, blank=True)
    cleanup_expired = models.BooleanField(null=True, blank=True)
    preserve_booked_expired = models.BooleanField(null=True, blank=True)
    daily_maintenance_time = models.TimeField(null=True, blank=True)
    max_slots_per_service = models.PositiveIntegerField(null=True, blank=True)
    batch_size = models.PositiveIntegerField(null=True, blank=True)
    public_booking = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "slot automation settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_slot_settings_org"),
        ]

    def __str__(self):
        return f"slot settings of {self.organization_id}"


class Trigger(models.TextChoices):
    JOB = "job", "Scheduled job"
    COMMAND = "command", "Command"
    CHANGE = "change", "Availability or settings change"
    API = "api", "Manual run"


class SlotMaintenanceRun(OrgScopedModel):
    """One maintenance run of one organisation: what it changed (health: last run)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    days_ahead = models.PositiveIntegerField()
    weekly = models.BooleanField(default=False)
    provider = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "trigger", "started_at"], name="slotrun_org_trigger"
            ),
        ]

    def __str__(self):
        return f"{self.trigger} {self.started_at:%Y-%m-%d %H:%M}Z +{self.created} -{self.removed}"


class SlotWindow(OrgScopedModel):
    """Which (service, provider) pairs have slots, and a digest of everything their
    window was last generated from (rules, exceptions, bookings, settings, the dates).

    A run whose inputs digest equal skips the pair: a no-op rerun reads a few rows
    instead of every slot. It holds no fact of its own — `slots_maintain(full=True)`
    ignores it and rebuilds it.
    """

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "provider"], name="uniq_slot_window_pair"),
        ]

    def __str__(self):
        return f"window {self.service_id}/{self.provider_id}"
