"""Building blocks for bookings tests: skilled staff, the seed businesses' services."""

from datetime import UTC, datetime

from switchboard.bookings import services
from switchboard.catalog.models import Workflow
from tests.catalog.factories import ServiceFactory, skill
from tests.staff.factories import StaffMemberFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def staff_with(org, *skills, capacity=3, department=None):
    staff = StaffMemberFactory(organization=org, capacity=capacity, department=department)
    staff.skills.set([skill(org, slug) for slug in skills])
    return staff


def car_wash(org, **kwargs):
    """Seed 000's standalone car wash: a standard booking done by an `employee`."""
    values = {"name": "Car wash", "workflow": Workflow.STANDARD, "skill": skill(org, "employee")}
    return ServiceFactory(organization=org, **(values | kwargs))


def parking(org, **kwargs):
    values = {"name": "Parking", "workflow": Workflow.RESERVATION, "duration_minutes": 240}
    return ServiceFactory(organization=org, **(values | kwargs))


def car_wash_addon(org, **kwargs):
    values = {
        "name": "Car wash add-on",
        "workflow": Workflow.ADDON,
        "skill": skill(org, "employee"),
    }
    return ServiceFactory(organization=org, **(values | kwargs))


def massage(org, **kwargs):
    values = {
        "name": "Home massage",
        "workflow": Workflow.HOME_SERVICE,
        "skill": skill(org, "therapist"),
    }
    return ServiceFactory(organization=org, **(values | kwargs))


def session_service(org, **kwargs):
    values = {"name": "PC hour", "workflow": Workflow.SESSION}
    return ServiceFactory(organization=org, **(values | kwargs))


def book(org, service, by, *, at=None, **kwargs):
    """A booking through the service function, for a walk-in customer unless told.

    Tests book at fixed dates (START), which today's clock may have passed."""
    kwargs.setdefault("customer_name", "Walk-in")
    kwargs.setdefault("allow_past", True)
    return services.booking_create(
        organization=org,
        service=service,
        starts_at=at or START,
        acting_user=by,
        **kwargs,
    )


# Where each event goes in full: bookings to managers, the rest to every insider.
FULL_CHANNEL = {
    "booking-updated": "private-org-acme.managers",
    "booking-unassigned": "private-org-acme.managers",
}


def payloads(events, name, channel=None):
    """The payloads of event `name` on one channel (each event is a row per channel)."""
    channel = channel or FULL_CHANNEL.get(name, "private-org-acme")
    return [row.payload for row in events.named(name) if row.channel == channel]
