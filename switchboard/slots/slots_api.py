"""Slots under `/api/orgs/{slug}/slots/`: the list (times with the organisation's
offset), health figures, a manual maintenance run, and the automation settings."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.catalog.selectors import service_get
from switchboard.common.api import id_field
from switchboard.common.errors import InvalidInput
from switchboard.common.filters import list_filters
from switchboard.slots import services
from switchboard.slots.api import SlotChangesSerializer
from switchboard.slots.filters import SlotFilter
from switchboard.slots.health import slot_health
from switchboard.slots.models import BookingSlot, Trigger
from switchboard.slots.policy import overrides_of, policy_of
from switchboard.slots.selectors import slots_list
from switchboard.staff.models import StaffMember


class SlotSerializer(serializers.Serializer):
    """The schema of a slot in the list (`slot_json` builds it)."""

    id = serializers.IntegerField()
    service = serializers.IntegerField()
    provider = serializers.IntegerField()
    provider_name = serializers.CharField()
    starts_at = serializers.DateTimeField(help_text="with the organisation's offset")
    ends_at = serializers.DateTimeField(help_text="with the organisation's offset")
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    remaining = serializers.IntegerField()
    available = serializers.BooleanField()


def slot_json(row, zone) -> dict:
    """`SlotSerializer`'s shape, built plainly: a month of slots is thousands of rows."""
    return {
        "id": row.id,
        "service": row.service_id,
        "provider": row.provider_id,
        "provider_name": row.provider_name,
        "starts_at": row.starts_at.astimezone(zone).isoformat(),
        "ends_at": row.ends_at.astimezone(zone).isoformat(),
        "capacity": row.capacity,
        "booked": row.booked,
        "remaining": row.remaining,
        "available": row.available,
    }


def _provider(organization, pk):
    if pk is None:
        return None
    staff = StaffMember.objects.for_org(organization).filter(pk=pk).first()
    if staff is None:
        raise InvalidInput({"provider": "No such staff member."})
    return staff


def _service(organization, pk):
    return service_get(organization, pk) if pk is not None else None


class SlotListView(OrgScopedMixin, APIView):
    """Slots of the dates asked (local, inclusive; at most 62 days), in start order."""

    read_action = "slots.view"
    filterset_class = SlotFilter
    queryset = BookingSlot.objects.none()

    @extend_schema(parameters=[SlotFilter], responses=SlotSerializer(many=True))
    def get(self, request, org_slug):
        filters = list_filters(self)
        org = self.organization
        rows = slots_list(
            org,
            service=_service(org, filters.get("service")),
            provider=_provider(org, filters.get("provider")),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
            available=filters.get("available"),
        )
        zone = org.tzinfo
        return Response([slot_json(row, zone) for row in rows])


class SlotHealthView(OrgScopedMixin, APIView):
    """Coverage, density, booking rate, free and booked per day, conflicts, runs."""

    read_action = "slots.health"

    @extend_schema(responses=dict)
    def get(self, request, org_slug):
        return Response(slot_health(self.organization))


class MaintainSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False)
    days_ahead = serializers.IntegerField(min_value=1, max_value=366, required=False)
    provider = id_field(required=False)
    service = id_field(required=False)
    force_cleanup = serializers.BooleanField(default=False)


class MaintainResultSerializer(serializers.Serializer):
    days_ahead = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    dry_run = serializers.BooleanField()
    changes = SlotChangesSerializer()
    lines = serializers.ListField(child=serializers.DictField())


class SlotMaintainView(OrgScopedMixin, APIView):
    """Run maintenance now (or see what it would do, with `dry_run`)."""

    read_action = "slots.health"
    permission_actions = {"POST": "slots.maintain"}

    @extend_schema(request=MaintainSerializer, responses=MaintainResultSerializer)
    def post(self, request, org_slug):
        data = MaintainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values, org = data.validated_data, self.organization
        report = services.slots_maintain(
            organization=org,
            acting_user=request.user,
            days_ahead=values.get("days_ahead"),
            provider=_provider(org, values.get("provider")),
            service=_service(org, values.get("service")),
            force_cleanup=values["force_cleanup"],
            dry_run=values["dry_run"],
            trigger=Trigger.API,
        )
        return Response(report.as_dict())


class SettingsSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(allow_null=True, required=False)
    days_ahead = serializers.IntegerField(
        min_value=1, max_value=366, allow_null=True, required=False
    )
    cleanup_expired = serializers.BooleanField(allow_null=True, required=False)
    preserve_booked_expired = serializers.BooleanField(allow_null=True, required=False)
    daily_maintenance_time = serializers.TimeField(allow_null=True, required=False)
    max_slots_per_service = serializers.IntegerField(
        min_value=1, max_value=1_000_000, allow_null=True, required=False
    )
    batch_size = serializers.IntegerField(
        min_value=1, max_value=1_000_000, allow_null=True, required=False
    )
    public_booking = serializers.BooleanField(required=False)


def _settings_body(organization) -> dict:
    row = overrides_of(organization)
    own = {field: getattr(row, field, None) for field in services.SETTINGS_FIELDS}
    own["public_booking"] = bool(row and row.public_booking)
    if own.get("daily_maintenance_time"):
        own["daily_maintenance_time"] = own["daily_maintenance_time"].strftime("%H:%M")
    return {"effective": policy_of(organization, row).as_dict(), "overrides": own}


class SlotSettingsView(OrgScopedMixin, APIView):
    """The automation settings in effect, and this organisation's overrides (null:
    the deployment's setting)."""

    read_action = "slots.settings_view"
    permission_actions = {"PATCH": "slots.settings_view"}

    @extend_schema(responses=dict)
    def get(self, request, org_slug):
        return Response(_settings_body(self.organization))

    @extend_schema(request=SettingsSerializer, responses=dict)
    def patch(self, request, org_slug):
        data = SettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.slot_settings_update(
            organization=self.organization, acting_user=request.user, **data.validated_data
        )
        return Response(_settings_body(self.organization))
