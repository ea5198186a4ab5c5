"""The `# slots` rows of the permission table (and `bookings.book_slot`), as callables for
the walk in `tests/accounts/test_permissions.py`. Set-up is done directly or by a job."""

from datetime import time, timedelta

from switchboard.bookings import services as bookings
from switchboard.common.clock import now
from switchboard.slots import availability, services
from switchboard.slots.models import BookingSlot
from tests.bookings.factories import car_wash, staff_with
from tests.staff.factories import StaffMemberFactory
from tests.support.permissions import api_read


def _own_window(org, user):
    """A window on `user`'s own profile (a customer gets one too, so that only the table
    refuses them)."""
    me = (
        StaffMemberFactory(organization=org, user=user)
        if user
        else StaffMemberFactory(organization=org)
    )
    availability.availability_create(
        organization=org,
        staff=me,
        weekday=0,
        start_time=time(9),
        end_time=time(12),
        acting_user=user,
    )


def _anyones_window(org, user):
    availability.availability_create(
        organization=org,
        staff=StaffMemberFactory(organization=org),
        weekday=1,
        start_time=time(9),
        end_time=time(12),
        acting_user=user,
    )


def _book_slot(org, user):
    provider = staff_with(org, "employee")
    service = car_wash(org)
    start = now() + timedelta(days=1)
    slot = BookingSlot.objects.create(
        organization=org,
        service=service,
        provider=provider,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    made = bookings.booking_create(
        organization=org, slot=slot, customer_name="Walk-in", acting_user=user
    )
    assert made.slot == slot


SLOT_ACTIONS = {
    "availability.view": api_read("availability-list", "availability.view"),
    "availability.edit": _anyones_window,
    "availability.edit_own": _own_window,
    "slots.view": api_read("slot-list", "slots.view"),
    "slots.health": api_read("slot-health", "slots.health"),
    "slots.maintain": lambda org, user: services.slots_maintain(
        organization=org, acting_user=user, days_ahead=2
    ),
    "slots.settings_view": api_read("slot-settings", "slots.settings_view"),
    "slots.settings": lambda org, user: services.slot_settings_update(
        organization=org, acting_user=user, days_ahead=20
    ),
    "bookings.book_slot": _book_slot,
}
