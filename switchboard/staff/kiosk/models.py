"""Kiosk devices: a shared screen at the door where staff punch with a PIN or a badge.

A device is known by a random token that is shown once, when an owner registers it, and
kept only as a SHA-256 hash; the device holds it in a cookie after opening its one-time
registration link. Wrong PINs are kept per device and person so that guessing is limited.
"""

from django.conf import settings
from django.db import models

from switchboard.common.clock import now
from switchboard.common.models import OrgScopedModel
from switchboard.common.tenancy import scoped_manager
from switchboard.staff.models import StaffMember


class KioskDevice(OrgScopedModel):
    name = models.CharField(max_length=120)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the device opens its registration link; the link then works no more.
    paired_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class KioskPinFailure(models.Model):
    """One wrong PIN typed on a device for a person; counted over a sliding window."""

    device = models.ForeignKey(KioskDevice, on_delete=models.CASCADE, related_name="failures")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=now)

    objects = scoped_manager("device__organization")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["device", "at"], name="kioskfail_device_at")]

    def __str__(self):
        return f"wrong PIN for {self.staff_id} on {self.device_id}"
