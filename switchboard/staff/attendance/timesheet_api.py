"""`GET /api/orgs/{slug}/attendance/timesheet/`: the timesheet as JSON, or as CSV with
`format=csv` (times in the organisation's zone). Managers read everyone's; a staff member
reads their own (row `attendance.timesheet_all` decides)."""

import csv
import io

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.common.errors import InvalidInput
from switchboard.common.filters import list_filters
from switchboard.staff.attendance.filters import TimesheetFilter
from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.attendance.timesheet import MAX_DAYS, timesheet, timesheet_staff

CSV_COLUMNS = [
    "staff_id",
    "staff_name",
    "date",
    "shift_start",
    "shift_end",
    "clock_in",
    "clock_out",
    "break_minutes",
    "worked_minutes",
    "late",
    "early_exit",
    "overtime_minutes",
    "status",
]


class TimesheetRowSerializer(serializers.Serializer):
    staff_id = serializers.IntegerField()
    staff_name = serializers.CharField()
    date = serializers.DateField()
    shift_start = serializers.TimeField(allow_null=True, help_text="local; null: no shift")
    shift_end = serializers.TimeField(allow_null=True, help_text="at or before start: next day")
    clock_in_at = serializers.DateTimeField(allow_null=True)
    clock_out_at = serializers.DateTimeField(allow_null=True)
    break_minutes = serializers.IntegerField()
    worked_minutes = serializers.IntegerField()
    late = serializers.BooleanField()
    early_exit = serializers.BooleanField()
    overtime_minutes = serializers.IntegerField()
    status = serializers.CharField(
        help_text="upcoming, present, half_day, absent, or unscheduled (logs with no shift)"
    )


def json_rows(rows) -> list[dict]:
    """What `TimesheetRowSerializer(rows, many=True).data` gives, written directly: for a
    month of 500 people the serializer's per-field machinery took longer than the rest."""
    zone = timezone.get_current_timezone()

    def stamp(moment):  # as DRF's DateTimeField writes it
        if moment is None:
            return None
        text = moment.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return [
        {
            "staff_id": row.staff_id,
            "staff_name": row.staff_name,
            "date": row.date.isoformat(),
            "shift_start": row.shift_start.isoformat() if row.shift_start else None,
            "shift_end": row.shift_end.isoformat() if row.shift_end else None,
            "clock_in_at": stamp(row.clock_in_at),
            "clock_out_at": stamp(row.clock_out_at),
            "break_minutes": row.break_minutes,
            "worked_minutes": row.worked_minutes,
            "late": row.late,
            "early_exit": row.early_exit,
            "overtime_minutes": row.overtime_minutes,
            "status": row.status,
        }
        for row in rows
    ]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data  # the view writes the CSV text itself


def csv_text(rows, zone) -> str:
    def local(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        times = [row.shift_start, row.shift_end]
        writer.writerow(
            [row.staff_id, row.staff_name, row.date.isoformat()]
            + [value.strftime("%H:%M") if value else "" for value in times]
            + [local(row.clock_in_at), local(row.clock_out_at)]
            + [row.break_minutes, row.worked_minutes, row.late, row.early_exit]
            + [row.overtime_minutes, row.status]
        )
    return out.getvalue()


class TimesheetView(OrgScopedMixin, APIView):
    """Per person and day: shift, clock-in and out, breaks, worked, late, early exit,
    overtime and status. At most 62 days per request."""

    read_action = "attendance.view"
    filterset_class = TimesheetFilter
    queryset = ClockLog.objects.none()
    renderer_classes = [JSONRenderer, CSVRenderer]

    def perform_content_negotiation(self, request, force=False):
        # The `format` parameter is checked by the FilterSet (400), never a 404.
        if request.query_params.get("format") == "csv":
            return CSVRenderer(), CSVRenderer.media_type
        return JSONRenderer(), JSONRenderer.media_type

    def handle_exception(self, exc):
        # Errors are JSON whatever the format asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        responses={
            (200, "application/json"): TimesheetRowSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="format=csv"),
        }
    )
    def get(self, request, org_slug):
        filters = list_filters(self)
        date_from, date_to = filters["date_from"], filters["date_to"]
        if date_to < date_from or (date_to - date_from).days >= MAX_DAYS:
            raise InvalidInput({"date_to": f"Give 1 to {MAX_DAYS} days from date_from."})
        staff = timesheet_staff(self.organization, request.user, filters.get("staff"))
        rows = timesheet(self.organization, date_from, date_to, staff=staff)
        if filters.get("format") == "csv":
            name = f"timesheet-{date_from}-{date_to}.csv"
            headers = {"Content-Disposition": f'attachment; filename="{name}"'}
            return Response(csv_text(rows, self.organization.tzinfo), headers=headers)
        return Response(json_rows(rows))
