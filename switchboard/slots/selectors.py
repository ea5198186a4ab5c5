"""Reads of the slots app. A slot's booked count is derived from bookings (two queries
for any list: the slots, then their counts)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from switchboard.common.clock import now
from switchboard.common.errors import InvalidInput
from switchboard.slots.models import (
    AvailabilityException,
    BookingSlot,
    ProviderAvailability,
)
from switchboard.slots.policy import policy_of
from switchboard.slots.sources import counts_of

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class SlotRow:
    id: int
    service_id: int
    provider_id: int
    provider_name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    notice_minutes: int
    at: datetime  # when it was read: `available` is as of then

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def available(self) -> bool:
        return self.remaining > 0 and self.starts_at >= self.at + timedelta(
            minutes=self.notice_minutes
        )


def local_day_bounds(organization, first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in the organisation's zone, UTC."""
    zone = organization.tzinfo
    start = datetime.combine(first, datetime.min.time()).replace(tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time()).replace(tzinfo=zone)
    return start, end


def default_range(organization) -> tuple[date, date]:
    today = now().astimezone(organization.tzinfo).date()
    return today, today + timedelta(days=policy_of(organization).days_ahead - 1)


def _range(organization, date_from, date_to) -> tuple[date, date]:
    if date_from is not None and date_to is not None:
        first, last = date_from, date_to  # no need to read the window's settings
    else:
        first, last = default_range(organization)
        first, last = date_from or first, date_to or (date_from or first) + (last - first)
    if last < first:
        raise InvalidInput({"date_to": "The end is before the start."})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput({"date_to": f"Ask for at most {MAX_RANGE_DAYS} days at once."})
    return first, last


def _rows(qs, at) -> list[SlotRow]:
    values = list(
        qs.values_list(
            "pk",
            "service_id",
            "provider_id",
            "provider__display_name",
            "provider__user__username",
            "starts_at",
            "ends_at",
            "capacity",
            "service__min_notice_minutes",
        )
    )
    booked = counts_of(qs) if values else {}
    return [
        SlotRow(pk, svc, prov, name or user, start, end, cap, booked.get(pk, 0), notice, at)
        for pk, svc, prov, name, user, start, end, cap, notice in values
    ]


def slots_list(
    organization,
    *,
    service=None,
    provider=None,
    date_from: date | None = None,
    date_to: date | None = None,
    available: bool | None = None,
) -> list[SlotRow]:
    """Slots whose start falls on the local dates asked (inclusive), in start order."""
    first, last = _range(organization, date_from, date_to)
    start, end = local_day_bounds(organization, first, last)
    qs = BookingSlot.objects.for_org(organization).filter(starts_at__gte=start, starts_at__lt=end)
    if service is not None:
        qs = qs.filter(service=service)
    if provider is not None:
        qs = qs.filter(provider=provider)
    rows = _rows(qs.order_by("starts_at", "provider_id", "service_id"), now())
    if available is not None:
        rows = [row for row in rows if row.available == available]
    return rows


def free_slots(organization, *, service, day: date, provider=None) -> list[SlotRow]:
    """The bookable slots of one local day: what the booking page offers."""
    return slots_list(
        organization, service=service, provider=provider, date_from=day, date_to=day, available=True
    )


def slot_row(slot: BookingSlot) -> SlotRow:
    return _rows(BookingSlot.objects.filter(pk=slot.pk), now())[0]


def slot_get(organization, pk) -> BookingSlot | None:
    return BookingSlot.objects.for_org(organization).select_related("service").filter(pk=pk).first()


def availability_list(organization, *, staff=None, weekday=None):
    qs = ProviderAvailability.objects.for_org(organization).select_related("staff")
    if staff is not None:
        qs = qs.filter(staff=staff)
    if weekday is not None:
        qs = qs.filter(weekday=weekday)
    return qs


def exceptions_list(organization, *, staff=None, date_from=None, date_to=None):
    qs = AvailabilityException.objects.for_org(organization)
    if staff is not None:
        qs = qs.filter(staff=staff)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    return qs
