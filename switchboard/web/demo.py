"""Demo data: one organisation per business in the seed documents. Safe to run again."""

import logging
from dataclasses import dataclass, field

from django.db import transaction

from switchboard.accounts.models import Membership, Organization, Role, User
from switchboard.accounts.services import membership_create, organization_create
from switchboard.bookings.demo import seed_bookings, seed_catalog
from switchboard.common.tenancy import org_scope
from switchboard.slots.demo import seed_availability
from switchboard.staff.attendance.demo import seed_roster
from switchboard.staff.models import Department, StaffMember
from switchboard.staff.services import department_create, staff_create

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "switchboard-demo"
ADMIN_USERNAME = "admin"


@dataclass
class Person:
    username: str
    first_name: str
    last_name: str
    role: str = Role.STAFF
    department: str | None = None
    skills: tuple[str, ...] = ()


@dataclass
class DemoOrg:
    slug: str
    name: str
    timezone: str
    departments: dict[str, str]
    people: list[Person] = field(default_factory=list)


DEMO_ORGS = [
    DemoOrg(
        "sparkle-wash",
        "Sparkle Car Wash & Parking",
        "Asia/Kolkata",
        {"wash-bay": "Wash Bay", "parking": "Parking"},
        [
            Person("wash-owner", "Meera", "Nair", Role.OWNER),
            Person("wash-operator", "Arjun", "Menon", Role.OPERATOR, "parking", ("employee",)),
            Person(
                "wash-staff", "Prithviraj", "Kuttappan", department="wash-bay", skills=("employee",)
            ),
            Person("wash-staff2", "Sigma", "Balan", department="wash-bay", skills=("employee",)),
            Person("wash-staff3", "Asha", "Das", department="parking", skills=("employee",)),
        ],
    ),
    DemoOrg(
        "hotel-killarney",
        "Hotel Killarney",
        "Europe/Dublin",
        {"front-desk": "Front Desk", "housekeeping": "Housekeeping"},
        [
            Person("hotel-owner", "Siobhan", "Byrne", Role.OWNER),
            Person("hotel-operator", "Conor", "Walsh", Role.OPERATOR, "front-desk", ("reception",)),
            Person("hotel-staff", "John", "Doe", department="front-desk", skills=("reception",)),
            Person(
                "hotel-staff2",
                "Aoife",
                "Kelly",
                department="housekeeping",
                skills=("housekeeping",),
            ),
            Person(
                "hotel-staff3", "Niamh", "Ryan", department="housekeeping", skills=("housekeeping",)
            ),
        ],
    ),
    DemoOrg(
        "royal-care",
        "Royal Care Home Service Massage",
        "Asia/Manila",
        {"therapists": "Therapists", "drivers": "Drivers"},
        [
            Person("care-owner", "Maria", "Santos", Role.OWNER),
            Person("care-operator", "Jose", "Reyes", Role.OPERATOR),
            Person("care-staff", "Ana", "Cruz", department="therapists", skills=("therapist",)),
            Person("care-staff2", "Liza", "Garcia", department="therapists", skills=("therapist",)),
            Person("care-driver", "Ramon", "Dela Cruz", department="drivers", skills=("driver",)),
            Person("care-driver2", "Paolo", "Mendoza", department="drivers", skills=("driver",)),
        ],
    ),
    DemoOrg(
        "pixel-cafe",
        "Pixel Gaming Café",
        "Asia/Kathmandu",
        {"floor": "Floor"},
        [
            Person("cafe-owner", "Sujan", "Shrestha", Role.OWNER),
            Person("cafe-operator", "Anita", "Gurung", Role.OPERATOR, "floor", ("attendant",)),
            Person("cafe-staff", "Bikash", "Thapa", department="floor", skills=("attendant",)),
        ],
    ),
]


def _user(person: Person) -> User:
    user, created = User.objects.get_or_create(
        username=person.username,
        defaults={"first_name": person.first_name, "last_name": person.last_name},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _admin() -> User:
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN_USERNAME, "", DEMO_PASSWORD)
    return admin


def _organization(spec: DemoOrg, admin: User) -> Organization:
    org = Organization.objects.filter(slug=spec.slug).first()
    if org is None:
        org = organization_create(
            name=spec.name, slug=spec.slug, timezone=spec.timezone, owner=admin, acting_user=admin
        )
    with org_scope(org):
        for slug, name in spec.departments.items():
            if not Department.objects.filter(slug=slug).exists():
                department_create(organization=org, name=name, slug=slug, acting_user=admin)
    return org


def _person(org: Organization, person: Person, admin: User) -> None:
    user = _user(person)
    if not Membership.objects.filter(organization=org, user=user).exists():
        membership_create(organization=org, user=user, role=person.role, acting_user=admin)
    if person.role == Role.OWNER or StaffMember.objects.for_org(org).filter(user=user).exists():
        return
    department = Department.objects.for_org(org).filter(slug=person.department).first()
    staff_create(
        organization=org,
        user=user,
        department=department,
        skills=list(person.skills),
        acting_user=admin,
    )


@transaction.atomic
def seed_demo() -> list[tuple[str, str, str]]:
    """Create what is missing; return (organisation, role, username) for every login."""
    admin = _admin()
    logins = [("all four", "superuser", ADMIN_USERNAME)]
    for spec in DEMO_ORGS:
        org = _organization(spec, admin)
        with org_scope(org):  # each organisation is seeded inside its own scope
            for person in spec.people:
                _person(org, person, admin)
                logins.append((spec.name, person.role, person.username))
            # Services, resources and a few bookings (switchboard/bookings/demo.py lists them).
            seed_catalog(org, admin)
            seed_bookings(org, admin)
            seed_roster(org, admin)  # a week of shifts (switchboard/staff/attendance/demo.py)
            seed_availability(org, admin)  # weekly hours, then the slot window (slots/demo.py)
    logger.info("demo_seeded organizations=%d logins=%d", len(DEMO_ORGS), len(logins))
    return logins
