"""Assign every pending pickup at once: the plan (`dispatch/batch.py`) for the pickups
without an offer in flight and the available drivers with a fresh position; a dry run
shows it beside greedy's; applying it locks every planned booking and driver, re-checks
each pair and writes the pairs that still hold in bulk (`batch_apply`), and reports the
pairs that changed meanwhile."""

import logging

import numpy as np
from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import require
from switchboard.bookings.models import Booking
from switchboard.common.clock import now
from switchboard.common.tenancy import org_scoped
from switchboard.dispatch import batch
from switchboard.dispatch.eta import eta_matrix
from switchboard.dispatch.models import Answer, PickupOffer
from switchboard.dispatch.selectors import PICKUP_REQUESTED, available_positions, settings_for
from switchboard.dispatch.services.batch_apply import apply_pairs, changed_reason, lock_pairs
from switchboard.dispatch.services.updates import send_driver_updates
from switchboard.realtime import publish

logger = logging.getLogger(__name__)


def _problem(organization, at):
    config = settings_for(organization)
    in_flight = PickupOffer.objects.filter(
        organization=organization, answer=Answer.PENDING, expires_at__gt=at
    ).values("booking_id")
    pickups = list(
        Booking.objects.filter(
            organization=organization,
            status=PICKUP_REQUESTED,
            pickup__lat__isnull=False,
            pickup__lng__isnull=False,
        )
        .exclude(pk__in=in_flight)
        .select_related("pickup")
        .order_by("pickup__requested_at", "pk")
    )
    positions = list(
        available_positions(organization, at=at, config=config).select_related("staff__user")
    )
    origins = [(p.pickup.lat, p.pickup.lng) for p in pickups]
    targets = [(d.lat, d.lng) for d in positions]
    seconds, road = eta_matrix(config, origins, targets)
    seconds = seconds.reshape(len(pickups), len(positions))
    allowed = road.reshape(seconds.shape) <= config.search_radius_km * 1000
    urgent = np.array([p.pickup.urgency == "urgent" for p in pickups], dtype=bool)
    return pickups, positions, seconds, allowed, urgent


def batch_plan(organization, *, at=None) -> dict:
    at = at or now()
    pickups, positions, seconds, allowed, urgent = _problem(organization, at)
    best = batch.optimal(seconds, allowed, urgent)
    order = sorted(range(len(pickups)), key=lambda i: (not urgent[i], i))
    plain = batch.greedy(seconds, allowed, order)
    served = {r for r, _ in best}
    best_total, greedy_total = batch.total(seconds, best), batch.total(seconds, plain)
    plan = [
        {
            "booking_id": pickups[r].pk,
            "driver_id": positions[c].staff_id,
            "driver_name": positions[c].staff.full_name,
            "urgency": pickups[r].pickup.urgency,
            "eta_seconds": int(seconds[r, c]),
            "eta_minutes": int(-(-seconds[r, c] // 60)),
        }
        for r, c in sorted(best, key=lambda pair: (not urgent[pair[0]], pair[0]))
    ]
    return {
        "plan": plan,
        "unassigned": [p.pk for i, p in enumerate(pickups) if i not in served],
        "total_eta_seconds": best_total,
        "greedy_total_eta_seconds": greedy_total,
        "greedy_assigned": len(plain),
        "ratio": round(best_total / greedy_total, 4) if greedy_total else None,
        "drivers": len(positions),
    }


@org_scoped
def batch_assign(*, organization, acting_user: User | None, dry_run: bool = True, at=None):
    """The plan; unless `dry_run`, applied in one transaction: every planned booking and
    driver locked (in that order, by id), each pair re-checked on what is true now, the
    pairs that hold written together; a pair that changed meanwhile is reported."""
    role = require(organization, acting_user, "dispatch.batch_assign")
    at = at or now()
    result = batch_plan(organization, at=at) | {"dry_run": dry_run, "applied": [], "changed": []}
    if dry_run or not result["plan"]:
        return result
    with transaction.atomic(), publish.bulk():
        bookings, drivers, flags = lock_pairs(result["plan"], at)
        ready = []
        for pair in result["plan"]:
            booking, driver = bookings.get(pair["booking_id"]), drivers[pair["driver_id"]]
            reason = changed_reason(booking, driver, flags.get(driver.pk))
            if reason is None:
                ready.append((booking, driver))
                result["applied"].append(pair)
            else:
                result["changed"].append(
                    {"booking_id": pair["booking_id"], "driver_id": driver.pk, "reason": reason}
                )
        apply_pairs(organization, ready, role=role, user=acting_user, at=at)
        send_driver_updates(organization, [p["driver_id"] for p in result["applied"]], at=at)
    logger.info(
        "batch_assigned org=%s applied=%d changed=%d unassigned=%d",
        organization.slug,
        len(result["applied"]),
        len(result["changed"]),
        len(result["unassigned"]),
    )
    return result
