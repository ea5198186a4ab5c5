"""The demo businesses' catalogs and a few bookings, made through the services. Safe to run
again: what exists (by name) is kept, and bookings are only made for an organisation that
has none."""

from dataclasses import dataclass
from datetime import timedelta

from switchboard.accounts.models import Organization, User
from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.catalog.services import resource_create, service_create
from switchboard.common.clock import now
from switchboard.staff.models import StaffMember


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    workflow: str
    minutes: int
    price: int
    skill: str | None = None
    buffer: int = 0


SERVICES = {
    "sparkle-wash": [
        ServiceSpec("Car wash", Workflow.STANDARD, 30, 300, "employee", buffer=10),
        ServiceSpec("Parking (4 hours)", Workflow.RESERVATION, 240, 200),
        ServiceSpec("Car wash add-on", Workflow.ADDON, 30, 250, "employee"),
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
    """A few bookings around now, so that the Employees page has something to show."""
    maker = BOOKINGS.get(org.slug)
    if maker is None or Booking.objects.for_org(org).exists():
        return
    maker(_Kit(org, admin))


class _Kit:
    def __init__(self, org, admin):
        self.org, self.admin = org, admin
        self.hour = now().replace(minute=0, second=0, microsecond=0)

    def service(self, name):
        return Service.objects.for_org(self.org).get(name=name)

    def staff(self, username):
        return StaffMember.objects.for_org(self.org).get(user__username=username)

    def resource(self, name):
        return Resource.objects.for_org(self.org).get(name=name)

    def book(self, service, hours_from_now, customer, *, moves=(), **kwargs):
        booking = services.booking_create(
            organization=self.org,
            service=self.service(service),
            starts_at=self.hour + timedelta(hours=hours_from_now),
            customer_name=customer,
            acting_user=self.admin,
            **kwargs,
        )
        for status in moves:
            booking = services.booking_transition(
                booking=booking, status=status, acting_user=self.admin
            )
        return booking


def _car_wash(kit: _Kit) -> None:
    washer = kit.staff("wash-staff")
    kit.book(
        "Car wash",
        0,
        "Ravi Kumar",
        assignee=washer,
        resource=kit.resource("Wash Bay 1"),
        moves=["confirmed", "in_progress"],
    )
    kit.book(
        "Car wash",
        -2,
        "Anjali Menon",
        assignee=washer,
        moves=["confirmed", "in_progress", "completed"],
    )
    parking = kit.book("Parking (4 hours)", -1, "Vikram Shah", resource=kit.resource("P1"))
    kit.book("Parking (4 hours)", -1, "Vikram Shah", resource=kit.resource("P2"), moves=["active"])
    kit.book("Car wash add-on", 0, "", parent=parking, assignee=kit.staff("wash-staff2"))
    kit.book("Car wash", 2, "Deepa Iyer", notes="Waiting for a free washer")


def _hotel(kit: _Kit) -> None:
    kit.book("Room night", 3, "Mary O'Brien", resource=kit.resource("Room 101"))
    kit.book("Room cleaning", 1, "Room 102", assignee=kit.staff("hotel-staff2"))


def _royal_care(kit: _Kit) -> None:
    therapist = kit.staff("care-staff")
    booking = kit.book("Home massage (60 min)", 2, "Grace Tan", assignee=therapist)
    services.booking_update(
        booking=booking, status="confirmed", therapist_accepted=True, acting_user=therapist.user
    )
    kit.book("Home massage (90 min)", 5, "Paolo Reyes", assignee=kit.staff("care-staff2"))


def _cafe(kit: _Kit) -> None:
    """Two machines in use, one ending in a few minutes, so the board counts down."""
    for name, minutes, customer in (("PC01", 45, "Arjun"), ("PC02", 5, "Meera")):
        services.session_start(
            organization=kit.org,
            resource=kit.resource(name),
            minutes=minutes,
            customer_name=customer,
            acting_user=kit.admin,
        )


BOOKINGS = {
    "sparkle-wash": _car_wash,
    "hotel-killarney": _hotel,
    "royal-care": _royal_care,
    "pixel-cafe": _cafe,
}
