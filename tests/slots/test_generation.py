"""The named cases of issue 12: DST, +05:30, past midnight, buffers, notice, horizon."""

from datetime import UTC, date, datetime

import pytest

from switchboard.common.clock import frozen_at
from switchboard.slots.models import BookingSlot
from tests.bookings.factories import book
from tests.slots.support import (
    day_off,
    every_day,
    hours,
    local,
    local_starts,
    maintain,
    offering,
    set_zone,
    weekly,
)


def test_dublin_spring_forward_keeps_nine_to_five_local(org):
    set_zone(org, "Europe/Dublin")
    provider, _service = offering(org)
    weekly(org, provider, 5, "09:00", "17:00")  # Saturday 28 March: GMT
    weekly(org, provider, 6, "09:00", "17:00")  # Sunday 29 March: clocks go forward at 01:00
    with frozen_at(datetime(2026, 3, 27, 12, 0, tzinfo=UTC)):
        report = maintain(org, days_ahead=3)
    assert local_starts(org) == hours("2026-03-28", 9, 16) + hours("2026-03-29", 9, 16)
    utc = [s.starts_at.astimezone(UTC).hour for s in BookingSlot.objects.order_by("starts_at")]
    assert utc == list(range(9, 17)) + list(range(8, 16))
    assert report.changes.created == 16


def test_a_start_in_the_spring_forward_gap_does_not_exist(org):
    set_zone(org, "Europe/Dublin")
    provider, _service = offering(org)
    weekly(org, provider, 6, "00:30", "03:30")  # 01:00-02:00 does not exist that night
    with frozen_at(datetime(2026, 3, 28, 12, 0, tzinfo=UTC)):
        maintain(org, days_ahead=2)
    assert local_starts(org) == ["2026-03-29 00:30", "2026-03-29 02:30"]
    ends = [s.ends_at.astimezone(UTC) for s in BookingSlot.objects.order_by("starts_at")]
    assert ends == [
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=UTC),
    ]


def test_new_york_fall_back_keeps_nine_to_five_local(org):
    set_zone(org, "America/New_York")
    provider, _service = offering(org)
    weekly(org, provider, 5, "09:00", "17:00")  # Saturday 31 October: EDT
    weekly(org, provider, 6, "09:00", "17:00")  # Sunday 1 November: back to EST at 02:00
    with frozen_at(datetime(2026, 10, 30, 12, 0, tzinfo=UTC)):
        maintain(org, days_ahead=3)
    assert local_starts(org) == hours("2026-10-31", 9, 16) + hours("2026-11-01", 9, 16)
    utc = [s.starts_at.astimezone(UTC).hour for s in BookingSlot.objects.order_by("starts_at")]
    assert utc == list(range(13, 21)) + list(range(14, 22))


def test_new_york_spring_forward_and_dublin_fall_back(org, other_org):
    set_zone(org, "America/New_York")
    provider, _ = offering(org)
    weekly(org, provider, 6, "09:00", "17:00")  # Sunday 8 March 2026: EDT from 02:00
    set_zone(other_org, "Europe/Dublin")
    other, _ = offering(other_org)
    weekly(other_org, other, 6, "09:00", "17:00")  # Sunday 25 October 2026: GMT from 02:00
    with frozen_at(datetime(2026, 3, 7, 12, 0, tzinfo=UTC)):
        maintain(org, days_ahead=2)
    with frozen_at(datetime(2026, 10, 24, 12, 0, tzinfo=UTC)):
        maintain(other_org, days_ahead=2)
    assert local_starts(org) == hours("2026-03-08", 9, 16)
    assert local_starts(other_org) == hours("2026-10-25", 9, 16)


def test_a_window_across_the_fall_back_hour_steps_in_wall_time(org):
    set_zone(org, "Europe/Dublin")
    provider, _service = offering(org)
    weekly(org, provider, 6, "00:00", "04:00")  # Sunday 25 October: 02:00 IST is 01:00 GMT
    with frozen_at(datetime(2026, 10, 24, 12, 0, tzinfo=UTC)):
        maintain(org, days_ahead=2)
    # Five real hours, four slots on the hour of the wall clock; 01:00 is its first time.
    assert local_starts(org) == hours("2026-10-25", 0, 3)
    utc = [s.starts_at.astimezone(UTC).hour for s in BookingSlot.objects.order_by("starts_at")]
    assert utc == [23, 0, 2, 3]


def test_kolkata_half_hour_offset(org):
    set_zone(org, "Asia/Kolkata")
    provider, _service = offering(org)
    weekly(org, provider, 0, "09:00", "12:00")
    with frozen_at(datetime(2026, 6, 1, 0, 0, tzinfo=UTC)):  # Monday 05:30 in Kolkata
        maintain(org, days_ahead=1)
    assert local_starts(org) == hours("2026-06-01", 9, 11)
    first = BookingSlot.objects.order_by("starts_at").first()
    assert first.starts_at == datetime(2026, 6, 1, 3, 30, tzinfo=UTC)


