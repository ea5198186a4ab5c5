"""The roster under `/api/orgs/{slug}/roster/`: shifts (CRUD), bulk changes, week copy."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.api import Pagination, id_field
from switchboard.common.filters import list_filters
from switchboard.staff.attendance import roster
from switchboard.staff.attendance.filters import ShiftFilter, check_day
from switchboard.staff.attendance.models import Shift
from switchboard.staff.attendance.selectors import shifts_list

MAX_BULK = 500


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$", "example": "07:00:00"}
)
class LocalTimeField(serializers.TimeField):
    """A local wall time, `HH:MM:SS[.ffffff]` with no offset (OpenAPI's `time` format wants one)."""


class ShiftSerializer(serializers.ModelSerializer):
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(read_only=True)
    staff_id = serializers.IntegerField()
    staff_name = serializers.CharField(source="staff.full_name")
    department = serializers.SlugField(source="department.slug", allow_null=True, default=None)
    overnight = serializers.BooleanField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "staff_id",
            "staff_name",
            "date",
            "start_time",
            "end_time",
            "overnight",
            "department",
            "location",
            "notes",
        ]


class ShiftWriteSerializer(serializers.Serializer):
    staff = id_field()
    date = serializers.DateField(validators=[check_day])
    start_time = serializers.TimeField()
    end_time = serializers.TimeField(help_text="at or before start_time: the next day")
    department = serializers.SlugField(max_length=60, allow_null=True, required=False)
    location = serializers.CharField(max_length=120, allow_blank=True, required=False)
    notes = serializers.CharField(max_length=500, allow_blank=True, required=False)


class ShiftChangeSerializer(ShiftWriteSerializer):
    id = id_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name == "id"


class BulkSerializer(serializers.Serializer):
    create = ShiftWriteSerializer(many=True, required=False, max_length=MAX_BULK)
    update = ShiftChangeSerializer(many=True, required=False, max_length=MAX_BULK)
    delete = serializers.ListField(child=id_field(), required=False, max_length=MAX_BULK)


class CopyWeekSerializer(serializers.Serializer):
    source_week = serializers.DateField(validators=[check_day], help_text="any day of it")
    target_week = serializers.DateField(validators=[check_day], help_text="any day of it")


class ShiftsSerializer(serializers.Serializer):
    shifts = ShiftSerializer(many=True)


def _values(organization, data: dict) -> dict:
    """Ids and slugs of a validated body turned into this organisation's rows."""
    values = dict(data)
    if "staff" in values:
        values["staff"] = roster.staff_of(organization, values["staff"])
    if "department" in values:
        values["department"] = roster.department_of(organization, values["department"])
    return values


class ShiftViewSet(
    OrgScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ShiftSerializer
    queryset = Shift.objects.none()
    pagination_class = Pagination
    filterset_class = ShiftFilter
    read_action = "roster.view"
    permission_actions = {
        "create": "roster.edit",
        "partial_update": "roster.edit",
        "destroy": "roster.edit",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Shift.objects.none()
        filters = list_filters(self) if self.action == "list" else {}
        return shifts_list(
            self.organization,
            week=filters.get("week"),
            staff=filters.get("staff"),
            department=filters.get("department"),
        )

    def _body(self, *, partial: bool) -> dict:
        data = ShiftWriteSerializer(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return _values(self.organization, data.validated_data)

    @extend_schema(request=ShiftWriteSerializer, responses={201: ShiftSerializer})
    def create(self, request, org_slug):
        shift = roster.shift_create(
            organization=self.organization, acting_user=request.user, **self._body(partial=False)
        )
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ShiftWriteSerializer(partial=True), responses=ShiftSerializer)
    def partial_update(self, request, org_slug, pk):
        shift = roster.shift_update(
            shift=self.get_object(), acting_user=request.user, **self._body(partial=True)
        )
        return Response(ShiftSerializer(shift).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, org_slug, pk):
        roster.shift_delete(shift=self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RosterBulkView(OrgScopedMixin, APIView):
    """Create, change and delete many shifts at once: all or nothing."""

    permission_actions = {"POST": "roster.edit"}

    @extend_schema(request=BulkSerializer, responses=ShiftsSerializer)
    def post(self, request, org_slug):
        data = BulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body, org = data.validated_data, self.organization
        shifts = roster.roster_bulk_update(
            organization=org,
            acting_user=request.user,
            create=[_values(org, item) for item in body.get("create", [])],
            update=[_values(org, item) for item in body.get("update", [])],
            delete=body.get("delete", []),
        )
        return Response({"shifts": ShiftSerializer(shifts, many=True).data})


class RosterCopyWeekView(OrgScopedMixin, APIView):
    """Copy one week's shifts to another week (overlaps refuse the whole copy)."""

    permission_actions = {"POST": "roster.edit"}

    @extend_schema(request=CopyWeekSerializer, responses=ShiftsSerializer)
    def post(self, request, org_slug):
        data = CopyWeekSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shifts = roster.roster_copy_week(
            organization=self.organization, acting_user=request.user, **data.validated_data
        )
        return Response({"shifts": ShiftSerializer(shifts, many=True).data})
