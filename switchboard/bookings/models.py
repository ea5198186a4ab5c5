from django.conf import settings
from django.db import models

from switchboard.bookings.workflows import Status
from switchboard.catalog.models import Workflow
from switchboard.common.clock import now
from switchboard.common.fields import RowJSONField
from switchboard.common.models import OrgScopedModel


class Booking(OrgScopedModel):
    """A booking (an appointment): a service for a customer, at a time, done by staff.

    Nothing about workload is stored: whom a booking occupies follows from its workflow,
    its status, its assignee and driver, and (for an add-on) its parent's status.
    """

    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="bookings"
    )
    # Copied from the service when the booking is made: the statuses below belong to it,
    # so a later change to the service cannot strand a booking in a foreign state.
    workflow = models.CharField(max_length=24, choices=Workflow.choices)
    status = models.CharField(max_length=32, choices=Status.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    customer_name = models.CharField(max_length=200, blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    resource = models.ForeignKey(
        "catalog.Resource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_bookings",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    driver = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driven_bookings",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="addons"
    )
    # The slot it holds, if booked through one. Removing a slot never removes a booking:
    # the booking keeps its own times (docs/slots.md).
    slot = models.ForeignKey(
        "slots.BookingSlot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    notes = models.TextField(blank=True)
    therapist_accepted = models.BooleanField(default=False)
    therapist_accepted_at = models.DateTimeField(null=True, blank=True)
    driver_accepted = models.BooleanField(default=False)
    driver_accepted_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="booking_org_status"),
            models.Index(fields=["organization", "starts_at"], name="booking_org_starts"),
            models.Index(fields=["assignee", "status"], name="booking_assignee_status"),
            models.Index(fields=["driver", "status"], name="booking_driver_status"),
            # Who has waited longest since an assignment (automatic assignment's tie-break).
            models.Index(fields=["assignee", "assigned_at"], name="booking_assignee_assigned"),
            models.Index(fields=["resource", "status"], name="booking_resource_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="booking_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(workflow__in=Workflow.values), name="booking_workflow_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=True)
                | models.Q(driver__isnull=True)
                | ~models.Q(assignee=models.F("driver")),
                name="booking_driver_is_not_assignee",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.service} {self.status}"

    @property
    def customer_display(self) -> str:
        if self.customer_id:
            return self.customer.get_full_name() or self.customer.username
        return self.customer_name


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    TRANSITION = "transition", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    UNASSIGNED = "unassigned", "Unassigned"
    DRIVER = "driver", "Driver changed"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class BookingTransition(OrgScopedModel):
    """The audit trail: one row per change, written in the change's transaction.

    `booking` is kept as a plain id too, so that the row of a deletion outlives the booking.
    """

    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="transitions"
    )
    booking_ref = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The actor's name when the row was written: it outlives the user's deactivation or
    # deletion (`by` is then null) and a later change of their name.
    by_name = models.CharField(max_length=300, blank=True, default="")
    note = models.TextField(blank=True)
    data = RowJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"#{self.booking_ref} {self.action} {self.from_status}->{self.to_status}"

    @property
    def at(self):
        return self.created_at