def test_a_window_past_midnight_gives_slots_on_both_dates(org):
    provider, _service = offering(org)
    weekly(org, provider, 4, "18:00", "02:00")  # Friday evening into Saturday
    with frozen_at(datetime(2026, 6, 5, 8, 0, tzinfo=UTC)):  # Friday morning
        maintain(org, days_ahead=1)
    assert local_starts(org) == hours("2026-06-05", 18, 23) + hours("2026-06-06", 0, 1)


def test_yesterdays_window_past_midnight_still_holds_this_morning(org):
    provider, _service = offering(org)
    every_day(org, provider, "22:00", "03:00")
    with frozen_at(local(org, "2026-06-06 00:30")):
        maintain(org, days_ahead=1)
        assert local_starts(org)[:2] == ["2026-06-06 01:00", "2026-06-06 02:00"]
        assert maintain(org, days_ahead=1).changes.as_dict()["created"] == 0


def test_buffers_add_up_between_two_bookings(org, owner):
    provider, service = offering(
        org,
        duration_minutes=30,
        slot_interval_minutes=15,
        buffer_before_minutes=15,
        buffer_after_minutes=30,
    )
    weekly(org, provider, 0, "11:00", "17:00")  # Monday 1 June 2026
    with frozen_at(datetime(2026, 5, 31, 12, 0, tzinfo=UTC)):
        book(org, service, owner, at=local(org, "2026-06-01 12:30"), assignee=provider)
        book(org, service, owner, at=local(org, "2026-06-01 14:30"), assignee=provider)
        maintain(org, days_ahead=3)
    # The 90 minutes between 13:00 and 14:30 hold 15 before + 30 + 30 after, but not the
    # bookings' own 30 after and 15 before as well: nothing fits in between. Before the
    # first booking a slot and its 30 after must end by 12:15 (its 15 before); after the
    # last one the slot's 15 before must start after 15:30 (its 30 after).
    day = "2026-06-01"
    assert local_starts(org) == [f"{day} {t}" for t in ("11:00", "11:15")] + [
        f"{day} {t}" for t in ("15:45", "16:00", "16:15", "16:30")
    ]


def test_minimum_notice_and_horizon(org):
    provider, _service = offering(org, min_notice_minutes=120, horizon_days=2)
    every_day(org, provider, "09:00", "17:00")
    with frozen_at(local(org, "2026-06-01 10:15")):
        maintain(org, days_ahead=5)
    starts = local_starts(org)
    assert starts[0] == "2026-06-01 13:00"  # 10:15 + 2 h, then the next start
    assert starts[-1] == "2026-06-02 16:00"  # today and tomorrow only


def test_holiday_and_other_hours(org):
    provider, _service = offering(org)
    every_day(org, provider, "09:00", "12:00")
    day_off(org, date(2026, 6, 2))  # everyone's holiday
    day_off(org, date(2026, 6, 3), staff=provider, hours=("14:00", "16:00"))
    with frozen_at(local(org, "2026-06-01 00:00")):
        maintain(org, days_ahead=3)
    assert local_starts(org) == hours("2026-06-01", 9, 11) + hours("2026-06-03", 14, 15)


@pytest.mark.parametrize("zone", ["Europe/Dublin", "America/New_York", "Asia/Kolkata"])
def test_a_second_run_changes_nothing(org, zone):
    set_zone(org, zone)
    provider, _service = offering(org, slot_interval_minutes=45)
    every_day(org, provider, "20:00", "04:00")
    with frozen_at(datetime(2026, 3, 5, 12, 0, tzinfo=UTC)):
        first = maintain(org, days_ahead=40)
        again = maintain(org, days_ahead=40)
        full = maintain(org, days_ahead=40, full=True)
    assert first.changes.created > 0
    assert not again.changes.changed and not full.changes.changed


def test_changing_a_services_slot_settings_regenerates_at_once(org, owner):
    from switchboard.catalog import services as catalog

    provider, service = offering(org)
    weekly(org, provider, 0, "09:00", "12:00")
    with frozen_at(datetime(2026, 5, 31, 12, 0, tzinfo=UTC)):
        maintain(org, days_ahead=2)
        assert local_starts(org) == hours("2026-06-01", 9, 11)
        catalog.service_update(service=service, slot_interval_minutes=30, acting_user=owner)
        # The regeneration uses the configured window (30 days): five Mondays.
        first = [s for s in local_starts(org) if s.startswith("2026-06-01")]
        assert first == [f"2026-06-01 {t}" for t in ("09:00", "09:30", "10:00", "10:30", "11:00")]
        catalog.service_update(service=service, slot_capacity=4, acting_user=owner)
        assert set(BookingSlot.objects.values_list("capacity", flat=True)) == {4}
        catalog.service_update(service=service, is_active=False, acting_user=owner)
    assert not BookingSlot.objects.exists()
