from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from switchboard.accounts.models import User
from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.api import ServiceBackedWrites, id_field, service_backed_schema
from switchboard.common.errors import InvalidInput
from switchboard.common.filters import list_filters
from switchboard.staff import services
from switchboard.staff.attendance.api import CurrentStatusSerializer
from switchboard.staff.attendance.feed import calendar_token_rotate
from switchboard.staff.attendance.selectors import current_status
from switchboard.staff.filters import DepartmentFilter, StaffFilter, is_active_value
from switchboard.staff.models import Department, StaffMember
from switchboard.staff.selectors import departments_list, staff_list


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "slug", "name", "is_active"]


class DepartmentWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False)
    is_active = serializers.BooleanField(required=False)


class DepartmentRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class StaffSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    full_name = serializers.CharField()
    department = DepartmentRefSerializer(allow_null=True)
    display_name = serializers.CharField()
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    has_kiosk_pin = serializers.BooleanField()

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "user_id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "display_name",
            "department",
            "skills",
            "capacity",
            "phone",
            "is_active",
            "has_kiosk_pin",
            "created_at",
        ]


class StaffDetailSerializer(StaffSerializer):
    """One profile with its duty status now (derived per request; the list leaves it out)."""

    duty_status = serializers.SerializerMethodField(help_text="off_duty, on_duty or on_break")
    current_status = serializers.SerializerMethodField()

    class Meta(StaffSerializer.Meta):
        fields = [*StaffSerializer.Meta.fields, "duty_status", "current_status"]

    def _status(self, staff) -> dict:
        if not hasattr(staff, "_current_status"):
            staff._current_status = current_status(staff)
        return staff._current_status

    def get_duty_status(self, staff) -> str:
        return self._status(staff)["status"]

    @extend_schema_field(CurrentStatusSerializer)
    def get_current_status(self, staff) -> dict:
        return CurrentStatusSerializer(self._status(staff)).data


class StaffUpdateSerializer(serializers.Serializer):
    department = serializers.SlugField(allow_null=True, required=False)
    skills = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    capacity = serializers.IntegerField(
        min_value=0, max_value=services.MAX_CAPACITY, required=False
    )
    phone = serializers.CharField(max_length=40, allow_blank=True, required=False)
    display_name = serializers.CharField(max_length=150, allow_blank=True, required=False)

    ACCOUNT_FIELDS = ("first_name", "last_name", "email", "password")

    def validate(self, attrs):
        # A person's account belongs to them, not to one of their organisations.
        given = [f for f in self.ACCOUNT_FIELDS if f in self.initial_data]
        if given:
            raise serializers.ValidationError(
                {f: ["An organisation does not edit accounts; set display_name."] for f in given}
            )
        return attrs


class StaffCreateSerializer(StaffUpdateSerializer):
    user_id = id_field(required=False)
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$", required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("user_id") and not attrs.get("username"):
            raise serializers.ValidationError(
                {"user_id": ["Give the user_id or username of a member (invite newcomers first)."]}
            )
        return attrs


class CalendarTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField(help_text="the .ics feed; anyone holding it reads the shifts")


class PinSerializer(serializers.Serializer):
    pin = serializers.CharField(allow_null=True, max_length=8)


@service_backed_schema(DepartmentWriteSerializer, DepartmentSerializer)
class DepartmentViewSet(
    OrgScopedMixin,
    ServiceBackedWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DepartmentSerializer
    write_serializer = DepartmentWriteSerializer
    queryset = Department.objects.none()
    read_action = "department.view"
    filterset_class = DepartmentFilter
    subject = "department"
    create_service = staticmethod(services.department_create)
    update_service = staticmethod(services.department_update)
    deactivate_service = staticmethod(services.department_deactivate)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Department.objects.none()
        if self.action != "list":
            return departments_list(self.organization, include_inactive=True)
        listing_all = list_filters(self).get("include_inactive", False)
        return departments_list(self.organization, include_inactive=listing_all)


class StaffViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Staff profiles of members; the services decide who may change what."""

    serializer_class = StaffSerializer
    queryset = StaffMember.objects.none()
    read_action = "staff.view"
    filterset_class = StaffFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StaffMember.objects.none()
        if self.action != "list":
            return staff_list(self.organization, is_active=None)
        filters = list_filters(self)
        return staff_list(
            self.organization,
            department=filters.get("department"),
            skill=filters.get("skill"),
            is_active=is_active_value(filters),
            search=filters.get("search", ""),
        )

    def _department(self, values):
        if "department" not in values:
            return values
        slug = values["department"]
        if slug is None:
            return values
        department = departments_list(self.organization).filter(slug=slug).first()
        if department is None:
            raise InvalidInput({"department": f"No active department '{slug}'."})
        return {**values, "department": department}

    def _member(self, values):
        # Looked up among this organisation's members only: no account outside it is named.
        lookup = {"pk": values.pop("user_id", None), "username": values.pop("username", None)}
        lookup = {key: value for key, value in lookup.items() if value}
        members = User.objects.filter(
            memberships__organization=self.organization, memberships__is_active=True
        )
        user = members.filter(**lookup).first()
        if user is None:
            field = "user_id" if "pk" in lookup else "username"
            raise InvalidInput({field: "Not a member of this organisation; invite them first."})
        return {**values, "user": user}

    @extend_schema(responses=StaffDetailSerializer)
    def retrieve(self, request, org_slug, pk):
        return Response(StaffDetailSerializer(self.get_object()).data)

    @extend_schema(request=StaffCreateSerializer, responses={201: StaffSerializer})
    def create(self, request, org_slug):
        data = StaffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = self._member(self._department(dict(data.validated_data)))
        staff = services.staff_create(
            organization=self.organization, acting_user=request.user, **values
        )
        return Response(StaffSerializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StaffUpdateSerializer, responses=StaffSerializer)
    def partial_update(self, request, org_slug, pk):
        data = StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = services.staff_update(
            staff=self.get_object(),
            acting_user=request.user,
            **self._department(dict(data.validated_data)),
        )
        return Response(StaffSerializer(staff).data)

    @extend_schema(responses={200: StaffSerializer})
    def destroy(self, request, org_slug, pk):
        staff = services.staff_deactivate(staff=self.get_object(), acting_user=request.user)
        return Response(StaffSerializer(staff).data)

    @extend_schema(request=None, responses={201: CalendarTokenSerializer})
    @action(detail=True, methods=["post"], url_path="calendar-token")
    def calendar_token(self, request, org_slug, pk):
        """Issue a new shift feed URL (the old one stops working): the person, or a manager.
        The token is shown in this answer only."""
        token = calendar_token_rotate(staff=self.get_object(), acting_user=request.user)
        url = request.build_absolute_uri(reverse("shift-feed", kwargs={"token": token}))
        return Response({"token": token, "url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(request=PinSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def pin(self, request, org_slug, pk):
        """Set or clear (`null`) a kiosk PIN: the staff member themself, or a manager."""
        data = PinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.staff_set_pin(
            staff=self.get_object(), pin=data.validated_data["pin"], acting_user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
