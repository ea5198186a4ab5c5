"""The seed's health figures, derived from the slots and their bookings.

- service coverage: the share of active services with a free slot in the next 7 days;
- slot density: slots per day over the window;
- booking rate: the share of the window's seats that are booked.
"""

from datetime import timedelta

from switchboard.catalog.models import Service
from switchboard.common.clock import now
from switchboard.slots.models import BookingSlot, SlotMaintenanceRun
from switchboard.slots.policy import policy_of
from switchboard.slots.schedule import next_daily_run
from switchboard.slots.selectors import _rows, default_range, local_day_bounds

COVERAGE_DAYS = 7
MAX_CONFLICTS = 100


def _last_run(organization) -> dict | None:
    run = SlotMaintenanceRun.objects.for_org(organization).order_by("-started_at", "-id").first()
    if run is None:
        return None
    return {
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "trigger": run.trigger,
        "provider_id": run.provider_id,
        "service_id": run.service_id,
        "days_ahead": run.days_ahead,
        "created": run.created,
        "removed": run.removed,
        "expired": run.expired,
        "updated": run.updated,
        "conflicts": run.conflicts,
    }


def next_run(organization, at=None):
    """When the scheduled maintenance next runs for this organisation (None: disabled)."""
    policy = policy_of(organization)
    if not policy.enabled:
        return None
    return next_daily_run(organization, policy, at or now())


def _conflicts(organization, at) -> list[dict]:
    qs = (
        BookingSlot.objects.for_org(organization)
        .filter(conflict_since__isnull=False, starts_at__gte=at)
        .select_related("service", "provider__user")
        .order_by("starts_at")[:MAX_CONFLICTS]
    )
    return [
        {
            "slot_id": slot.pk,
            "service_id": slot.service_id,
            "service": slot.service.name,
            "provider_id": slot.provider_id,
            "provider": str(slot.provider),
            "starts_at": slot.starts_at,
            "since": slot.conflict_since,
        }
        for slot in qs
    ]


def slot_health(organization) -> dict:
    at = now()
    zone = organization.tzinfo
    first, last = default_range(organization)
    start, end = local_day_bounds(organization, first, last)
    rows = _rows(
        BookingSlot.objects.for_org(organization).filter(starts_at__gte=start, starts_at__lt=end),
        at,
    )
    per_day = {first + timedelta(days=n): [0, 0] for n in range((last - first).days + 1)}
    covered, seats, booked = set(), 0, 0
    week_end = at + timedelta(days=COVERAGE_DAYS)
    for row in rows:
        day = per_day[row.starts_at.astimezone(zone).date()]
        day[0] += row.available
        day[1] += bool(row.booked)
        seats += row.capacity
        booked += min(row.booked, row.capacity)
        if row.available and row.starts_at < week_end:
            covered.add(row.service_id)
    active = set(
        Service.objects.for_org(organization).filter(is_active=True).values_list("pk", flat=True)
    )
    days = len(per_day)
    return {
        "window": {"first_day": first, "last_day": last, "days": days},
        "service_coverage": round(len(covered & active) / len(active), 4) if active else None,
        "services_active": len(active),
        "services_covered": len(covered & active),
        "slot_density": round(len(rows) / days, 2) if days else 0,
        "booking_rate": round(booked / seats, 4) if seats else None,
        "slots_total": len(rows),
        "slots_booked": sum(1 for row in rows if row.booked),
        "per_day": [
            {"date": day, "free": free, "booked": taken}
            for day, (free, taken) in sorted(per_day.items())
        ],
        "conflicts": _conflicts(organization, at),
        "last_run": _last_run(organization),
        "next_run": next_run(organization, at),
    }
