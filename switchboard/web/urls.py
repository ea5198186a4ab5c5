from django.contrib.auth import views as auth_views
from django.urls import path

from switchboard.web import (
    attendance,
    booking_page,
    bookings,
    bookings_detail,
    bookings_moves,
    bookings_new,
    dispatch,
    dispatch_driver,
    employees,
    kiosk,
    resources,
    roster,
    slots_availability,
    slots_health,
    timesheet,
    views,
    webhooks,
)

urlpatterns = [
    path("", views.index, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/<slug:org_slug>/", views.org_home, name="org-home"),
    path("o/<slug:org_slug>/staff-table/", views.staff_table, name="org-staff-table"),
    path("o/<slug:org_slug>/employees/", employees.employees_page, name="org-employees"),
    path(
        "o/<slug:org_slug>/employees/table/", employees.employee_table, name="org-employees-table"
    ),
    path(
        "o/<slug:org_slug>/employees/assignments/",
        employees.employee_assignments,
        name="org-employee-assignments",
    ),
    path(
        "o/<slug:org_slug>/employees/assignments/move/",
        employees.assignment_move,
        name="org-assignment-move",
    ),
    path("o/<slug:org_slug>/resources/", resources.resources_page, name="org-resources"),
    path("o/<slug:org_slug>/my-day/", attendance.my_day_page, name="org-my-day"),
    path("o/<slug:org_slug>/my-day/clock/", attendance.my_day_clock, name="org-my-day-clock"),
    path("o/<slug:org_slug>/my-day/punch/", attendance.my_day_punch, name="org-my-day-punch"),
    path("o/<slug:org_slug>/attendance/", attendance.attendance_board_page, name="org-attendance"),
    path(
        "o/<slug:org_slug>/attendance/board/",
        attendance.attendance_board_rows,
        name="org-attendance-rows",
    ),
    path("o/<slug:org_slug>/kiosk/", kiosk.kiosk_page, name="org-kiosk"),
    path("o/<slug:org_slug>/kiosk/pair/<str:token>/", kiosk.kiosk_pair, name="org-kiosk-pair"),
    path("o/<slug:org_slug>/kiosks/", kiosk.kiosks_page, name="org-kiosks"),
    path("o/<slug:org_slug>/kiosks/revoke/", kiosk.kiosk_revoke, name="org-kiosk-revoke"),
    path("o/<slug:org_slug>/roster/", roster.roster_page, name="org-roster"),
    path("o/<slug:org_slug>/timesheet/", timesheet.timesheet_page, name="org-timesheet"),
    path(
        "o/<slug:org_slug>/timesheet/table/", timesheet.timesheet_table, name="org-timesheet-table"
    ),
    # The front desk: bookings (docs/pages.md)
    path("o/<slug:org_slug>/bookings/", bookings.bookings_page, name="org-bookings"),
    path("o/<slug:org_slug>/bookings/new/", bookings_new.booking_new, name="org-booking-new"),
    path(
        "o/<slug:org_slug>/bookings/new/customers/",
        bookings_new.customer_options,
        name="org-booking-customers",
    ),
    path("o/<slug:org_slug>/bookings/<int:pk>/", bookings_detail.booking_page, name="org-booking"),
    path(
        "o/<slug:org_slug>/bookings/<int:pk>/move/",
        bookings_moves.booking_move,
        name="org-booking-move",
    ),
    path(
        "o/<slug:org_slug>/bookings/<int:pk>/notes/",
        bookings_detail.booking_notes,
        name="org-booking-notes",
    ),
    path(
        "o/<slug:org_slug>/bookings/<int:pk>/reschedule/",
        bookings_detail.booking_reschedule,
        name="org-booking-reschedule",
    ),
    path(
        "o/<slug:org_slug>/bookings/<int:pk>/assign/",
        bookings_detail.booking_assign,
        name="org-booking-assign",
    ),
    path(
        "o/<slug:org_slug>/bookings/<int:pk>/driver/",
        bookings_detail.booking_driver,
        name="org-booking-driver",
    ),
    path(
        "o/<slug:org_slug>/bookings/<int:pk>/addons/",
        bookings_detail.booking_addon,
        name="org-booking-addon",
    ),
    path("o/<slug:org_slug>/webhooks/", webhooks.webhooks_page, name="org-webhooks"),
    path(
        "o/<slug:org_slug>/webhooks/deliveries/",
        webhooks.webhook_deliveries,
        name="org-webhook-deliveries",
    ),
    path(
        "o/<slug:org_slug>/webhooks/endpoint/",
        webhooks.webhook_endpoint_action,
        name="org-webhook-endpoint",
    ),
    path("o/<slug:org_slug>/webhooks/resend/", webhooks.webhook_resend, name="org-webhook-resend"),
    path("o/<slug:org_slug>/alerts/", webhooks.alerts_page, name="org-alerts"),
    path(
        "o/<slug:org_slug>/alerts/acknowledge/",
        webhooks.alert_acknowledge,
        name="org-alert-acknowledge",
    ),
    path("o/<slug:org_slug>/dispatch/", dispatch.board_page, name="org-dispatch"),
    path("o/<slug:org_slug>/dispatch/board/", dispatch.board_rows, name="org-dispatch-board"),
    path("o/<slug:org_slug>/dispatch/assign/", dispatch.assign, name="org-dispatch-assign"),
    path(
        "o/<slug:org_slug>/dispatch/auto-assign/",
        dispatch.auto_assign,
        name="org-dispatch-auto-assign",
    ),
    path("o/<slug:org_slug>/dispatch/batch/", dispatch.batch, name="org-dispatch-batch"),
    path(
        "o/<slug:org_slug>/dispatch/driver/",
        dispatch_driver.driver_page,
        name="org-dispatch-driver",
    ),
    path(
        "o/<slug:org_slug>/dispatch/driver/view/",
        dispatch_driver.driver_view,
        name="org-dispatch-driver-view",
    ),
    path(
        "o/<slug:org_slug>/dispatch/driver/answer/",
        dispatch_driver.driver_answer,
        name="org-dispatch-answer",
    ),
    path(
        "o/<slug:org_slug>/dispatch/driver/step/",
        dispatch_driver.driver_step,
        name="org-dispatch-step",
    ),
    path(
        "o/<slug:org_slug>/dispatch/my-pickups/",
        dispatch_driver.therapist_card,
        name="org-dispatch-pickups",
    ),
    path(
        "o/<slug:org_slug>/dispatch/my-pickups/request/",
        dispatch_driver.therapist_request,
        name="org-dispatch-request",
    ),
    # slots: availability, slot health, the booking page
    path(
        "o/<slug:org_slug>/availability/",
        slots_availability.availability_page,
        name="org-availability",
    ),
    path(
        "o/<slug:org_slug>/availability/panel/",
        slots_availability.availability_panel,
        name="org-availability-panel",
    ),
    path(
        "o/<slug:org_slug>/availability/change/",
        slots_availability.availability_change,
        name="org-availability-change",
    ),
    path("o/<slug:org_slug>/slots/", slots_health.slots_health_page, name="org-slots"),
    path("o/<slug:org_slug>/slots/panel/", slots_health.slots_health_panel, name="org-slots-panel"),
    path("o/<slug:org_slug>/slots/run/", slots_health.slots_run, name="org-slots-run"),
    path(
        "o/<slug:org_slug>/slots/public/", slots_health.slots_public_switch, name="org-slots-public"
    ),
    path("o/<slug:org_slug>/book/", booking_page.book_page, name="org-book"),
    path("o/<slug:org_slug>/book/times/", booking_page.book_times, name="org-book-times"),
]
