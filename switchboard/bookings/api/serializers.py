from rest_framework import serializers

from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.workflows import Status, workflow
from switchboard.common.api import id_field, time_field
from switchboard.staff.api import DepartmentRefSerializer


class StaffRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="customer_id", allow_null=True)
    name = serializers.CharField(source="customer_display")
    phone = serializers.CharField(source="customer_phone")


class BookingSerializer(serializers.ModelSerializer):
    service = NamedRefSerializer()
    resource = NamedRefSerializer(allow_null=True)
    assignee = StaffRefSerializer(allow_null=True)
    driver = StaffRefSerializer(allow_null=True)
    customer = CustomerRefSerializer(source="*")
    next_statuses = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "service",
            "workflow",
            "status",
            "is_active",
            "next_statuses",
            "customer",
            "starts_at",
            "ends_at",
            "resource",
            "assignee",
            "assigned_at",
            "driver",
            "parent",
            "slot",
            "notes",
            "therapist_accepted",
            "therapist_accepted_at",
            "driver_accepted",
            "driver_accepted_at",
            "rejection_reason",
            "rejected_at",
            "created_at",
            "updated_at",
        ]

    def get_next_statuses(self, booking) -> list[str]:
        return workflow(booking.workflow).table.next_states(booking.status)

    def get_is_active(self, booking) -> bool:
        return workflow(booking.workflow).table.is_active(booking.status)


class CustomerBookingSerializer(serializers.ModelSerializer):
    """What a customer sees of their own booking: no internal notes, no staff details."""

    service = NamedRefSerializer()
    resource = NamedRefSerializer(allow_null=True)

    class Meta:
        model = Booking
        fields = ["id", "service", "workflow", "status", "starts_at", "ends_at", "resource", "slot"]


class AssignmentSerializer(BookingSerializer):
    held_as = serializers.CharField(help_text="standalone, addon or driving")

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "held_as"]


class BookingCreateSerializer(serializers.Serializer):
    service = id_field(required=False, help_text="required unless `slot` is given")
    starts_at = time_field(required=False, help_text="required unless `slot` is given")
    slot = id_field(required=False, allow_null=True, help_text="book a seat of this slot")
    ends_at = time_field(required=False, allow_null=True)
    customer = id_field(required=False, allow_null=True, help_text="a member's user id")
    customer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    customer_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    resource = id_field(required=False, allow_null=True)
    assignee = id_field(required=False, allow_null=True, help_text="staff id")
    driver = id_field(required=False, allow_null=True, help_text="staff id")
    parent = id_field(required=False, allow_null=True, help_text="for an add-on")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    auto_assign = serializers.BooleanField(default=False)
    override_capacity = serializers.BooleanField(default=False)
    allow_past = serializers.BooleanField(
        default=False,
        help_text="start further back than the organisation's booking_backdate_minutes "
        "(owners, operators)",
    )

    def validate(self, attrs):
        if attrs.get("slot") is None:
            missing = {
                f: ["This field is required."] for f in ("service", "starts_at") if f not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class BookingUpdateSerializer(serializers.Serializer):
    """Seed 002's status-update fields; the workflow validates each."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    assignee = id_field(required=False, allow_null=True)
    driver = id_field(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    therapist_accepted = serializers.BooleanField(required=False)
    driver_accepted = serializers.BooleanField(required=False)
    rejection_reason = serializers.CharField(required=False, allow_blank=True)
    override_capacity = serializers.BooleanField(default=False)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="for the audit trail"
    )


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", allow_null=True, default=None)
    at = serializers.DateTimeField()

    class Meta:
        model = BookingTransition
        fields = ["id", "action", "from_status", "to_status", "by", "by_name", "at", "note", "data"]


class TransitionCreateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    rejection_reason = serializers.CharField(required=False, allow_blank=True)
    override_capacity = serializers.BooleanField(default=False)


class EmployeeSerializer(serializers.Serializer):
    """A staff member with their derived workload (seed 000's Employees row)."""

    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField()
    department = DepartmentRefSerializer(allow_null=True)
    capacity = serializers.IntegerField()
    standalone_bookings = serializers.IntegerField()
    addon_services = serializers.IntegerField()
    driving = serializers.IntegerField()
    current_assignments = serializers.IntegerField()
    availability_status = serializers.ChoiceField(choices=["available", "busy"])
    is_active = serializers.BooleanField()
