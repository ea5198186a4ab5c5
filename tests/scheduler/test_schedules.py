from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from switchboard.scheduler.schedules import Continuous, DailyAt, Every, NextDeadline


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_every_runs_at_once_when_never_run_and_catches_up_once():
    hourly = Every(timedelta(hours=1))
    now = utc(2026, 5, 1, 12, 0)
    assert hourly.first_run(None, now) == now
    assert hourly.first_run(now - timedelta(minutes=20), now) == utc(2026, 5, 1, 12, 40)
    # Missed for a day: one run now, not 24.
    assert hourly.first_run(now - timedelta(days=1), now) == now
    assert hourly.next_run(now, now + timedelta(seconds=5)) == utc(2026, 5, 1, 13, 0)
    # A run longer than the interval is followed by the next one at once, never overlapped.
    assert hourly.next_run(now, now + timedelta(hours=2)) == now + timedelta(hours=2)
    assert hourly.describe() == "every 1 h"


def test_daily_keeps_local_wall_time_across_spring_forward():
    # Dublin moves from GMT to IST at 01:00 UTC on 29 March 2026.
    daily = DailyAt(at=time(9, 0), zone="Europe/Dublin")
    before = utc(2026, 3, 28, 9, 30)
    assert daily.after(utc(2026, 3, 27, 10, 0)) == utc(2026, 3, 28, 9, 0)  # 09:00 GMT
    assert daily.after(before) == utc(2026, 3, 29, 8, 0)  # 09:00 IST
    assert daily.after(utc(2026, 3, 29, 8, 0)) == utc(2026, 3, 30, 8, 0)


def test_daily_keeps_local_wall_time_across_fall_back_in_new_york():
    # New York leaves EDT for EST at 06:00 UTC on 1 November 2026.
    daily = DailyAt.parse("03:30", "America/New_York")
    assert daily.after(utc(2026, 10, 31, 8, 0)) == utc(2026, 11, 1, 8, 30)  # 03:30 EST
    assert daily.after(utc(2026, 10, 30, 8, 0)) == utc(2026, 10, 31, 7, 30)  # 03:30 EDT


def test_daily_time_in_the_spring_gap_runs_once_after_the_gap():
    # 01:30 does not exist in Dublin on 29 March 2026: it runs at 02:30 IST, once.
    daily = DailyAt(at=time(1, 30), zone="Europe/Dublin")
    first = daily.after(utc(2026, 3, 28, 12, 0))
    assert first == utc(2026, 3, 29, 1, 30)
    local = first.astimezone(ZoneInfo("Europe/Dublin"))
    assert (local.hour, local.minute, local.tzname()) == (2, 30, "IST")
    assert daily.after(first) == utc(2026, 3, 30, 0, 30)  # 01:30 IST the next night


def test_daily_time_repeated_at_fall_back_runs_once():
    # 01:30 happens twice in Dublin on 25 October 2026 (IST, then GMT): it runs at the first.
    daily = DailyAt(at=time(1, 30), zone="Europe/Dublin")
    first = daily.after(utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)
    assert daily.after(first) == utc(2026, 10, 26, 1, 30)  # not 01:30 UTC the same night


def test_daily_catches_up_a_missed_day_once_and_new_jobs_wait_for_their_time():
    daily = DailyAt.parse("03:30", "UTC")
    now = utc(2026, 6, 10, 12, 0)
    assert daily.first_run(None, now) == utc(2026, 6, 11, 3, 30)
    assert daily.first_run(utc(2026, 6, 10, 3, 30), now) == utc(2026, 6, 11, 3, 30)
    assert daily.first_run(utc(2026, 6, 7, 3, 30), now) == now  # missed: once, now
    assert daily.next_run(now, now) == utc(2026, 6, 11, 3, 30)


def test_daily_refuses_unknown_zone_and_bad_time():
    with pytest.raises(Exception, match="Nowhere"):
        DailyAt(at=time(1, 0), zone="Mars/Nowhere")
    with pytest.raises(ValueError):
        DailyAt.parse("25:99")


def test_continuous_polls_and_catches_up_at_once():
    relay = Continuous(poll=timedelta(milliseconds=250))
    now = utc(2026, 5, 1, 12, 0)
    assert relay.first_run(now - timedelta(days=3), now) == now
    assert relay.next_run(now, now + timedelta(seconds=1)) == now + timedelta(seconds=1.25)


def test_next_deadline_waits_for_the_deadline_but_never_longer_than_max_wait():
    now = utc(2026, 5, 1, 12, 0)
    deadlines = iter([None, now + timedelta(milliseconds=300), now + timedelta(hours=1), now])
    expiry = NextDeadline(deadline=lambda: next(deadlines), max_wait=timedelta(seconds=1))
    assert expiry.first_run(None, now) == now
    assert expiry.next_run(now, now) == now + timedelta(seconds=1)  # nothing pending
    assert expiry.next_run(now, now) == now + timedelta(milliseconds=300)
    assert expiry.next_run(now, now) == now + timedelta(seconds=1)  # far away: look again
    later = now + timedelta(seconds=2)
    assert expiry.next_run(later, later) == later  # already passed: at once
