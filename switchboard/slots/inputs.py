"""What a maintenance run reads before it plans: the (service, provider) pairs, each
provider's rules, the bookings that keep them busy. A handful of queries per run."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from switchboard.catalog.models import Service, Workflow
from switchboard.catalog.selectors import qualified_pairs
from switchboard.slots.generation import Busy, Rules, Shape
from switchboard.slots.models import AvailabilityException, ProviderAvailability, SlotWindow
from switchboard.slots.sources import busy_of


def shape_of(service: Service) -> Shape:
    return Shape(
        duration=service.duration_minutes,
        interval=service.interval_minutes,
        before=service.buffer_before_minutes,
        after=service.buffer_after_minutes,
        notice=service.min_notice_minutes,
        horizon_days=service.horizon_days,
    )


@dataclass
class Pair:
    service: Service
    provider_id: int
    provider_name: str
    valid: bool  # false: the service or the provider no longer offers slots
    window: SlotWindow | None = None


@dataclass
class Inputs:
    pairs: list[Pair]
    rules: dict[int, Rules]
    busy: dict[int, list[Busy]] = field(default_factory=dict)


# Slots are times with a person: standalone appointments and home services. Reservations,
# sessions and add-ons are booked against resources or other bookings, not slots.
SLOT_WORKFLOWS = (Workflow.STANDARD, Workflow.HOME_SERVICE)


def _services(organization, service):
    qs = Service.objects.for_org(organization).filter(workflow__in=SLOT_WORKFLOWS)
    if service is not None:
        qs = qs.filter(pk=service.pk)
    return list(qs)


def load_pairs(organization, *, service=None, provider=None) -> list[Pair]:
    """Every pair that offers slots, and every pair that had slots and no longer does."""
    pairs: dict[tuple[int, int], Pair] = {}
    active = [svc for svc in _services(organization, service) if svc.is_active]
    offered = qualified_pairs(organization, active, staff=provider)
    for svc in active:
        for pk, name in offered[svc.pk]:
            pairs[(svc.pk, pk)] = Pair(svc, pk, name, valid=True)
    windows = SlotWindow.objects.for_org(organization).select_related("service", "provider__user")
    if service is not None:
        windows = windows.filter(service=service)
    if provider is not None:
        windows = windows.filter(provider=provider)
    for window in windows:
        key = (window.service_id, window.provider_id)
        if key not in pairs:
            who = window.provider
            pairs[key] = Pair(window.service, who.pk, str(who), valid=False)
        pairs[key].window = window
    return sorted(pairs.values(), key=lambda p: (p.provider_id, p.service.pk))


def load_rules(organization, staff_ids, first_day: date) -> dict[int, Rules]:
    weekly: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    rows = ProviderAvailability.objects.for_org(organization).filter(staff_id__in=staff_ids)
    for staff_id, weekday, start, end in rows.values_list(
        "staff_id", "weekday", "start_time", "end_time"
    ):
        weekly[staff_id][weekday].append((start, end))
    own: dict[int, dict] = defaultdict(dict)
    org_days: dict = {}
    exceptions = AvailabilityException.objects.for_org(organization).filter(date__gte=first_day)
    for staff_id, day, is_off, start, end in exceptions.values_list(
        "staff_id", "date", "is_off", "start_time", "end_time"
    ):
        hours = None if is_off else (start, end)
        if staff_id is None:
            org_days[day] = hours
        else:
            own[staff_id][day] = hours
    return {
        pk: Rules(
            weekly={day: sorted(ws) for day, ws in weekly[pk].items()},
            own_days=dict(own[pk]),
            org_days=org_days,
        )
        for pk in staff_ids
    }


def load_busy(organization, staff_ids, since: datetime) -> dict[int, list[Busy]]:
    return busy_of(organization, staff_ids, since, None)


def fingerprint(pair: Pair, rules: Rules, busy: list[Busy], *, today, last_day) -> str:
    """A digest of everything the pair's slots follow from, for the no-op fast path."""
    service = pair.service
    parts = (
        pair.valid,
        shape_of(service),
        service.slot_capacity,
        today,
        last_day,
        sorted(rules.weekly.items()),
        sorted(rules.own_days.items()),
        sorted(rules.org_days.items()),
        [(b.lo, b.hi, b.service_id, b.slot_start) for b in busy],
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def busy_since(now: datetime, pairs: list[Pair]) -> datetime:
    """From when bookings can block a slot not yet started: the longest slot and buffers
    before now. Every later booking counts, so slots beyond the window are checked too."""
    margin = max(
        [p.service.buffer_before_minutes + p.service.buffer_after_minutes for p in pairs] + [0]
    )
    margin += max([p.service.duration_minutes for p in pairs] + [0])
    return now - timedelta(minutes=margin)
