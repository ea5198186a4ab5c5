"""The attendance and roster API: answers, and 400/403/404/409 that change nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.common import clock
from switchboard.staff.attendance.models import Break, ClockLog, ClockLogCorrection, Shift
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def me(org):
    return StaffMemberFactory(organization=org, department=DepartmentFactory(organization=org))


def url(org, tail):
    return f"/api/orgs/{org.slug}/{tail}"


def state():
    return [
        list(model.objects.order_by("pk").values())
        for model in (ClockLog, Break, Shift, ClockLogCorrection)
    ]


def test_a_day_through_the_api(api, org, me):
    client = api.as_user(me.user)
    with clock.frozen_at(T0):
        answer = client.post(url(org, "attendance/clock-in/"), {}, format="json")
        assert answer.status_code == 200 and answer.json()["status"] == "on_duty"
        clock.advance(timedelta(hours=1))
        answer = client.post(url(org, "attendance/toggle-break/"), {}, format="json")
        assert answer.json()["label"] == "On Break"
        clock.advance(timedelta(minutes=15))
        client.post(url(org, "attendance/end-break/"), {}, format="json")
        [row] = client.get(url(org, "attendance/status/")).json()
        assert (row["duty_status"], row["current_status"]["total_break_minutes"]) == (
            "on_duty",
            15,
        )
        clock.advance(timedelta(hours=1))
        answer = client.post(url(org, "attendance/clock-out/"), {}, format="json")
        assert answer.json()["status"] == "off_duty"
    [log] = client.get(url(org, "attendance/logs/"), {"staff": me.pk}).json()["results"]
    assert (log["source"], len(log["breaks"])) == ("api", 1)


def test_a_punch_that_does_not_fit_is_409_with_the_status(api, org, me):
    before = state()
    answer = api.as_user(me.user).post(url(org, "attendance/clock-out/"), {}, format="json")
    assert answer.status_code == 409
    assert answer.json()["current_status"]["status"] == "off_duty"
    assert state() == before


def test_staff_may_not_punch_for_others_nor_correct(api, org, me, owner):
    other = StaffMemberFactory(organization=org)
    client = api.as_user(me.user)
    before = state()
    answer = client.post(url(org, "attendance/clock-in/"), {"staff": other.pk}, format="json")
    assert answer.status_code == 403
    with clock.frozen_at(T0):
        api.as_user(owner).post(url(org, "attendance/clock-in/"), {"staff": other.pk})
        clock.advance(timedelta(hours=2))
        api.as_user(owner).post(url(org, "attendance/clock-out/"), {"staff": other.pk})
    log = ClockLog.objects.get()
    before = state()
    answer = api.as_user(me.user).post(
        url(org, f"attendance/logs/{log.pk}/correct/"), {"reason": "x"}, format="json"
    )
    assert answer.status_code == 403 and state() == before


def test_bad_input_is_400_and_unknown_ids_404(api, org, me, owner, other_org):
    client = api.as_user(owner)
    before = state()
    for tail, body in [
        ("attendance/clock-in/", {"staff": 0}),
        ("attendance/clock-in/", {"staff": 999999}),
        ("roster/shifts/", {"staff": me.pk, "date": "1900-01-01", "start_time": "9:00"}),
        ("roster/copy-week/", {"source_week": "2026-06-01", "target_week": "2026-06-03"}),
        ("roster/shifts/bulk/", {"delete": ["x"]}),
    ]:
        answer = client.post(url(org, tail), body, format="json")
        assert answer.status_code == 400, (tail, answer.json())
    assert client.get(url(org, "attendance/logs/"), {"date_from": "0001-01-01"}).status_code == 400
    assert client.get(url(org, "roster/shifts/"), {"week": "9999-12-31"}).status_code == 400
    answer = client.post(url(org, "attendance/logs/999/correct/"), {"reason": "x"}, format="json")
    assert answer.status_code == 404
    assert client.get(url(other_org, "attendance/status/")).status_code == 404
    assert state() == before


def test_shifts_crud_and_overlap_409(api, org, me, owner):
    client = api.as_user(owner)
    body = {
        "staff": me.pk,
        "date": "2026-06-01",
        "start_time": "22:00",
        "end_time": "06:00",
        "department": me.department.slug,
    }
    created = client.post(url(org, "roster/shifts/"), body, format="json")
    assert created.status_code == 201 and created.json()["overnight"] is True
    pk = created.json()["id"]
    before = state()
    clash = {**body, "date": "2026-06-02", "start_time": "05:00", "end_time": "07:00"}
    assert client.post(url(org, "roster/shifts/"), clash, format="json").status_code == 409
    bulk = {"create": [{**body, "date": "2026-06-03"}, clash]}
    assert client.post(url(org, "roster/shifts/bulk/"), bulk, format="json").status_code == 409
    assert state() == before
    listed = client.get(url(org, "roster/shifts/"), {"week": "2026-06-04"}).json()["results"]
    assert [s["id"] for s in listed] == [pk]
    changed = client.patch(url(org, f"roster/shifts/{pk}/"), {"location": "Bar"}, format="json")
    assert changed.json()["location"] == "Bar"
    assert client.delete(url(org, f"roster/shifts/{pk}/")).status_code == 204
    assert not Shift.objects.exists()
