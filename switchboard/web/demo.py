"""Demo data: one organisation per business in the seed documents.

Safe to run again on any database a user can reach: it adds only what is missing and never
fails on the user's own changes (a deactivated service, person or resource, a changed
skill…). People and organisations come first; then each organisation runs the `STEPS`, the
demo modules of the apps, each in its own savepoint: a step that the user's data refuses is
logged and skipped, and the others still run. Another app adds its demo by appending its
function (`step(org, admin)`) to `STEPS`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from switchboard.accounts.models import Membership, Organization, Role, User
from switchboard.accounts.services import membership_create, organization_create
from switchboard.bookings.demo import seed_bookings, seed_catalog
from switchboard.common.errors import DomainError
from switchboard.common.tenancy import org_scope
from switchboard.dispatch.demo import seed_dispatch
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
            Person(
                "wash-operator", "Arjun", "Menon", Role.OPERATOR, "parking", ("parking-attendant",)
            ),
            Person(
                "wash-staff", "Prithviraj", "Kuttappan", department="wash-bay", skills=("washer",)
            ),
            Person("wash-staff2", "Sigma", "Balan", department="wash-bay", skills=("washer",)),
            Person(
                "wash-staff3", "Asha", "Das", department="parking", skills=("parking-attendant",)
            ),
        ],
    ),
    DemoOrg(
        "hotel-killarney",
        "Hotel Killarney",
        "Europe/Dublin",
        {"front-desk": "Front Desk", "housekeeping": "Housekeeping"},
        [
            Person("hotel-owner", "Siobhan", "Byrne", Role.OWNER),
            Person(
                "hotel-operator", "Conor", "Walsh", Role.OPERATOR, "front-desk", ("front-desk",)
            ),
            Person("hotel-staff", "John", "Doe", department="front-desk", skills=("front-desk",)),
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


# What each organisation gets after its people, in order: services and resources, bookings
# over today and the coming week (switchboard/bookings/demo.py), a week of shifts
# (switchboard/staff/attendance/demo.py). Append an app's own step here.
STEPS: list[Callable[[Organization, User], None]] = [
    seed_catalog,
    seed_bookings,
    seed_roster,
    seed_dispatch,  # drivers on duty with positions, one pickup waiting (dispatch/demo.py)
    seed_availability,  # weekly hours, then the slot window (slots/demo.py)
]


def _run(step: Callable, org: Organization, *args) -> bool:
    """Run one step in a savepoint; what the user's data refuses is logged, not raised."""
    try:
        with transaction.atomic():
            step(org, *args)
    except (DomainError, ValidationError) as exc:
        name = getattr(step, "__name__", str(step))
        logger.warning("demo_step_skipped org=%s step=%s reason=%s", org.slug, name, exc)
        return False
    return True


@transaction.atomic
def seed_demo() -> list[tuple[str, str, str]]:
    """Create what is missing; return (organisation, role, username) for every login."""
    admin = _admin()
    logins = [("all four", "superuser", ADMIN_USERNAME)]
    skipped = 0
    for spec in DEMO_ORGS:
        org = _organization(spec, admin)
        with org_scope(org):  # each organisation is seeded inside its own scope
            for person in spec.people:
                skipped += not _run(_person, org, person, admin)
                logins.append((spec.name, person.role, person.username))
            skipped += sum(not _run(step, org, admin) for step in STEPS)
    logger.info(
        "demo_seeded organizations=%d logins=%d skipped_steps=%d",
        len(DEMO_ORGS),
        len(logins),
        skipped,
    )
    return logins
