from django.contrib.auth import views as auth_views
from django.urls import path

from switchboard.web import (
    attendance,
    booking_page,
    employees,
    kiosk,
    resources,
    roster,
    slots_availability,
    slots_health,
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
    # slots: availability, slot health, the booking page
    path(
        "o/<slug:org_slug>/availability/",
        slots_availability.availability_page,
        name="org-availability",
    ),
    path(
        "o/<slug:org_slug>/availability/panel",
        slots_availability.availability_panel,
        name="org-availability-panel",
    ),
    path(
        "o/<slug:org_slug>/availability/change",
        slots_availability.availability_change,
        name="org-availability-change",
    ),
    path("o/<slug:org_slug>/slots/", slots_health.slots_health_page, name="org-slots"),
    path("o/<slug:org_slug>/slots/panel", slots_health.slots_health_panel, name="org-slots-panel"),
    path("o/<slug:org_slug>/slots/run", slots_health.slots_run, name="org-slots-run"),
    path(
        "o/<slug:org_slug>/slots/public", slots_health.slots_public_switch, name="org-slots-public"
    ),
    path("o/<slug:org_slug>/book/", booking_page.book_page, name="org-book"),
    path("o/<slug:org_slug>/book/times", booking_page.book_times, name="org-book-times"),
]
