from django.db import models

from switchboard.common.models import OrgScopedModel


class Workflow(models.TextChoices):
    """The built-in workflows (DESIGN.md). Their state tables live in `bookings.workflows`."""

    STANDARD = "standard", "Standard"
    RESERVATION = "reservation", "Reservation"
    ADDON = "addon", "Add-on"
    HOME_SERVICE = "home_service", "Home service"
    SESSION = "session", "Session"


class Service(OrgScopedModel):
    """Something a customer books: a car wash, a parking space, a massage, an hour on a PC.

    Who may be assigned to it: active staff with `skill` (when set) and, when `providers`
    is not empty, only those staff members.
    """

    name = models.CharField(max_length=120)
    workflow = models.CharField(max_length=24, choices=Workflow.choices, default=Workflow.STANDARD)
    duration_minutes = models.PositiveIntegerField(default=60)
    # Slot settings (docs/slots.md). The provider's free time before and after add up
    # with those of the bookings next to a slot.
    slot_interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="between slot starts; empty: the duration"
    )
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    min_notice_minutes = models.PositiveIntegerField(default=0)
    horizon_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="how far ahead it can be booked; empty: the window"
    )
    slot_capacity = models.PositiveIntegerField(default=1, help_text="seats per slot")
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    skill = models.ForeignKey(
        "staff.Skill", null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    providers = models.ManyToManyField("staff.StaffMember", blank=True, related_name="services")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_service_name"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="service_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(slot_capacity__gt=0), name="service_slot_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(slot_interval_minutes__isnull=True)
                | models.Q(slot_interval_minutes__gt=0),
                name="service_slot_interval_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(workflow__in=[w.value for w in Workflow]),
                name="service_workflow_valid",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def interval_minutes(self) -> int:
        return self.slot_interval_minutes or self.duration_minutes


class Resource(OrgScopedModel):
    """A bookable thing: a wash bay, a parking space, a room, a PC.

    Whether it is in use is derived from its bookings (a later issue adds that status);
    only the maintenance flag is stored, because nothing else can tell it.
    """

    name = models.CharField(max_length=120)
    kind = models.SlugField(max_length=40, help_text="wash_bay, parking_space, room, pc…")
    in_maintenance = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_resource_name"),
        ]

    def __str__(self):
        return self.name
