"""The attendance policy API: managers read it, owners change it within its ranges."""

import pytest

from switchboard.common.errors import InvalidInput
from switchboard.staff.attendance.models import AttendancePolicy
from switchboard.staff.attendance.policy import attendance_policy_update
from tests.staff.factories import StaffMemberFactory

DEFAULTS = {
    "grace_minutes": 5,
    "early_allowance_minutes": 60,
    "late_allowance_minutes": 60,
    "half_day_minutes": 240,
    "absent_minutes": 60,
    "max_open_hours": 16,
    "paid_breaks": False,
}


def url(org):
    return f"/api/orgs/{org.slug}/attendance/policy/"


def rows():
    return list(AttendancePolicy.objects.values())


def test_managers_read_the_defaults_and_owners_change_them(api, org, owner, operator):
    assert api.as_user(operator).get(url(org)).json() == DEFAULTS
    answer = api.as_user(owner).patch(url(org), {"grace_minutes": 10, "paid_breaks": True})
    assert answer.status_code == 200
    assert answer.json() == DEFAULTS | {"grace_minutes": 10, "paid_breaks": True}
    again = api.as_user(owner).patch(url(org), {"max_open_hours": 12}, format="json")
    assert again.json()["grace_minutes"] == 10 and again.json()["max_open_hours"] == 12
    assert len(rows()) == 1


def test_staff_may_not_read_and_operators_may_not_change(api, org, operator):
    me = StaffMemberFactory(organization=org)
    assert api.as_user(me.user).get(url(org)).status_code == 403
    answer = api.as_user(operator).patch(url(org), {"grace_minutes": 1}, format="json")
    assert answer.status_code == 403 and rows() == []


@pytest.mark.parametrize(
    "change",
    [
        {"grace_minutes": -1},
        {"grace_minutes": 121},
        {"max_open_hours": 0},
        {"late_allowance_minutes": "lots"},
        {"absent_minutes": 300},  # above the default half day of 240
        {"half_day_minutes": 30},  # below the default absent threshold of 60
    ],
)
def test_out_of_range_is_400_and_changes_nothing(api, org, owner, change):
    client = api.as_user(owner)
    client.patch(url(org), {"grace_minutes": 7}, format="json")
    before = rows()
    answer = client.patch(url(org), change, format="json")
    assert answer.status_code == 400 and set(answer.json()) & {*change, "absent_minutes"}
    assert rows() == before


def test_the_service_refuses_unknown_settings(org, owner):
    with pytest.raises(InvalidInput):
        attendance_policy_update(organization=org, acting_user=owner, overtime_rate=2)
    assert rows() == []
