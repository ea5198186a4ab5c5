"""Attendance and roster routes, included under `/api/orgs/<org_slug>/`."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from switchboard.staff.attendance import api
from switchboard.staff.attendance.roster_api import (
    RosterBulkView,
    RosterCopyWeekView,
    ShiftViewSet,
)
from switchboard.staff.attendance.timesheet_api import TimesheetView

router = SimpleRouter()
router.register("roster/shifts", ShiftViewSet, basename="shift")

urlpatterns = [
    path("attendance/clock-in/", api.ClockInView.as_view(), name="attendance-clock-in"),
    path("attendance/clock-out/", api.ClockOutView.as_view(), name="attendance-clock-out"),
    path("attendance/start-break/", api.StartBreakView.as_view(), name="attendance-start-break"),
    path("attendance/end-break/", api.EndBreakView.as_view(), name="attendance-end-break"),
    path("attendance/toggle-break/", api.ToggleBreakView.as_view(), name="attendance-toggle-break"),
    path("attendance/status/", api.AttendanceStatusView.as_view(), name="attendance-status"),
    path("attendance/logs/", api.LogListView.as_view(), name="attendance-logs"),
    path("attendance/policy/", api.PolicyView.as_view(), name="attendance-policy"),
    path(
        "attendance/logs/<int:pk>/correct/",
        api.LogCorrectView.as_view(),
        name="attendance-log-correct",
    ),
    path("attendance/timesheet/", TimesheetView.as_view(), name="attendance-timesheet"),
    # Before the router, so that `bulk` is never read as a shift id.
    path("roster/shifts/bulk/", RosterBulkView.as_view(), name="roster-bulk"),
    path("roster/copy-week/", RosterCopyWeekView.as_view(), name="roster-copy-week"),
    path("", include(router.urls)),
]
