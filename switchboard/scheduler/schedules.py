"""When a job is due. Every schedule answers two questions in aware UTC datetimes:

- `first_run(last_run, now)`: when a newly elected leader should first run the job, given
  the start of its last recorded run (None if it never ran). A run missed while no process
  led is caught up once, at once; never replayed once per missed occurrence.
- `next_run(started, finished)`: when to run again after a run.

Continuous and deadline jobs also wake early: `Runner.wake(name)` makes a job due now.
"""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils.dateparse import parse_time


@dataclass(frozen=True)
class Every:
    """A fixed interval between the starts of runs (e.g. hourly)."""

    interval: timedelta

    def first_run(self, last_run: datetime | None, now: datetime) -> datetime:
        if last_run is None:
            return now
        return max(now, last_run + self.interval)

    def next_run(self, started: datetime, finished: datetime) -> datetime:
        return max(finished, started + self.interval)

    def describe(self) -> str:
        return f"every {_seconds(self.interval)}"


@dataclass(frozen=True)
class DailyAt:
    """Once a day at a local wall time in an IANA zone, so 03:30 stays 03:30 across DST.

    On the night clocks go forward a wall time that does not exist runs at the same
    distance after the gap (02:30 becomes 03:30); on the night they go back it runs once,
    at the first of the two 01:30s.
    """

    at: time
    zone: str = "UTC"

    def __post_init__(self):
        zoneinfo.ZoneInfo(self.zone)  # an unknown zone fails at registration, not at 03:30

    @classmethod
    def parse(cls, hhmm: str, zone: str = "UTC") -> "DailyAt":
        parsed = parse_time(hhmm)
        if parsed is None:
            raise ValueError(f"'{hhmm}' is not a time of day (HH:MM)")
        return cls(at=parsed, zone=zone)

    def occurrence(self, day: date) -> datetime:
        """The UTC instant of this wall time on `day` in the zone."""
        local = datetime.combine(day, self.at, tzinfo=zoneinfo.ZoneInfo(self.zone))
        # A wall time inside a spring-forward gap does not round-trip; fold=0 reads it
        # with the offset before the change, which lands it the gap's length later.
        return local.astimezone(UTC)

    def after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment`."""
        day = moment.astimezone(zoneinfo.ZoneInfo(self.zone)).date() - timedelta(days=1)
        while True:
            candidate = self.occurrence(day)
            if candidate > moment:
                return candidate
            day += timedelta(days=1)

    def first_run(self, last_run: datetime | None, now: datetime) -> datetime:
        if last_run is None:
            return self.after(now)
        return max(now, self.after(last_run))

    def next_run(self, started: datetime, finished: datetime) -> datetime:
        return self.after(max(started, finished))

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M} {self.zone}"


@dataclass(frozen=True)
class Continuous:
    """Runs whenever woken (e.g. the relay after a commit), and polls as a fallback."""

    poll: timedelta

    def first_run(self, last_run: datetime | None, now: datetime) -> datetime:
        return now  # catch up on whatever waited while no process led

    def next_run(self, started: datetime, finished: datetime) -> datetime:
        return finished + self.poll

    def describe(self) -> str:
        return f"continuous, nudged; polls every {_seconds(self.poll)}"


@dataclass(frozen=True)
class NextDeadline:
    """Runs at the next deadline `deadline()` reports (None: none pending), and at least
    every `max_wait`, so a deadline created after the last look is met within `max_wait`.
    """

    deadline: Callable[[], datetime | None]
    max_wait: timedelta

    def first_run(self, last_run: datetime | None, now: datetime) -> datetime:
        return now  # catch up on deadlines that passed while no process led

    def next_run(self, started: datetime, finished: datetime) -> datetime:
        latest = finished + self.max_wait
        upcoming = self.deadline()
        return latest if upcoming is None else max(finished, min(upcoming, latest))

    def describe(self) -> str:
        return f"at the next deadline, at least every {_seconds(self.max_wait)}"


Schedule = Every | DailyAt | Continuous | NextDeadline


def _seconds(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"
