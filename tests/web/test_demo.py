from django.core.management import call_command

from switchboard.accounts.models import Membership, Organization, User
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import employees_with_workload
from switchboard.catalog.models import Resource, Service
from switchboard.common.clock import now
from switchboard.staff.attendance.models import Shift
from switchboard.staff.models import StaffMember
from switchboard.web.demo import DEMO_ORGS


def counts():
    models = (Organization, User, Membership, StaffMember, Service, Resource, Booking)
    return [m.objects.count() for m in models]


def test_seed_demo_is_idempotent_and_covers_every_role(db, capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[0] == len(DEMO_ORGS) == 4
    out = capsys.readouterr().out
    for org in Organization.objects.all():
        roles = set(Membership.objects.filter(organization=org).values_list("role", flat=True))
        assert {"owner", "operator", "staff"} <= roles
        assert org.name in out
    assert "switchboard-demo" in out


def test_seed_demo_gives_each_business_its_catalog_and_some_bookings(db):
    call_command("seed_demo", quiet_logins=True)
    call_command("seed_demo", quiet_logins=True)
    cafe = Organization.objects.get(slug="pixel-cafe")
    pcs = Resource.objects.filter(organization=cafe, kind="pc").values_list("name", flat=True)
    assert sorted(pcs) == [f"PC{n:02d}" for n in range(1, 11)]
    wash = Organization.objects.get(slug="sparkle-wash")
    kinds = set(Resource.objects.filter(organization=wash).values_list("kind", flat=True))
    assert kinds == {"wash_bay", "parking_space"}
    hotel_rooms = Resource.objects.filter(organization__slug="hotel-killarney", kind="room")
    assert hotel_rooms.count() == 4
    care = Service.objects.filter(organization__slug="royal-care")
    assert set(care.values_list("workflow", flat=True)) == {"home_service"}
    washers = {s.user.username: s for s in employees_with_workload(wash)}
    assert washers["wash-staff"].current_assignments == 1  # the completed wash does not count
    assert washers["wash-staff2"].addon_services == 1
    assert Booking.objects.filter(service__name="Car wash", assignee__isnull=True).exists()


def test_seed_demo_gives_the_hotel_a_week_of_shifts_today_included(db):
    call_command("seed_demo", quiet_logins=True)
    hotel = Organization.objects.get(slug="hotel-killarney")
    shifts = Shift.objects.filter(organization=hotel)
    first = shifts.count()
    call_command("seed_demo", quiet_logins=True)
    assert shifts.count() == first == 7 * StaffMember.objects.filter(organization=hotel).count()
    today = now().astimezone(hotel.tzinfo).date()
    john = shifts.filter(staff__user__username="hotel-staff")
    assert john.filter(date=today).exists()
    assert john.count() == 7
