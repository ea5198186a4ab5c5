"""A 22:00-06:00 shift across the DST change counts 7 or 9 worked hours, on its start day."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from switchboard.common import clock
from switchboard.staff.attendance import roster, selectors, services
from tests.staff.factories import StaffMemberFactory

ONE_DAY = timedelta(days=1)
CASES = [
    ("Europe/Dublin", date(2026, 3, 28), 7 * 60),
    ("Europe/Dublin", date(2026, 10, 24), 9 * 60),
    ("America/New_York", date(2026, 3, 7), 7 * 60),
    ("America/New_York", date(2026, 10, 31), 9 * 60),
    ("Asia/Kolkata", date(2026, 3, 28), 8 * 60),
]


@pytest.mark.parametrize(("zone", "day", "minutes"), CASES)
def test_a_night_shift_across_dst(org, owner, zone, day, minutes):
    org.timezone = zone
    org.save()
    me = StaffMemberFactory(organization=org)
    shift = roster.shift_create(
        organization=org,
        acting_user=owner,
        staff=me,
        date=day,
        start_time=time(22),
        end_time=time(6),
    )
    start, end = selectors.shift_window(shift, ZoneInfo(zone))
    assert start == datetime.combine(day, time(22), ZoneInfo(zone))
    with clock.frozen_at(start):
        services.staff_clock_in(organization=org, acting_user=me.user)
    with clock.frozen_at(end):
        services.staff_clock_out(organization=org, acting_user=me.user)
        [row] = selectors.roster_attendance(org, day, day)
        assert selectors.roster_attendance(org, day + ONE_DAY, day + ONE_DAY) == []
    assert (row.status, row.worked_minutes, row.late, row.early_exit) == (
        "present",
        minutes,
        False,
        False,
    )
    assert row.overtime_minutes == 0 and row.shift.date == day


def test_late_early_half_day_absent_and_overtime(org, owner):
    me, absent = StaffMemberFactory(organization=org), StaffMemberFactory(organization=org)
    zone = org.tzinfo
    day = date(2026, 6, 1)
    for person in (me, absent):
        roster.shift_create(
            organization=org,
            acting_user=owner,
            staff=person,
            date=day,
            start_time=time(9),
            end_time=time(17),
        )
    with clock.frozen_at(datetime(2026, 6, 1, 9, 20, tzinfo=zone)):
        services.staff_clock_in(organization=org, acting_user=me.user)
    with clock.frozen_at(datetime(2026, 6, 1, 12, 0, tzinfo=zone)):
        services.staff_clock_out(organization=org, acting_user=me.user)
        rows = {row.shift.staff_id: row for row in selectors.roster_attendance(org, day, day)}
        assert rows[absent.pk].status == "upcoming"
    with clock.frozen_at(datetime(2026, 6, 1, 18, 0, tzinfo=zone)):
        rows = {row.shift.staff_id: row for row in selectors.roster_attendance(org, day, day)}
    mine = rows[me.pk]
    assert (mine.status, mine.late, mine.early_exit, mine.worked_minutes) == (
        "half_day",
        True,
        True,
        160,
    )
    assert rows[absent.pk].status == "absent"
