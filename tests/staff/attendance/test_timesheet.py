"""The timesheet: rows per person and day, CSV in the organisation's zone, the range and
who-reads-what rules, and a query count that does not grow with the people."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.common import clock
from switchboard.staff.attendance.models import Break, ClockLog, Shift
from tests.staff.factories import StaffMemberFactory

DAY = date(2026, 6, 1)


def url(org):
    return f"/api/orgs/{org.slug}/attendance/timesheet/"


def worked_day(org, person, day=DAY, *, late_minutes=0):
    Shift.objects.create(
        organization=org, staff=person, date=day, start_time=time(9), end_time=time(17)
    )
    start = datetime.combine(day, time(9), org.tzinfo) + timedelta(minutes=late_minutes)
    log = ClockLog.objects.create(
        organization=org,
        staff=person,
        clock_in_at=start,
        clock_out_at=datetime.combine(day, time(17, 30), org.tzinfo),
    )
    Break.objects.create(
        log=log,
        started_at=start + timedelta(hours=3),
        ended_at=start + timedelta(hours=3, minutes=30),
    )


@pytest.fixture
def person(org):
    return StaffMemberFactory(organization=org)


def test_a_row_per_shift_and_one_for_a_log_without_shift(api, org, owner, person):
    org.timezone = "Europe/Dublin"
    org.save()
    worked_day(org, person, late_minutes=20)
    ClockLog.objects.create(
        organization=org,
        staff=person,
        clock_in_at=datetime(2026, 6, 2, 10, tzinfo=UTC),
        clock_out_at=datetime(2026, 6, 2, 12, tzinfo=UTC),
    )
    with clock.frozen_at(datetime(2026, 6, 10, tzinfo=UTC)):
        answer = api.as_user(owner).get(url(org), {"date_from": DAY, "date_to": "2026-06-03"})
    assert answer.status_code == 200
    shift_day, loose_day = answer.json()
    assert (shift_day["status"], shift_day["late"], shift_day["early_exit"]) == (
        "present",
        True,
        False,
    )
    # 09:20 to 17:30 less a 30-minute unpaid break; the shift is 8 hours.
    assert (shift_day["worked_minutes"], shift_day["break_minutes"]) == (460, 30)
    assert shift_day["overtime_minutes"] == 0
    assert (loose_day["status"], loose_day["date"], loose_day["worked_minutes"]) == (
        "unscheduled",
        "2026-06-02",
        120,
    )


def test_csv_has_a_header_and_local_times(api, org, owner, person):
    org.timezone = "America/New_York"
    org.save()
    worked_day(org, person)
    answer = api.as_user(owner).get(url(org), {"date_from": DAY, "date_to": DAY, "format": "csv"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(answer.content.decode())))
    assert header[:3] == ["staff_id", "staff_name", "date"]
    values = dict(zip(header, row, strict=True))
    assert (values["clock_in"], values["shift_start"]) == ("2026-06-01 09:00", "09:00")


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-06-01"},
        {"date_from": "2026-06-01", "date_to": "2026-08-02"},
        {"date_from": "2026-06-02", "date_to": "2026-06-01"},
        {"date_from": "2026-06-01", "date_to": "2026-06-02", "format": "xml"},
        {"date_from": "2026-06-01", "date_to": "2026-06-02", "staff": "x"},
    ],
)
def test_bad_ranges_and_parameters_are_400(api, org, owner, params):
    answer = api.as_user(owner).get(url(org), params)
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")


def test_62_days_is_the_limit(api, org, owner):
    answer = api.as_user(owner).get(url(org), {"date_from": DAY, "date_to": "2026-08-01"})
    assert answer.status_code == 200


def test_staff_read_their_own_only(api, org, person):
    other = StaffMemberFactory(organization=org)
    worked_day(org, person)
    worked_day(org, other)
    client = api.as_user(person.user)
    answer = client.get(url(org), {"date_from": DAY, "date_to": DAY})
    assert [row["staff_id"] for row in answer.json()] == [person.pk]
    answer = client.get(url(org), {"date_from": DAY, "date_to": DAY, "staff": other.pk})
    assert answer.status_code == 403


def test_customers_and_outsiders_are_refused(api, org, customer, outsider):
    params = {"date_from": DAY, "date_to": DAY}
    assert api.as_user(customer).get(url(org), params).status_code == 403
    assert api.as_user(outsider).get(url(org), params).status_code == 404


def _queries(api, org, owner, people):
    for _ in range(people):
        person = StaffMemberFactory(organization=org)
        for offset in range(3):
            worked_day(org, person, DAY + timedelta(days=offset))
    client = api.as_user(owner)
    params = {"date_from": DAY, "date_to": DAY + timedelta(days=6)}
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url(org), params)
    assert len(answer.json()) == 3 * people
    return len(queries)


def test_the_query_count_does_not_grow_with_people(api, org, owner, other_org):
    few = _queries(api, org, owner, 3)
    Shift.objects.all().delete()
    ClockLog.objects.all().delete()
    assert _queries(api, org, owner, 10) == few


def test_the_json_rows_are_what_the_serializer_writes(org, person):
    from switchboard.staff.attendance.timesheet import timesheet
    from switchboard.staff.attendance.timesheet_api import TimesheetRowSerializer, json_rows

    org.timezone = "America/New_York"
    org.save()
    other = StaffMemberFactory(organization=org, display_name="Other")
    worked_day(org, person, late_minutes=20)
    worked_day(org, other, DAY + timedelta(days=1))
    Shift.objects.create(  # no log: absent
        organization=org, staff=other, date=DAY, start_time=time(22), end_time=time(6)
    )
    open_log = ClockLog.objects.create(  # still running, with a running break, no shift
        organization=org, staff=person, clock_in_at=datetime(2026, 6, 3, 13, 5, tzinfo=UTC)
    )
    Break.objects.create(log=open_log, started_at=datetime(2026, 6, 3, 14, tzinfo=UTC))
    with clock.frozen_at(datetime(2026, 6, 3, 15, tzinfo=UTC)):
        rows = timesheet(org, DAY, DAY + timedelta(days=2))
    statuses = {(row.staff_id, row.date, row.status, row.break_minutes) for row in rows}
    assert statuses == {
        (person.pk, DAY, "present", 30),
        (person.pk, DAY + timedelta(days=2), "unscheduled", 60),
        (other.pk, DAY, "absent", 0),
        (other.pk, DAY + timedelta(days=1), "present", 30),
    }
    assert json_rows(rows) == TimesheetRowSerializer(rows, many=True).data
