"""Hypothesis: for random rules, exceptions, bookings and settings, the slots maintenance
writes equal a plain reference computation, and a second run changes nothing."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.bookings.models import Booking
from switchboard.common.clock import frozen_at
from switchboard.slots.models import AvailabilityException, BookingSlot, ProviderAvailability
from tests.slots.support import maintain, offering, set_zone

ZONES = ["Europe/Dublin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
# The day before the 2026 changes in Europe and America (and one quiet day), so that
# most examples cross one; Lord Howe moves by half an hour on 5 April and 4 October.
MOMENTS = [
    datetime(2026, 3, 7, tzinfo=UTC),
    datetime(2026, 3, 28, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2026, 10, 31, tzinfo=UTC),
    datetime(2026, 6, 1, tzinfo=UTC),
]

quarter = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
windows = st.lists(st.tuples(st.integers(0, 6), quarter, quarter), max_size=5)
shapes = st.fixed_dictionaries(
    {
        "duration_minutes": st.sampled_from([30, 45, 60, 90]),
        "slot_interval_minutes": st.sampled_from([None, 15, 30, 60]),
        "buffer_before_minutes": st.sampled_from([0, 15, 30]),
        "buffer_after_minutes": st.sampled_from([0, 10, 30]),
        "min_notice_minutes": st.sampled_from([0, 60, 600]),
        "horizon_days": st.sampled_from([None, 1, 3, 20]),
    }
)
exceptions = st.lists(
    st.tuples(st.integers(-1, 9), st.booleans(), st.one_of(st.none(), st.tuples(quarter, quarter))),
    max_size=3,
)
bookings = st.lists(st.tuples(st.integers(0, 9 * 96), st.sampled_from([30, 60, 120])), max_size=4)


def reference(zone, now, days, rules, own, holidays, shape, busy):
    """Slots by the definition, written plainly: every window of every date, each wall
    time step that exists, fits its window, is clear of every booking, notice, horizon."""
    duration = timedelta(minutes=shape["duration_minutes"])
    step = timedelta(minutes=shape["slot_interval_minutes"] or shape["duration_minutes"])
    before = timedelta(minutes=shape["buffer_before_minutes"])
    after = timedelta(minutes=shape["buffer_after_minutes"])
    today = now.astimezone(zone).date()
    found = set()
    for n in range(-1, days):
        day = today + timedelta(days=n)
        if shape["horizon_days"] is not None and n >= shape["horizon_days"]:
            continue
        if day in own:
            hours = [own[day]] if own[day] else []
        elif day in holidays:
            hours = [holidays[day]] if holidays[day] else []
        else:
            hours = [(s, e) for weekday, s, e in rules if weekday == day.weekday()]
        for start, end in hours:
            wall = datetime.combine(day, start)
            end_day = day + timedelta(days=1) if end <= start else day
            last = datetime.combine(end_day, end).replace(tzinfo=zone).astimezone(UTC)
            while wall < datetime.combine(end_day, end):
                first = wall.replace(tzinfo=zone).astimezone(UTC)
                real = first.astimezone(zone).replace(tzinfo=None) == wall
                finish = first + duration
                if real and finish > last:
                    break
                clear = all(not (lo < finish + after and hi > first - before) for lo, hi in busy)
                if real and clear and first >= now + timedelta(minutes=shape["min_notice_minutes"]):
                    found.add((first, finish))
                wall += step
    return found


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    moment=st.sampled_from(MOMENTS),
    hour=st.integers(0, 23),
    rules=windows,
    shape=shapes,
    days=st.integers(1, 8),
    dates=exceptions,
    booked=bookings,
)
def test_generated_slots_equal_the_reference(
    org, zone, moment, hour, rules, shape, days, dates, booked
):
    with transaction.atomic():
        set_zone(org, zone)
        tz = ZoneInfo(zone)
        now = moment + timedelta(hours=hour)
        provider, service = offering(org, **shape)
        for weekday, start, end in rules:
            ProviderAvailability.objects.get_or_create(
                organization=org,
                staff=provider,
                weekday=weekday,
                start_time=start,
                defaults={"end_time": end},
            )
        rules = list(
            ProviderAvailability.objects.filter(staff=provider).values_list(
                "weekday", "start_time", "end_time"
            )
        )
        today = now.astimezone(tz).date()
        own, holidays = {}, {}
        for offset, everyone, hours in dates:
            day = today + timedelta(days=offset)
            target = holidays if everyone else own
            if day in target:
                continue
            target[day] = hours
            AvailabilityException.objects.create(
                organization=org,
                staff=None if everyone else provider,
                date=day,
                is_off=hours is None,
                start_time=hours[0] if hours else None,
                end_time=hours[1] if hours else None,
            )
        busy = []
        for minutes, length in booked:
            start = datetime.combine(today, time()).replace(tzinfo=tz) + timedelta(minutes=minutes)
            end = start + timedelta(minutes=length)
            Booking.objects.create(
                organization=org,
                service=service,
                workflow="standard",
                status="confirmed",
                starts_at=start,
                ends_at=end,
                assignee=provider,
                customer_name="Someone",
            )
            busy.append(
                (
                    start - timedelta(minutes=service.buffer_before_minutes),
                    end + timedelta(minutes=service.buffer_after_minutes),
                )
            )
        with frozen_at(now):
            maintain(org, days_ahead=days)
            written = set(
                BookingSlot.objects.filter(provider=provider).values_list("starts_at", "ends_at")
            )
            again = maintain(org, days_ahead=days)
            full = maintain(org, days_ahead=days, full=True)
        expected = reference(tz, now, days, rules, own, holidays, shape, busy)
        assert written == expected
        assert not again.changes.changed and not full.changes.changed
        transaction.set_rollback(True)
