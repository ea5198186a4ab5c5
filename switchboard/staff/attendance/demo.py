"""A week of demo shifts (the current week, today included), made through the roster
service. Safe to run again: a person's day that already has a shift is left alone, and a
shift the user's own data refuses (an overlapping shift, a department closed) is skipped."""

import logging
from datetime import time, timedelta

from django.db import transaction

from switchboard.accounts.models import Organization, User
from switchboard.common.clock import now
from switchboard.common.errors import DomainError
from switchboard.staff.attendance.models import Shift
from switchboard.staff.attendance.roster import shift_create
from switchboard.staff.models import StaffMember

# Local start and end per department; a person without one works the late shift.
HOURS = {
    "hotel-killarney": {
        "front-desk": (time(7), time(15)),
        "housekeeping": (time(8), time(16)),
        None: (time(14), time(22)),
    },
}
LOCATIONS = {"front-desk": "Reception", "housekeeping": "Floors 1-3"}

logger = logging.getLogger(__name__)


def seed_roster(org: Organization, admin: User) -> None:
    hours = HOURS.get(org.slug)
    if hours is None:
        return
    today = now().astimezone(org.tzinfo).date()
    monday = today - timedelta(days=today.weekday())
    staff = StaffMember.objects.for_org(org).filter(is_active=True).select_related("department")
    for person in staff.order_by("pk"):
        slug = person.department.slug if person.department else None
        start, end = hours.get(slug, hours[None])
        taken = set(Shift.objects.filter(staff=person).values_list("date", flat=True))
        for day in (monday + timedelta(days=n) for n in range(7)):
            if day in taken:
                continue
            try:
                with transaction.atomic():
                    shift_create(
                        organization=org,
                        acting_user=admin,
                        staff=person,
                        date=day,
                        start_time=start,
                        end_time=end,
                        department=person.department,
                        location=LOCATIONS.get(slug, ""),
                    )
            except DomainError as exc:
                logger.info(
                    "demo_shift_skipped org=%s staff=%s reason=%s", org.slug, person.pk, exc
                )
