"""Slot generation: local wall-time rules to UTC slots. Pure functions, no database.

Rules are anchored to calendar dates in the organisation's zone, never to the last row
written, so 09:00 every Monday stays 09:00 local across DST. docs/slots.md, "Generation".
"""

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Window = tuple[time, time]


@dataclass(frozen=True)
class Rules:
    """One provider's availability: weekly windows and the dates that differ.

    `own_days` and `org_days` map a date to None (off) or its hours that day; the staff
    member's own exception wins over the organisation's (someone may work a holiday).
    """

    weekly: dict[int, list[Window]]
    own_days: dict[date, Window | None]
    org_days: dict[date, Window | None]

    def windows_on(self, day: date) -> list[Window]:
        if day in self.own_days:
            hours = self.own_days[day]
            return [] if hours is None else [hours]
        if day in self.org_days:
            hours = self.org_days[day]
            return [] if hours is None else [hours]
        return self.weekly.get(day.weekday(), [])


@dataclass(frozen=True)
class Shape:
    """What a service asks of a slot (minutes); horizon in local calendar days."""

    duration: int
    interval: int
    before: int = 0
    after: int = 0
    notice: int = 0
    horizon_days: int | None = None


@dataclass(frozen=True)
class Busy:
    """Time a provider is taken, buffers included; `slot_key` is the start of the slot
    (of the same service) that holds the booking, whose own bookings never block it."""

    lo: datetime
    hi: datetime
    service_id: int | None = None
    slot_start: datetime | None = None


def local_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive local wall time, or None inside a spring-forward gap.
    A wall time that occurs twice (fall-back) is its first occurrence (fold=0)."""
    aware = wall.replace(tzinfo=zone)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def window_bounds(day: date, window: Window, zone: ZoneInfo) -> tuple[datetime, datetime, datetime]:
    """(naive local start, naive local end, UTC end) of a window starting on `day`.

    An end at or before the start is on the next day. An end inside a gap is read with
    the offset before the change (it lands the gap's length later), like the scheduler.
    """
    start, end = window
    start_wall = datetime.combine(day, start)
    end_wall = datetime.combine(day + timedelta(days=1) if end <= start else day, end)
    return start_wall, end_wall, end_wall.replace(tzinfo=zone).astimezone(UTC)


def starts_in_window(
    day: date, window: Window, zone: ZoneInfo, shape: Shape
) -> Iterable[tuple[datetime, datetime]]:
    """(start, end) in UTC for each wall-time step of the window whose slot fits in it."""
    start_wall, end_wall, end_utc = window_bounds(day, window, zone)
    step = timedelta(minutes=shape.interval)
    duration = timedelta(minutes=shape.duration)
    first = local_instant(start_wall, zone)
    same_offset = (
        start_wall.replace(tzinfo=zone).utcoffset() == end_wall.replace(tzinfo=zone).utcoffset()
    )
    if first is not None and same_offset:
        # No change of offset inside the window (the usual case): wall-time steps are
        # UTC steps, no zone lookup per slot.
        span, elapsed = end_wall - start_wall, timedelta(0)
        while elapsed < span:
            instant = first + elapsed
            finish = instant + duration
            if finish > end_utc:
                break
            yield instant, finish
            elapsed += step
        return
    wall = start_wall
    while wall < end_wall:
        instant = local_instant(wall, zone)
        if instant is not None:
            finish = instant + duration
            if finish > end_utc:
                break
            yield instant, finish
        wall += step


def _blocked(lo: datetime, hi: datetime, busy: list[Busy], his: list[datetime], skip) -> bool:
    # `busy` is sorted by `hi`; only intervals ending after `lo` can overlap.
    for item in busy[bisect_left(his, lo) :]:
        if item.hi <= lo:
            continue
        if item.lo < hi and (item.service_id, item.slot_start) != skip:
            return True
    return False


@dataclass(frozen=True)
class Candidate:
    starts_at: datetime
    ends_at: datetime
    day: date  # the local date of the window it comes from


def generate(
    *,
    rules: Rules,
    shape: Shape,
    service_id: int,
    zone: ZoneInfo,
    days: Iterable[date],
    busy: list[Busy],
    now: datetime,
    today: date,
) -> list[Candidate]:
    """Every slot the rules give on `days` (windows starting those dates), after
    `now + notice`, within the horizon, and clear of `busy` (sorted by `hi`)."""
    earliest = now + timedelta(minutes=shape.notice)
    last_day = None if shape.horizon_days is None else today + timedelta(shape.horizon_days - 1)
    before, after = timedelta(minutes=shape.before), timedelta(minutes=shape.after)
    his = [item.hi for item in busy]
    found, seen = [], set()
    for day in days:
        if last_day is not None and day > last_day:
            break
        for window in rules.windows_on(day):
            for start, end in starts_in_window(day, window, zone, shape):
                if start < earliest or start in seen:
                    continue
                if busy and _blocked(start - before, end + after, busy, his, (service_id, start)):
                    continue
                seen.add(start)
                found.append(Candidate(start, end, day))
    return found


def date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
