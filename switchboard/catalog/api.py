from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.catalog import services
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.catalog.selectors import resources_list, services_list
from switchboard.common.api import ServiceBackedWrites, service_backed_schema
from switchboard.common.errors import InvalidInput
from switchboard.staff.selectors import staff_list


class ServiceSerializer(serializers.ModelSerializer):
    skill = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    providers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "workflow",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "skill",
            "providers",
            "is_active",
        ]


class ServiceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    workflow = serializers.ChoiceField(choices=Workflow.choices, default=Workflow.STANDARD)
    # Plain integers so that a negative duration reaches the service's own message.
    duration_minutes = serializers.IntegerField(default=60)
    buffer_minutes = serializers.IntegerField(default=0)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, default=0)
    skill = serializers.CharField(max_length=60, allow_null=True, required=False)
    providers = serializers.ListField(child=serializers.IntegerField(), required=False)
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


def _include_inactive(request) -> bool | None:
    return None if request.query_params.get("include_inactive") == "true" else True


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
    subject = "service"
    create_service = staticmethod(services.service_create)
    update_service = staticmethod(services.service_update)
    deactivate_service = staticmethod(services.service_deactivate)

    @extend_schema(
        parameters=[
            OpenApiParameter("workflow", str, enum=Workflow.values),
            OpenApiParameter("include_inactive", bool),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Service.objects.none()
        if self.action != "list":
            return services_list(self.organization, is_active=None)
        return services_list(
            self.organization,
            workflow=self.request.query_params.get("workflow"),
            is_active=_include_inactive(self.request),
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
    subject = "resource"
    create_service = staticmethod(services.resource_create)
    update_service = staticmethod(services.resource_update)
    deactivate_service = staticmethod(services.resource_deactivate)

    @extend_schema(
        parameters=[OpenApiParameter("kind", str), OpenApiParameter("include_inactive", bool)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Resource.objects.none()
        if self.action != "list":
            return resources_list(self.organization, is_active=None)
        return resources_list(
            self.organization,
            kind=self.request.query_params.get("kind"),
            is_active=_include_inactive(self.request),
        )
