from django.contrib.auth import views as auth_views
from django.urls import path

from switchboard.web import (
    attendance,
    dispatch,
    dispatch_driver,
    employees,
    kiosk,
    resources,
    roster,
    timesheet,
    views,
)

urlpatterns = [
    path("", views.index, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/<slug:org_slug>/", views.org_home, name="org-home"),
    path("o/<slug:org_slug>/staff-table", views.staff_table, name="org-staff-table"),
    path("o/<slug:org_slug>/employees/", employees.employees_page, name="org-employees"),
    path("o/<slug:org_slug>/employees/table", employees.employee_table, name="org-employees-table"),
    path(
        "o/<slug:org_slug>/employees/assignments",
        employees.employee_assignments,
        name="org-employee-assignments",
    ),
    path(
        "o/<slug:org_slug>/employees/assignments/move",
        employees.assignment_move,
        name="org-assignment-move",
    ),
    path("o/<slug:org_slug>/resources/", resources.resources_page, name="org-resources"),
    path("o/<slug:org_slug>/my-day/", attendance.my_day_page, name="org-my-day"),
    path("o/<slug:org_slug>/my-day/clock", attendance.my_day_clock, name="org-my-day-clock"),
    path("o/<slug:org_slug>/my-day/punch", attendance.my_day_punch, name="org-my-day-punch"),
    path("o/<slug:org_slug>/attendance/", attendance.attendance_board_page, name="org-attendance"),
    path(
        "o/<slug:org_slug>/attendance/board",
        attendance.attendance_board_rows,
        name="org-attendance-rows",
    ),
    path("o/<slug:org_slug>/kiosk/", kiosk.kiosk_page, name="org-kiosk"),
    path("o/<slug:org_slug>/kiosk/pair/<str:token>/", kiosk.kiosk_pair, name="org-kiosk-pair"),
    path("o/<slug:org_slug>/kiosks/", kiosk.kiosks_page, name="org-kiosks"),
    path("o/<slug:org_slug>/kiosks/revoke", kiosk.kiosk_revoke, name="org-kiosk-revoke"),
    path("o/<slug:org_slug>/roster/", roster.roster_page, name="org-roster"),
    path("o/<slug:org_slug>/timesheet/", timesheet.timesheet_page, name="org-timesheet"),
    path(
        "o/<slug:org_slug>/timesheet/table", timesheet.timesheet_table, name="org-timesheet-table"
    ),
    path("o/<slug:org_slug>/dispatch/", dispatch.board_page, name="org-dispatch"),
    path("o/<slug:org_slug>/dispatch/board", dispatch.board_rows, name="org-dispatch-board"),
    path("o/<slug:org_slug>/dispatch/assign", dispatch.assign, name="org-dispatch-assign"),
    path(
        "o/<slug:org_slug>/dispatch/auto-assign",
        dispatch.auto_assign,
        name="org-dispatch-auto-assign",
    ),
    path("o/<slug:org_slug>/dispatch/batch", dispatch.batch, name="org-dispatch-batch"),
    path(
        "o/<slug:org_slug>/dispatch/driver/",
        dispatch_driver.driver_page,
        name="org-dispatch-driver",
    ),
    path(
        "o/<slug:org_slug>/dispatch/driver/view",
        dispatch_driver.driver_view,
        name="org-dispatch-driver-view",
    ),
    path(
        "o/<slug:org_slug>/dispatch/driver/answer",
        dispatch_driver.driver_answer,
        name="org-dispatch-answer",
    ),
    path(
        "o/<slug:org_slug>/dispatch/driver/step",
        dispatch_driver.driver_step,
        name="org-dispatch-step",
    ),
    path(
        "o/<slug:org_slug>/dispatch/my-pickups",
        dispatch_driver.therapist_card,
        name="org-dispatch-pickups",
    ),
    path(
        "o/<slug:org_slug>/dispatch/my-pickups/request",
        dispatch_driver.therapist_request,
        name="org-dispatch-request",
    ),
]
