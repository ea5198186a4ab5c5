"""Dispatch data: positions, pickup requests, offers, per-organisation settings.

Driver status (off duty, available, offered, busy) is not stored anywhere: it follows
from attendance, pending offers and the bookings a driver is on (`selectors.py`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from switchboard.common.models import OrgScopedModel


class DriverPosition(OrgScopedModel):
    """The latest position of a staff member (drivers, and therapists asking for a pickup)."""

    staff = models.OneToOneField(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="position"
    )
    lat = models.FloatField()
    lng = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)
    at = models.DateTimeField()
    # When a `driver-update` last went out for this driver (the per-driver throttle).
    update_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "lat"], name="position_org_lat")]

    def __str__(self):
        return f"{self.staff_id} at {self.lat:.5f},{self.lng:.5f}"


class PositionPoint(OrgScopedModel):
    """The trail of a driver on a task, bounded (`DISPATCH["HISTORY_LIMIT"]` per task)."""

    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="position_points"
    )
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lat = models.FloatField()
    lng = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["staff", "booking", "at"], name="point_staff_task_at")]


class Urgency(models.TextChoices):
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"


class PickupRequest(OrgScopedModel):
    """Where and how urgently the therapist of a home-service booking waits for a driver."""

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.CASCADE, related_name="pickup"
    )
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Each notice goes out once per pickup.
    arriving_notified_at = models.DateTimeField(null=True, blank=True)
    arrived_suggested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "requested_at"], name="pickup_org_req")]

    def __str__(self):
        return f"pickup of #{self.booking_id} ({self.urgency})"

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None

    def location(self) -> dict | None:
        if not self.has_location and not self.address:
            return None
        return {"lat": self.lat, "lng": self.lng, "address": self.address}


class Answer(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PickupOffer(OrgScopedModel):
    """A pickup offered to one driver, until they answer or `expires_at` passes."""

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="pickup_offers"
    )
    driver = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="pickup_offers"
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    eta_seconds = models.PositiveIntegerField(null=True, blank=True)
    distance_m = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["answer", "expires_at"], name="offer_answer_expires")]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=Q(answer="pending"), name="one_pending_offer_booking"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="offer_expires_after_sent"
            ),
        ]

    def __str__(self):
        return f"offer {self.pk} of #{self.booking_id} to {self.driver_id}: {self.answer}"


class DispatchSettings(OrgScopedModel):
    """An organisation's dispatch policy; `selectors.settings_for` gives the defaults."""

    road_factor = models.FloatField(default=1.3)
    average_speed_kmh = models.FloatField(default=30.0)
    offer_timeout_seconds = models.PositiveIntegerField(default=60)
    search_radius_km = models.FloatField(default=15.0)
    position_max_age_seconds = models.PositiveIntegerField(default=300)
    arriving_eta_minutes = models.PositiveIntegerField(default=3)
    arrived_radius_m = models.PositiveIntegerField(default=150)
    driver_update_interval_seconds = models.PositiveIntegerField(default=5)

    class Meta:
        verbose_name_plural = "dispatch settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_dispatch_settings_per_org"),
            models.CheckConstraint(condition=Q(road_factor__gte=1), name="road_factor_at_least_1"),
            models.CheckConstraint(
                condition=Q(average_speed_kmh__gt=0), name="average_speed_positive"
            ),
            models.CheckConstraint(
                condition=Q(offer_timeout_seconds__gt=0), name="offer_timeout_positive"
            ),
        ]

    def __str__(self):
        return f"dispatch settings of {self.organization_id}"
