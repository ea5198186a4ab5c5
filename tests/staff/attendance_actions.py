"""The attendance and roster rows of the permission table, as callables, and their routes.

`tests/accounts/test_permissions.py` merges `ATTENDANCE_ACTIONS` into its walk and
`ATTENDANCE_ROUTES` into its route cases. Set-up is done by a job (`acting_user=None`).
"""

from datetime import UTC, date, datetime, time, timedelta

from switchboard.common import clock
from switchboard.staff.attendance import roster, services
from switchboard.staff.attendance.feed import calendar_token_rotate
from switchboard.staff.attendance.models import ClockLog, Shift
from switchboard.staff.attendance.policy import attendance_policy_update
from switchboard.staff.attendance.timesheet import timesheet_staff
from switchboard.staff.models import StaffMember
from tests.staff.factories import StaffMemberFactory
from tests.support.permissions import api_read

DAY = date(2026, 6, 1)
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _own_punch(org, user):
    # A profile of their own for every role (a customer too), so only the table refuses.
    me = (
        StaffMemberFactory(organization=org, user=user)
        if user
        else StaffMemberFactory(organization=org)
    )
    status = services.staff_clock_in(organization=org, acting_user=user, staff=me)
    assert status["status"] == "on_duty"


def _punch_other(org, user):
    other = StaffMemberFactory(organization=org)
    status = services.staff_clock_in(organization=org, acting_user=user, staff=other)
    assert status["status"] == "on_duty"


def closed_log(org) -> ClockLog:
    """A closed log of someone, written by jobs; the clock is back where it was after."""
    found = ClockLog.objects.filter(organization=org, clock_out_at__isnull=False).first()
    if found is not None:
        return found
    other = StaffMemberFactory(organization=org)
    with clock.frozen_at(T0):
        services.staff_clock_in(organization=org, acting_user=None, staff=other)
        clock.advance(timedelta(hours=8))
        services.staff_clock_out(organization=org, acting_user=None, staff=other)
    return ClockLog.objects.get(staff=other)


def a_shift(org) -> Shift:
    found = Shift.objects.filter(organization=org).first()
    if found is not None:
        return found
    return roster.shift_create(
        organization=org,
        acting_user=None,
        staff=StaffMemberFactory(organization=org),
        date=DAY,
        start_time=time(9),
        end_time=time(17),
    )


def _profile(org):
    return StaffMember.objects.filter(organization=org).first()


def _correct(org, user):
    log = closed_log(org)
    done = services.clock_log_correct(
        log=log, acting_user=user, reason="left late", clock_out_at=log.clock_out_at + timedelta(1)
    )
    assert done.corrections.count() == 1


def _roster_edit(org, user):
    shift = roster.shift_create(
        organization=org,
        acting_user=user,
        staff=StaffMemberFactory(organization=org),
        date=DAY,
        start_time=time(22),
        end_time=time(6),
    )
    assert shift.overnight


def _own_calendar_token(org, user):
    me = (
        StaffMemberFactory(organization=org, user=user)
        if user
        else StaffMemberFactory(organization=org)
    )
    assert calendar_token_rotate(staff=me, acting_user=user)


ATTENDANCE_ACTIONS = {
    "attendance.view": api_read("attendance-status", "attendance.view"),
    "attendance.punch_own": _own_punch,
    "attendance.punch": _punch_other,
    "attendance.correct": _correct,
    "attendance.close_forgotten": lambda org, user: services.attendance_close_forgotten(
        organization=org, acting_user=user
    ),
    "roster.view": api_read("shift-list", "roster.view"),
    "roster.edit": _roster_edit,
    "attendance.policy_view": api_read("attendance-policy", "attendance.policy_view"),
    "attendance.policy_edit": lambda org, user: attendance_policy_update(
        organization=org, acting_user=user, grace_minutes=10
    ),
    "staff.calendar_token": lambda org, user: calendar_token_rotate(
        staff=StaffMemberFactory(organization=org), acting_user=user
    ),
    "staff.calendar_token_own": _own_calendar_token,
    "attendance.timesheet_all": lambda org, user: timesheet_staff(
        org, user, StaffMemberFactory(organization=org).pk
    ),
}

SHIFT_BODY = {"staff": 1, "date": "2026-06-01", "start_time": "09:00", "end_time": "17:00"}
# (route name, method, action, target, payload), as `test_permissions.ROUTE_CASES`.
ATTENDANCE_ROUTES = [
    *(
        (f"attendance-{name}", "post", "attendance.punch_own", None, {})
        for name in ("clock-in", "clock-out", "start-break", "end-break", "toggle-break")
    ),
    ("attendance-status", "get", "attendance.view", None, None),
    ("attendance-logs", "get", "attendance.view", None, None),
    ("attendance-timesheet", "get", "attendance.view", None, None),
    ("attendance-log-correct", "post", "attendance.correct", closed_log, {"reason": "x"}),
    ("shift-list", "get", "roster.view", None, None),
    ("shift-list", "post", "roster.edit", None, SHIFT_BODY),
    ("shift-detail", "get", "roster.view", a_shift, None),
    ("shift-detail", "patch", "roster.edit", a_shift, {"location": "Bar"}),
    ("shift-detail", "delete", "roster.edit", a_shift, None),
    ("roster-bulk", "post", "roster.edit", None, {"delete": []}),
    (
        "roster-copy-week",
        "post",
        "roster.edit",
        None,
        {"source_week": "2026-06-01", "target_week": "2026-06-08"},
    ),
    ("attendance-policy", "get", "attendance.policy_view", None, None),
    ("attendance-policy", "patch", "attendance.policy_edit", None, {"grace_minutes": 9}),
    ("staff-calendar-token", "post", "staff.calendar_token", _profile, None),
]
