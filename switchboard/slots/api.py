"""Availability and exceptions (CRUD) under `/api/orgs/{slug}/availability/`; their
writes answer the row and what the regeneration changed (docs/slots.md)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.api import Pagination, id_field
from switchboard.common.errors import InvalidInput
from switchboard.common.filters import list_filters
from switchboard.slots import availability as writes
from switchboard.slots.filters import AvailabilityFilter, ExceptionFilter
from switchboard.slots.models import AvailabilityException, ProviderAvailability
from switchboard.slots.selectors import availability_list, exceptions_list
from switchboard.staff.attendance.filters import check_day
from switchboard.staff.attendance.roster_api import LocalTimeField
from switchboard.staff.models import StaffMember


class SlotChangesSerializer(serializers.Serializer):
    """What a regeneration or maintenance run changed."""

    created = serializers.IntegerField()
    removed = serializers.IntegerField()
    expired = serializers.IntegerField()
    updated = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    conflict_slots = serializers.ListField(child=serializers.IntegerField())


class AvailabilitySerializer(serializers.ModelSerializer):
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(read_only=True)
    overnight = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProviderAvailability
        fields = ["id", "staff", "weekday", "start_time", "end_time", "overnight"]


class AvailabilitySavedSerializer(AvailabilitySerializer):
    regenerated = SlotChangesSerializer()

    class Meta(AvailabilitySerializer.Meta):
        fields = [*AvailabilitySerializer.Meta.fields, "regenerated"]


class AvailabilityWriteSerializer(serializers.Serializer):
    staff = id_field()
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start_time = serializers.TimeField()
    end_time = serializers.TimeField(help_text="at or before start_time: the next day")


class ExceptionSerializer(serializers.ModelSerializer):
    start_time = LocalTimeField(read_only=True, allow_null=True)
    end_time = LocalTimeField(read_only=True, allow_null=True)

    class Meta:
        model = AvailabilityException
        fields = ["id", "staff", "date", "is_off", "start_time", "end_time", "note"]


class ExceptionSavedSerializer(ExceptionSerializer):
    regenerated = SlotChangesSerializer()

    class Meta(ExceptionSerializer.Meta):
        fields = [*ExceptionSerializer.Meta.fields, "regenerated"]


class ExceptionWriteSerializer(serializers.Serializer):
    staff = id_field(allow_null=True, required=False, help_text="empty: everyone (a holiday)")
    date = serializers.DateField(validators=[check_day])
    is_off = serializers.BooleanField(default=True)
    start_time = serializers.TimeField(allow_null=True, required=False)
    end_time = serializers.TimeField(allow_null=True, required=False)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


REGENERATED = inline_serializer("Regenerated", {"regenerated": SlotChangesSerializer()})


def _staff(organization, pk):
    if pk is None:
        return None
    staff = StaffMember.objects.for_org(organization).filter(pk=pk, is_active=True).first()
    if staff is None:
        raise InvalidInput({"staff": "No such active staff member."})
    return staff


def _saved(serializer_class, row, changes, code=status.HTTP_200_OK):
    body = serializer_class(row).data
    return Response({**body, "regenerated": changes.as_dict()}, status=code)


class _Writes(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    pagination_class = Pagination
    read_action = "availability.view"
    # Writes are decided by the services: staff may edit their own rows.
    permission_actions = {
        "create": "availability.view",
        "partial_update": "availability.view",
        "destroy": "availability.view",
    }

    def _body(self, write_serializer, *, partial: bool) -> dict:
        data = write_serializer(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "staff" in values:
            values["staff"] = _staff(self.organization, values["staff"])
        return values


class AvailabilityViewSet(_Writes):
    """Weekly windows of local time, per staff member."""

    serializer_class = AvailabilitySerializer
    queryset = ProviderAvailability.objects.none()
    filterset_class = AvailabilityFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProviderAvailability.objects.none()
        filters = list_filters(self) if self.action == "list" else {}
        staff = filters.get("staff")
        return availability_list(
            self.organization,
            staff=_staff(self.organization, staff) if staff else None,
            weekday=filters.get("weekday"),
        )

    @extend_schema(
        request=AvailabilityWriteSerializer, responses={201: AvailabilitySavedSerializer}
    )
    def create(self, request, org_slug):
        row, changes = writes.availability_create(
            organization=self.organization,
            acting_user=request.user,
            **self._body(AvailabilityWriteSerializer, partial=False),
        )
        return _saved(AvailabilitySerializer, row, changes, status.HTTP_201_CREATED)

    @extend_schema(
        request=AvailabilityWriteSerializer(partial=True), responses=AvailabilitySavedSerializer
    )
    def partial_update(self, request, org_slug, pk):
        values = self._body(AvailabilityWriteSerializer, partial=True)
        if "staff" in values:
            raise InvalidInput({"staff": "Move a window by deleting it and adding another."})
        row, changes = writes.availability_update(
            availability=self.get_object(), acting_user=request.user, **values
        )
        return _saved(AvailabilitySerializer, row, changes)

    @extend_schema(responses={200: REGENERATED})
    def destroy(self, request, org_slug, pk):
        changes = writes.availability_delete(
            availability=self.get_object(), acting_user=request.user
        )
        return Response({"regenerated": changes.as_dict()})


class ExceptionViewSet(_Writes):
    """Dates that differ: a staff member's day off or other hours, or everyone's holiday."""

    serializer_class = ExceptionSerializer
    queryset = AvailabilityException.objects.none()
    filterset_class = ExceptionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AvailabilityException.objects.none()
        filters = list_filters(self) if self.action == "list" else {}
        staff = filters.get("staff")
        return exceptions_list(
            self.organization,
            staff=_staff(self.organization, staff) if staff else None,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )

    @extend_schema(request=ExceptionWriteSerializer, responses={201: ExceptionSavedSerializer})
    def create(self, request, org_slug):
        row, changes = writes.exception_create(
            organization=self.organization,
            acting_user=request.user,
            **self._body(ExceptionWriteSerializer, partial=False),
        )
        return _saved(ExceptionSerializer, row, changes, status.HTTP_201_CREATED)

    @extend_schema(
        request=ExceptionWriteSerializer(partial=True), responses=ExceptionSavedSerializer
    )
    def partial_update(self, request, org_slug, pk):
        values = self._body(ExceptionWriteSerializer, partial=True)
        if "staff" in values:
            raise InvalidInput({"staff": "Delete the exception and add another for someone else."})
        row, changes = writes.exception_update(
            exception=self.get_object(), acting_user=request.user, **values
        )
        return _saved(ExceptionSerializer, row, changes)

    @extend_schema(responses={200: REGENERATED})
    def destroy(self, request, org_slug, pk):
        changes = writes.exception_delete(exception=self.get_object(), acting_user=request.user)
        return Response({"regenerated": changes.as_dict()})
