"""Each attendance event carries exactly the seed's keys, on org, staff and dept channels."""

from datetime import date, time

from switchboard.staff.attendance import roster, services
from switchboard.staff.channels import dept_channel, org_channel, staff_channel
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

CLOCK_KEYS = {
    "user_id",
    "staff_id",
    "duty_status",
    "is_on_duty",
    "is_on_break",
    "status_label",
    "clock_time",
    "first_name",
    "last_name",
    "action",
    "department",
    "department_slug",
    "current_status",
}
STATUS_KEYS = {"status", "label", "is_on_break", "break_start", "total_break_minutes"}
LOGGED_KEYS = {
    "action",
    "log_id",
    "staff_id",
    "staff_name",
    "clock_in_at",
    "clock_out_at",
    "source",
    "auto_closed",
    "timestamp",
}
ROSTER_KEYS = {
    "action",
    "roster_id",
    "staff_id",
    "staff_name",
    "shift_date",
    "shift_start",
    "shift_end",
    "department",
    "location",
    "timestamp",
}


def _person(org):
    return StaffMemberFactory(organization=org, department=DepartmentFactory(organization=org))


def _channels(me):
    slug = me.organization.slug
    return sorted(
        [org_channel(slug), staff_channel(slug, me.pk), dept_channel(slug, me.department.slug)]
    )


def test_clock_status_updated(org, capture_events):
    me = _person(org)
    capture = capture_events()
    services.staff_clock_in(organization=org, acting_user=me.user)
    [row, *_] = capture.named("clock-status-updated")
    assert set(row.payload) == CLOCK_KEYS
    assert set(row.payload["current_status"]) == STATUS_KEYS
    assert (row.payload["action"], row.payload["duty_status"]) == ("clock_in", "on_duty")
    assert capture.channels("clock-status-updated") == _channels(me)


def test_attendance_logged(org, capture_events):
    me = _person(org)
    capture = capture_events()
    services.staff_clock_in(organization=org, acting_user=me.user)
    [row, *_] = capture.named("attendance-logged")
    assert set(row.payload) == LOGGED_KEYS and row.payload["action"] == "clock_in"
    assert capture.channels("attendance-logged") == _channels(me)


def test_roster_updated(org, owner, capture_events):
    me = _person(org)
    capture = capture_events()
    shift = roster.shift_create(
        organization=org,
        acting_user=owner,
        staff=me,
        date=date(2026, 6, 1),
        start_time=time(9),
        end_time=time(17),
        location="Reception",
    )
    roster.shift_delete(shift=shift, acting_user=owner)
    roster.roster_bulk_update(
        organization=org,
        acting_user=owner,
        create=[
            {"staff": me, "date": date(2026, 6, 2), "start_time": time(9), "end_time": time(17)}
        ],
    )
    rows = capture.named("roster-updated")
    assert [r.payload["action"] for r in rows[::3]] == ["created", "deleted", "bulk_updated"]
    assert all(set(row.payload) == ROSTER_KEYS for row in rows)
    assert rows[0].payload["shift_start"] == "09:00:00"
    assert capture.channels("roster-updated") == sorted(_channels(me) * 3)
