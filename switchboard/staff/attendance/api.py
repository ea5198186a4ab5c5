"""Attendance under `/api/orgs/{slug}/attendance/`: punches (each answering the person's
`current_status`), everyone's status now, logs and their corrections.

Views translate HTTP and name their action (`accounts/permissions.py`, `# staff`); the
services decide whose punch it is and whether it fits.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.api import Pagination, id_field, time_field
from switchboard.common.errors import NotFound
from switchboard.common.filters import list_filters, parse_id
from switchboard.staff.attendance import policy, selectors, services
from switchboard.staff.attendance.filters import LogFilter
from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.attendance.roster import staff_of


class CurrentStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="off_duty, on_duty or on_break")
    label = serializers.CharField()
    is_on_break = serializers.BooleanField()
    break_start = serializers.DateTimeField(allow_null=True)
    total_break_minutes = serializers.IntegerField()


class PunchSerializer(serializers.Serializer):
    staff = id_field(required=False, help_text="whom for (managers); yourself by default")


class StatusRowSerializer(serializers.Serializer):
    staff_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    full_name = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    department_slug = serializers.CharField(allow_null=True)
    duty_status = serializers.CharField(help_text="off_duty, on_duty or on_break")
    is_on_duty = serializers.BooleanField()
    is_on_break = serializers.BooleanField()
    status_label = serializers.CharField()
    clock_in_at = serializers.DateTimeField(allow_null=True)
    current_status = CurrentStatusSerializer()


class BreakSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class LogSerializer(serializers.ModelSerializer):
    staff_id = serializers.IntegerField()
    staff_name = serializers.CharField(source="staff.full_name")
    breaks = BreakSerializer(many=True)

    class Meta:
        model = ClockLog
        fields = [
            "id",
            "staff_id",
            "staff_name",
            "clock_in_at",
            "clock_out_at",
            "source",
            "auto_closed",
            "needs_review",
            "breaks",
        ]


class CorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    clock_in_at = time_field(required=False)
    clock_out_at = time_field(required=False)


class PunchView(OrgScopedMixin, APIView):
    """A punch for yourself, or (managers) for the staff member named."""

    permission_actions = {"POST": "attendance.punch_own"}
    service = None

    @extend_schema(request=PunchSerializer, responses=CurrentStatusSerializer)
    def post(self, request, org_slug):
        data = PunchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = staff_of(self.organization, data.validated_data.get("staff"))
        kwargs = {"source": "api"} if self.service in SOURCED else {}
        status = self.service(
            organization=self.organization, acting_user=request.user, staff=staff, **kwargs
        )
        return Response(CurrentStatusSerializer(status).data)


SOURCED = (services.staff_clock_in, services.staff_clock_out)


def punch_view(service):
    return type(
        f"{service.__name__.title().replace('_', '')}View",
        (PunchView,),
        {"service": staticmethod(service), "__doc__": service.__doc__ or PunchView.__doc__},
    )


ClockInView = punch_view(services.staff_clock_in)
ClockOutView = punch_view(services.staff_clock_out)
StartBreakView = punch_view(services.staff_break_start)
EndBreakView = punch_view(services.staff_break_end)
ToggleBreakView = punch_view(services.staff_break_toggle)


class AttendanceStatusView(OrgScopedMixin, APIView):
    """Every active staff member's duty status now."""

    read_action = "attendance.view"

    @extend_schema(responses=StatusRowSerializer(many=True))
    def get(self, request, org_slug):
        rows = selectors.attendance_status(self.organization)
        return Response(StatusRowSerializer(rows, many=True).data)


class LogListView(OrgScopedMixin, generics.ListAPIView):
    serializer_class = LogSerializer
    pagination_class = Pagination
    filterset_class = LogFilter
    queryset = ClockLog.objects.none()
    read_action = "attendance.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClockLog.objects.none()
        filters = list_filters(self)
        return selectors.logs_list(
            self.organization,
            staff=filters.get("staff"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )


class LogCorrectView(OrgScopedMixin, APIView):
    """A manager corrects a closed log's times, with a reason kept in its audit trail."""

    permission_actions = {"POST": "attendance.correct"}
    queryset = ClockLog.objects.none()  # what `pk` names (for the isolation walk)

    @extend_schema(request=CorrectionSerializer, responses=LogSerializer)
    def post(self, request, org_slug, pk):
        data = CorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = ClockLog.objects.filter(organization=self.organization, pk=parse_id(pk) or 0)
        log = found.first()
        if log is None:
            raise NotFound("No such clock log.")
        log = services.clock_log_correct(log=log, acting_user=request.user, **data.validated_data)
        return Response(LogSerializer(log).data)


class PolicySerializer(serializers.Serializer):
    grace_minutes = serializers.IntegerField(min_value=0, max_value=120)
    early_allowance_minutes = serializers.IntegerField(min_value=0, max_value=720)
    late_allowance_minutes = serializers.IntegerField(min_value=0, max_value=720)
    half_day_minutes = serializers.IntegerField(min_value=0, max_value=1440)
    absent_minutes = serializers.IntegerField(min_value=0, max_value=1440)
    max_open_hours = serializers.IntegerField(min_value=1, max_value=48)
    paid_breaks = serializers.BooleanField()


class PolicyView(OrgScopedMixin, APIView):
    """The organisation's attendance thresholds (the defaults until an owner sets any)."""

    read_action = "attendance.policy_view"
    permission_actions = {"GET": "attendance.policy_view", "PATCH": "attendance.policy_edit"}

    @extend_schema(responses=PolicySerializer)
    def get(self, request, org_slug):
        return Response(PolicySerializer(selectors.policy_for(self.organization)).data)

    @extend_schema(request=PolicySerializer(partial=True), responses=PolicySerializer)
    def patch(self, request, org_slug):
        data = PolicySerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        found = policy.attendance_policy_update(
            organization=self.organization, acting_user=request.user, **data.validated_data
        )
        return Response(PolicySerializer(found).data)
