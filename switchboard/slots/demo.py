"""The demo businesses' weekly availability, so that their slot window exists on first
run. Safe to run again and never in the way of the user's own changes: a provider who has
any availability already is left alone, and only a run's missing slots are made."""

import logging
from datetime import time

from switchboard.accounts.models import Organization, User
from switchboard.catalog.models import Service
from switchboard.catalog.selectors import qualified_pairs
from switchboard.slots.inputs import SLOT_WORKFLOWS
from switchboard.slots.models import ProviderAvailability
from switchboard.slots.services import slots_maintain

logger = logging.getLogger(__name__)

# organisation -> (weekdays, start, end) of every provider of its bookable services
HOURS = {
    "sparkle-wash": (range(0, 6), time(9), time(17)),
    "royal-care": (range(0, 7), time(10), time(20)),
    "hotel-killarney": (range(0, 7), time(8), time(14)),
}


def seed_availability(org: Organization, admin: User) -> None:
    if org.slug not in HOURS:
        return
    weekdays, start, end = HOURS[org.slug]
    services = list(
        Service.objects.for_org(org).filter(is_active=True, workflow__in=SLOT_WORKFLOWS)
    )
    providers = {pk for pairs in qualified_pairs(org, services).values() for pk, _ in pairs}
    have = set(
        ProviderAvailability.objects.for_org(org)
        .filter(staff_id__in=providers)
        .values_list("staff_id", flat=True)
    )
    rows = [
        ProviderAvailability(
            organization=org, staff_id=pk, weekday=day, start_time=start, end_time=end
        )
        for pk in sorted(providers - have)
        for day in weekdays
    ]
    ProviderAvailability.objects.bulk_create(rows)
    report = slots_maintain(organization=org, acting_user=admin)
    logger.info(
        "demo_availability org=%s providers=%d slots_created=%d",
        org.slug,
        len(providers - have),
        report.changes.created,
    )
