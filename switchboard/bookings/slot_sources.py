"""What the slots app learns from bookings, registered on its hook lists
(`slots.sources`) from `BookingsConfig.ready()`: who is busy when, and how many seats of a
slot are taken. Both follow from active bookings only: a cancelled booking frees both."""

from datetime import timedelta

from django.db.models import Count, Q

from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import active_bookings
from switchboard.slots import sources
from switchboard.slots.generation import Busy


def busy_intervals(organization, staff_ids, start, end, into: dict) -> None:
    ids = set(staff_ids)
    qs = Booking.objects.for_org(organization).filter(
        active_bookings(), Q(assignee_id__in=ids) | Q(slot__provider_id__in=ids), ends_at__gt=start
    )
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    rows = qs.values_list(
        "assignee_id",
        "slot__provider_id",
        "slot__service_id",
        "slot__starts_at",
        "starts_at",
        "ends_at",
        "service__buffer_before_minutes",
        "service__buffer_after_minutes",
    )
    for assignee, provider, slot_service, slot_start, starts, ends, before, after in rows:
        busy = Busy(
            lo=starts - timedelta(minutes=before),
            hi=ends + timedelta(minutes=after),
            service_id=slot_service,
            slot_start=slot_start,
        )
        for who in {assignee, provider} & ids:
            into.setdefault(who, []).append(busy)


def booked_counts(slots, into: dict) -> None:
    rows = (
        Booking.objects.filter(active_bookings(), slot__in=slots.values("pk"))
        .values("slot_id")
        .annotate(n=Count("pk"))
        .values_list("slot_id", "n")
    )
    into.update(rows)


def register() -> None:
    sources.busy_intervals.register(busy_intervals)
    sources.booked_counts.register(booked_counts)
