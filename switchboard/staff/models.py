from django.conf import settings
from django.db import models

from switchboard.common.models import OrgScopedModel


class Department(OrgScopedModel):
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="uniq_department_slug"),
        ]

    def __str__(self):
        return self.name


class Skill(OrgScopedModel):
    """What a staff member can do (`employee`, `therapist`, `driver`...)."""

    slug = models.SlugField(max_length=60)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="uniq_skill_slug"),
        ]

    def __str__(self):
        return self.slug


class StaffMember(OrgScopedModel):
    """A member of the organisation who takes work.

    Workload and busy/available are not stored here: they are derived from bookings.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profiles"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="staff")
    capacity = models.PositiveSmallIntegerField(default=3)
    phone = models.CharField(max_length=40, blank=True)
    # The name this organisation shows for the person; their account's own names are theirs.
    display_name = models.CharField(max_length=150, blank=True)
    kiosk_pin_hash = models.CharField(max_length=128, blank=True)
    # SHA-256 of the secret in the person's shift feed URL; empty until one is issued.
    calendar_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # What a badge reader types at the kiosk (keyboard wedge); unique in the organisation.
    badge_code = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_staff_user"),
            models.UniqueConstraint(
                fields=["organization", "badge_code"],
                condition=~models.Q(badge_code=""),
                name="uniq_staff_badge_code",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return self.display_name or self.user.get_full_name() or self.user.username

    @property
    def has_kiosk_pin(self):
        return bool(self.kiosk_pin_hash)


# Registered with the staff app; defined in their own package.
from switchboard.staff.attendance.models import (  # noqa: E402, F401
    AttendancePolicy,
    Break,
    ClockLog,
    ClockLogCorrection,
    Shift,
)
from switchboard.staff.kiosk.models import KioskDevice, KioskPinFailure  # noqa: E402, F401
