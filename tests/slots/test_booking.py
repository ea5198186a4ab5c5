"""Booking a slot, and what maintenance does with booked slots."""

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.bookings import services as bookings
from switchboard.bookings.models import Booking
from switchboard.common.clock import advance, frozen_at
from switchboard.common.errors import Conflict, Forbidden
from switchboard.slots import availability
from switchboard.slots.models import BookingSlot
from tests.slots.support import every_day, local, local_starts, maintain, offering, weekly

MONDAY = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def slot_at(org, text, service=None):
    found = BookingSlot.objects.filter(organization=org, starts_at=local(org, text))
    return found.get(service=service) if service else found.get()


def take(org, slot, by, **kwargs):
    kwargs.setdefault("customer_name", "Walk-in")
    return bookings.booking_create(organization=org, slot=slot, acting_user=by, **kwargs)


def test_a_booked_slot_survives_the_removal_of_its_availability(org, owner, capture_events):
    events = capture_events()
    provider, _service = offering(org)
    with frozen_at(MONDAY):
        window = weekly(org, provider, 0, "09:00", "12:00")
        maintain(org, days_ahead=1)
        slot = slot_at(org, "2026-06-01 10:00")
        booking = take(org, slot, owner)
        changes = availability.availability_delete(availability=window, acting_user=owner)
        assert (changes.removed, changes.conflicts, changes.conflict_slots) == (2, 1, [slot.pk])
        assert local_starts(org) == ["2026-06-01 10:00"]
        slot.refresh_from_db()
        assert slot.conflict_since == MONDAY and booking.slot_id == slot.pk
        again = maintain(org, days_ahead=1)
        assert not again.changes.changed and again.changes.conflict_slots == [slot.pk]
    [_first_run, event] = events.named("slots-maintained")
    assert (event.payload["removed"], event.payload["conflicts"]) == (2, 1)


def test_expired_booked_slot_stays_until_force_cleanup_which_keeps_the_booking(org, owner):
    provider, _service = offering(org)
    every_day(org, provider, "09:00", "11:00")
    with frozen_at(MONDAY):
        maintain(org, days_ahead=1)
        booking = take(org, slot_at(org, "2026-06-01 09:00"), owner)
        advance(timedelta(days=1))
        report = maintain(org, days_ahead=1)
        assert report.changes.expired == 1  # the unbooked 10:00; the booked 09:00 stays
        assert BookingSlot.objects.filter(pk=booking.slot_id).exists()
        dry = maintain(org, days_ahead=1, force_cleanup=True, dry_run=True)
        assert dry.changes.expired == 1 and BookingSlot.objects.filter(pk=booking.slot_id).exists()
        forced = maintain(org, days_ahead=1, force_cleanup=True)
    assert forced.changes.expired == 1
    booking.refresh_from_db()
    assert booking.slot_id is None
    assert booking.starts_at == local(org, "2026-06-01 09:00")
    assert booking.ends_at == local(org, "2026-06-01 10:00")


def test_a_full_slot_is_a_409_and_nothing_is_written(org, owner):
    provider, _service = offering(org, slot_capacity=2)
    weekly(org, provider, 0, "09:00", "10:00")
    with frozen_at(MONDAY):
        maintain(org, days_ahead=1)
        slot = slot_at(org, "2026-06-01 09:00")
        take(org, slot, owner)
        take(org, slot, owner)
        with pytest.raises(Conflict, match="full") as refused:
            take(org, slot, owner)
    assert refused.value.extra == {"slot_id": slot.pk, "capacity": 2, "booked": 2}
    assert Booking.objects.filter(slot=slot).count() == 2


def test_a_cancelled_booking_gives_its_seat_back(org, owner, capture_events):
    events = capture_events()
    provider, _service = offering(org)
    weekly(org, provider, 0, "09:00", "10:00")
    with frozen_at(MONDAY):
        maintain(org, days_ahead=1)
        slot = slot_at(org, "2026-06-01 09:00")
        booking = take(org, slot, owner)
        bookings.booking_transition(booking=booking, status="cancelled", acting_user=owner)
        take(org, slot, owner)
    seats = [(e.payload["booked"], e.payload["available"]) for e in events.named("slot-updated")]
    assert seats == [(1, False), (0, True), (1, False)]


def test_a_customer_books_for_themselves_only(org, customer):
    provider, _service = offering(org)
    weekly(org, provider, 0, "09:00", "10:00")
    with frozen_at(MONDAY):
        maintain(org, days_ahead=1)
        slot = slot_at(org, "2026-06-01 09:00")
        with pytest.raises(Forbidden):
            take(org, slot, customer, notes="VIP")
        booking = take(org, slot, customer, customer_name="Someone else")
    assert booking.customer == customer and booking.assignee is None


def test_started_or_too_near_slots_cannot_be_booked(org, owner):
    provider, _service = offering(org, min_notice_minutes=60)
    weekly(org, provider, 0, "09:00", "12:00")
    with frozen_at(MONDAY):
        maintain(org, days_ahead=1)
    with frozen_at(local(org, "2026-06-01 09:30")), pytest.raises(Conflict, match="no longer"):
        take(org, slot_at(org, "2026-06-01 10:00"), owner)


def test_a_provider_busy_with_another_service_is_a_409(org, owner):
    provider, wash = offering(org)
    _, polish = offering(org, name="Polish", duration_minutes=30)
    polish.providers.set([provider])
    weekly(org, provider, 0, "09:00", "11:00")
    with frozen_at(MONDAY):
        maintain(org, days_ahead=1)
        take(org, slot_at(org, "2026-06-01 09:00", wash), owner)
        other = slot_at(org, "2026-06-01 09:30", polish)
        with pytest.raises(Conflict, match="busy"):
            take(org, other, owner)
        # The next run removes the polish slots the wash booking now blocks.
        report = maintain(org, days_ahead=1)
    assert report.changes.removed == 2
