from rest_framework import mixins, serializers, viewsets

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.catalog import services
from switchboard.catalog.filters import ResourceFilter, ServiceFilter
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.catalog.selectors import resources_list, services_list
from switchboard.common.api import (
    ServiceBackedWrites,
    count_field,
    id_field,
    service_backed_schema,
)
from switchboard.common.errors import InvalidInput
from switchboard.common.filters import list_filters
from switchboard.staff.selectors import staff_list


class ServiceSerializer(serializers.ModelSerializer):
    skill = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    providers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "workflow",
            "duration_minutes",
            "slot_interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "horizon_days",
            "slot_capacity",
            "price",
            "skill",
            "providers",
            "is_active",
        ]


class ServiceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    workflow = serializers.ChoiceField(choices=Workflow.choices, default=Workflow.STANDARD)
    # Plain integers so that a negative duration reaches the service's own message.
    duration_minutes = count_field(default=60)
    slot_interval_minutes = count_field(required=False, allow_null=True)
    buffer_before_minutes = count_field(required=False)
    buffer_after_minutes = count_field(required=False)
    min_notice_minutes = count_field(required=False)
    horizon_days = count_field(required=False, allow_null=True)
    slot_capacity = count_field(required=False)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, default=0)
    skill = serializers.CharField(max_length=60, allow_null=True, required=False)
    providers = serializers.ListField(child=id_field(), required=False)
    is_active = serializers.BooleanField(required=False)


class ResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "name", "kind", "in_maintenance", "is_active"]


class ResourceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.CharField(max_length=40)
    in_maintenance = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(required=False)


def _is_active(filters: dict) -> bool | None:
    return None if filters.get("include_inactive") else True


@service_backed_schema(ServiceWriteSerializer, ServiceSerializer)
class ServiceViewSet(
    OrgScopedMixin,
    ServiceBackedWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What the organisation offers; the services decide who may change it."""

    serializer_class = ServiceSerializer
    write_serializer = ServiceWriteSerializer
    queryset = Service.objects.none()
    read_action = "service.view"
    filterset_class = ServiceFilter
    subject = "service"
    create_service = staticmethod(services.service_create)
    update_service = staticmethod(services.service_update)
    deactivate_service = staticmethod(services.service_deactivate)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Service.objects.none()
        if self.action != "list":
            return services_list(self.organization, is_active=None)
        filters = list_filters(self)
        return services_list(
            self.organization, workflow=filters.get("workflow"), is_active=_is_active(filters)
        )

    def prepare(self, values):
        if "providers" not in values:
            return values
        ids = set(values["providers"])
        found = list(staff_list(self.organization).filter(pk__in=ids))
        if len(found) != len(ids):
            raise InvalidInput({"providers": "Every provider must be an active staff member."})
        return {**values, "providers": found}


@service_backed_schema(ResourceWriteSerializer, ResourceSerializer)
class ResourceViewSet(
    OrgScopedMixin,
    ServiceBackedWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bookable things: bays, spaces, rooms, PCs."""

    serializer_class = ResourceSerializer
    write_serializer = ResourceWriteSerializer
    queryset = Resource.objects.none()
    read_action = "resource.view"
    filterset_class = ResourceFilter
    subject = "resource"
    create_service = staticmethod(services.resource_create)
    update_service = staticmethod(services.resource_update)
    deactivate_service = staticmethod(services.resource_deactivate)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Resource.objects.none()
        if self.action != "list":
            return resources_list(self.organization, is_active=None)
        filters = list_filters(self)
        return resources_list(
            self.organization, kind=filters.get("kind"), is_active=_is_active(filters)
        )
