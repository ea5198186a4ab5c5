"""The demo businesses' catalogs and bookings, made through the services.

Safe to run again on any database a user can reach (`make run` seeds on every start):
what exists (by name) is kept, whatever the user changed in it, and bookings are made only
for an organisation that has none from today on. Each demo booking is made on its own; one
that the data no longer allows (its service, person or resource deactivated, a resource in
maintenance or taken, a skill removed, a capacity full) is skipped with one log line.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from switchboard.accounts.models import Organization, User
from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.catalog.services import resource_create, service_create
from switchboard.common.clock import now
from switchboard.common.errors import DomainError
from switchboard.staff.models import StaffMember

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    workflow: str
    minutes: int
    price: int
    skill: str | None = None
    buffer: int = 0


# Skills name the work, so that automatic assignment gives a car wash to a washer and
# never to the parking attendant.
SERVICES = {
    "sparkle-wash": [
        ServiceSpec("Car wash", Workflow.STANDARD, 30, 300, "washer", buffer=10),
        ServiceSpec("Parking (4 hours)", Workflow.RESERVATION, 240, 200),
        ServiceSpec("Car wash add-on", Workflow.ADDON, 30, 250, "washer"),
    ],
    "hotel-killarney": [
        ServiceSpec("Room night", Workflow.RESERVATION, 24 * 60, 120),
        ServiceSpec("Room cleaning", Workflow.STANDARD, 45, 0, "housekeeping", buffer=15),
    ],
    "royal-care": [
        ServiceSpec("Home massage (60 min)", Workflow.HOME_SERVICE, 60, 1200, "therapist", 30),
        ServiceSpec("Home massage (90 min)", Workflow.HOME_SERVICE, 90, 1600, "therapist", 30),
    ],
    "pixel-cafe": [ServiceSpec("PC hour", Workflow.SESSION, 60, 100)],
}

RESOURCES = {
    "sparkle-wash": [("Wash Bay 1", "wash_bay"), ("Wash Bay 2", "wash_bay")]
    + [(f"P{n}", "parking_space") for n in range(1, 7)],
    "hotel-killarney": [(f"Room {n}", "room") for n in (101, 102, 103, 104)],
    "pixel-cafe": [(f"PC{n:02d}", "pc") for n in range(1, 11)],
}

CUSTOMERS = ["Kiran Rao", "Fatima Sheikh", "Tom Murphy", "Lea Santos", "Nisha Pillai", "Sam Lee"]
WEEK = range(1, 7)  # the days after today that get bookings


def seed_catalog(org: Organization, admin: User) -> None:
    for spec in SERVICES.get(org.slug, []):
        if not Service.objects.for_org(org).filter(name=spec.name).exists():
            service_create(
                organization=org,
                name=spec.name,
                workflow=spec.workflow,
                duration_minutes=spec.minutes,
                buffer_after_minutes=spec.buffer,
                price=spec.price,
                skill=spec.skill,
                acting_user=admin,
            )
    for name, kind in RESOURCES.get(org.slug, []):
        if not Resource.objects.for_org(org).filter(name=name).exists():
            resource_create(organization=org, name=name, kind=kind, acting_user=admin)


def seed_bookings(org: Organization, admin: User) -> None:
    """Bookings over today and the coming week, unless the organisation has some already."""
    maker = BOOKINGS.get(org.slug)
    if maker is None or _has_bookings_from_today(org):
        return
    kit = _Kit(org, admin)
    maker(kit)
    logger.info("demo_bookings_seeded org=%s made=%d skipped=%d", org.slug, kit.made, kit.skipped)


def _has_bookings_from_today(org: Organization) -> bool:
    today = now().astimezone(org.tzinfo).date()
    midnight = datetime.combine(today, time(0), tzinfo=org.tzinfo)
    return Booking.objects.for_org(org).filter(starts_at__gte=midnight).exists()


class _Kit:
    """Makes one demo booking at a time; what the data no longer allows is skipped."""

    def __init__(self, org, admin):
        self.org, self.admin = org, admin
        self.hour = now().replace(minute=0, second=0, microsecond=0)
        self.today = now().astimezone(org.tzinfo).date()
        self.made = self.skipped = 0

    def hours_from_now(self, hours: float) -> datetime:
        return self.hour + timedelta(hours=hours)

    def later_today(self, hours: float) -> datetime:
        """`hours` from now, kept on the organisation's today: late in its evening, when
        that would be tomorrow already, the last half hour of the day (or this hour)."""
        wanted = self.hours_from_now(hours)
        if wanted.astimezone(self.org.tzinfo).date() == self.today:
            return wanted
        last = datetime.combine(self.today, time(23, 30), tzinfo=self.org.tzinfo)
        return max(last, self.hour)

    def day_at(self, days: int, hour: int, minute: int = 0) -> datetime:
        """Local wall time on the day `days` after today."""
        day = self.today + timedelta(days=days)
        return datetime.combine(day, time(hour, minute), tzinfo=self.org.tzinfo)

    def staff(self, username):
        staff = StaffMember.objects.for_org(self.org).filter(user__username=username).first()
        return staff if staff is not None and staff.is_active else None

    def _found(self, what: str, value, expected: bool) -> bool:
        if value is None and expected:
            self._skip(what, "not there or not active any more")
            return False
        return True

    def _skip(self, what: str, reason) -> None:
        self.skipped += 1
        logger.info("demo_booking_skipped org=%s what=%r reason=%s", self.org.slug, what, reason)

    def book(self, service, starts_at, customer, *, moves=(), assignee=None, resource=None, **kw):
        found = Service.objects.for_org(self.org).filter(name=service, is_active=True).first()
        staff = self.staff(assignee) if assignee else None
        thing = Resource.objects.for_org(self.org).filter(name=resource, is_active=True).first()
        checks = [(service, found, True), (assignee, staff, bool(assignee))]
        checks.append((resource, thing, bool(resource)))
        if "parent" in kw:
            checks.append(("parent booking", kw["parent"], True))
        if not all(self._found(str(what), value, expected) for what, value, expected in checks):
            return None
        return self.attempt(
            service,
            lambda: self._create(found, starts_at, customer, staff, thing, moves, kw),
        )

    def _create(self, service, starts_at, customer, assignee, resource, moves, extra):
        booking = services.booking_create(
            organization=self.org,
            service=service,
            starts_at=starts_at,
            customer_name=customer,
            assignee=assignee,
            resource=resource,
            allow_past=True,  # the demo day began before now
            acting_user=self.admin,
            **extra,
        )
        for status in moves:
            booking = services.booking_transition(
                booking=booking, status=status, acting_user=self.admin
            )
        return booking

    def session(self, resource, minutes, customer, *, starts_at=None):
        thing = Resource.objects.for_org(self.org).filter(name=resource, is_active=True).first()
        if not self._found(resource, thing, True):
            return None
        return self.attempt(
            resource,
            lambda: services.session_start(
                organization=self.org,
                resource=thing,
                minutes=minutes,
                starts_at=starts_at,
                customer_name=customer,
                allow_past=True,
                acting_user=self.admin,
            ),
        )

    def attempt(self, what: str, make):
        try:
            with transaction.atomic():  # a refusal undoes this booking only
                made = make()
        except (DomainError, ValidationError) as exc:
            self._skip(what, getattr(exc, "message", None) or exc)
            return None
        self.made += 1
        return made


def _car_wash(kit: _Kit) -> None:
    kit.book(
        "Car wash",
        kit.hours_from_now(0),
        "Ravi Kumar",
        assignee="wash-staff",
        resource="Wash Bay 1",
        moves=["confirmed", "in_progress"],
    )
    kit.book(
        "Car wash",
        kit.hours_from_now(-2),
        "Anjali Menon",
        assignee="wash-staff",
        moves=["confirmed", "in_progress", "completed"],
    )
    parking = kit.book("Parking (4 hours)", kit.hours_from_now(-1), "Vikram Shah", resource="P1")
    kit.book(
        "Parking (4 hours)", kit.hours_from_now(-1), "Vikram Shah", resource="P2", moves=["active"]
    )
    if parking is not None:
        kit.book(
            "Car wash add-on", kit.hours_from_now(0), "", parent=parking, assignee="wash-staff2"
        )
    kit.book("Car wash", kit.hours_from_now(2), "Deepa Iyer", notes="Waiting for a free washer")
    for day in WEEK:  # the coming week, for the front desk to assign
        customer = CUSTOMERS[day % len(CUSTOMERS)]
        kit.book("Car wash", kit.day_at(day, 10), customer, resource="Wash Bay 1")
        kit.book("Car wash", kit.day_at(day, 15, 30), CUSTOMERS[day - 1], resource="Wash Bay 2")
        kit.book("Parking (4 hours)", kit.day_at(day, 9), customer, resource=f"P{3 + day % 4}")


def _hotel(kit: _Kit) -> None:
    kit.book("Room night", kit.hours_from_now(3), "Mary O'Brien", resource="Room 101")
    kit.book("Room cleaning", kit.later_today(1), "Room 102", assignee="hotel-staff2")
    for day in WEEK:
        room = f"Room {102 + day % 3}"
        kit.book("Room night", kit.day_at(day, 15), CUSTOMERS[day % len(CUSTOMERS)], resource=room)
        kit.book("Room cleaning", kit.day_at(day, 11), f"Room {101 + day % 4}")


def _royal_care(kit: _Kit) -> None:
    therapist = kit.staff("care-staff")
    booking = kit.book(
        "Home massage (60 min)", kit.later_today(2), "Grace Tan", assignee="care-staff"
    )
    if booking is not None and therapist is not None:
        kit.attempt(
            "acceptance",
            lambda: services.booking_update(
                booking=booking,
                status="confirmed",
                therapist_accepted=True,
                acting_user=therapist.user,
            ),
        )
    kit.book("Home massage (90 min)", kit.hours_from_now(5), "Paolo Reyes", assignee="care-staff2")
    for day in WEEK:
        kit.book("Home massage (60 min)", kit.day_at(day, 14), CUSTOMERS[day % len(CUSTOMERS)])
        if day % 2:
            kit.book("Home massage (90 min)", kit.day_at(day, 18), CUSTOMERS[day - 1])


def _cafe(kit: _Kit) -> None:
    """Two machines in use, one ending in a few minutes, so the board counts down; evening
    sessions booked ahead for the coming week."""
    for name, minutes, customer in (("PC01", 45, "Arjun"), ("PC02", 5, "Meera")):
        kit.session(name, minutes, customer)
    for day in WEEK:
        pc = f"PC{3 + day % 5:02d}"
        kit.session(pc, 120, CUSTOMERS[day % len(CUSTOMERS)], starts_at=kit.day_at(day, 19))


BOOKINGS = {
    "sparkle-wash": _car_wash,
    "hotel-killarney": _hotel,
    "royal-care": _royal_care,
    "pixel-cafe": _cafe,
}
