"""The slots app's scheduled job: each organisation's daily maintenance (the seed's two
cron lines, without cron). Registered from `SlotsConfig.ready()`.

The job looks every `CHECK_MINUTES`; an organisation is maintained once its local
maintenance time has passed since its last scheduled run. Idempotent: a second look
finds the run recorded and does nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings

from switchboard.accounts.models import Organization
from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org, org_scope
from switchboard.scheduler import audit, registry
from switchboard.scheduler.schedules import Every
from switchboard.slots import services
from switchboard.slots.models import BookingSlot, SlotMaintenanceRun, Trigger
from switchboard.slots.policy import policy_of
from switchboard.slots.schedule import days_ahead_for, latest_due

logger = logging.getLogger(__name__)

JOB = "maintain_time_slots"


def _last_scheduled(organization):
    return (
        SlotMaintenanceRun.objects.for_org(organization)
        .filter(trigger=Trigger.JOB)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def maintain_due(organization, at) -> dict | None:
    """Maintain `organization` if its run is due at `at`; the counts, or None."""
    with org_scope(organization):
        policy = policy_of(organization)
        if not policy.enabled:
            return None
        due = latest_due(organization, policy, at)
        last = _last_scheduled(organization)
        if last is not None and last >= due:
            return None
        days, _weekly = days_ahead_for(organization, policy, due)
        report = services.slots_maintain(
            organization=organization, acting_user=None, days_ahead=days, trigger=Trigger.JOB
        )
        return report.changes.as_dict()


def maintain_time_slots() -> dict:
    at = now()
    totals = {"organizations": 0, "created": 0, "removed": 0, "expired": 0, "conflicts": 0}
    with cross_org():
        organizations = list(Organization.objects.filter(is_active=True))
    for organization in organizations:
        counts = maintain_due(organization, at)
        if counts is None:
            continue
        totals["organizations"] += 1
        for key in ("created", "removed", "expired", "conflicts"):
            totals[key] += counts[key]
    return totals


def stale_slots_check() -> tuple[int, list[str]]:
    """Audit: unbooked slots that started over two days ago — maintenance is not running."""
    cutoff = now() - timedelta(days=2)
    with cross_org():
        old = BookingSlot.objects.filter(starts_at__lt=cutoff, bookings__isnull=True)
        examples = [
            f"slot={pk} org={slug}" for pk, slug in old.values_list("pk", "organization__slug")[:5]
        ]
        return old.count(), examples


def register() -> None:
    every = timedelta(minutes=settings.TIME_SLOT_AUTOMATION.get("CHECK_MINUTES", 15))
    registry.register(JOB, Every(every), maintain_time_slots)
    audit.register_check("slots_stale", stale_slots_check)
