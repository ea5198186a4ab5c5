from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from switchboard.accounts.models import Membership, Organization, User
from switchboard.bookings import services
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import employees_with_workload
from switchboard.catalog.models import Resource, Service
from switchboard.common.clock import frozen_at, now
from switchboard.staff.attendance.models import Shift
from switchboard.staff.models import Department, StaffMember
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


# Late evening somewhere: 14:40 UTC is 22:40 in Manila, where a booking two hours ahead
# is tomorrow already; 23:40 UTC is late in Dublin; 18:20 UTC is 23:50 in Kolkata.
SEEDED_AT = [
    None,
    datetime(2026, 11, 29, 14, 40, tzinfo=UTC),
    datetime(2026, 11, 29, 23, 40, tzinfo=UTC),
    datetime(2026, 11, 29, 18, 20, tzinfo=UTC),
]


@pytest.mark.parametrize(
    "moment", SEEDED_AT, ids=["now", "manila-evening", "dublin-evening", "kolkata-evening"]
)
def test_every_business_has_bookings_today_and_each_day_of_the_coming_week(db, moment):
    with frozen_at(moment) if moment else nullcontext():
        call_command("seed_demo", quiet_logins=True)
        _check_the_week()


def _check_the_week():
    for org in Organization.objects.all():
        today = now().astimezone(org.tzinfo).date()
        days = {
            b.starts_at.astimezone(org.tzinfo).date()
            for b in Booking.objects.filter(organization=org)
        }
        week = {today + timedelta(days=n) for n in range(7)}
        assert week <= days, (org.slug, sorted(week - days))


def test_automatic_assignment_gives_a_car_wash_to_a_washer_not_the_parking_attendant(db):
    call_command("seed_demo", quiet_logins=True)
    wash = Organization.objects.get(slug="sparkle-wash")
    owner = User.objects.get(username="wash-owner")
    for hours in range(1, 4):
        booking = services.booking_create(
            organization=wash,
            service=Service.objects.get(organization=wash, name="Car wash"),
            starts_at=now() + timedelta(hours=hours),
            customer_name="Walk-in",
            auto_assign=True,
            acting_user=owner,
        )
        if booking.assignee is not None:
            assert booking.assignee.user.username in {"wash-staff", "wash-staff2"}
            assert booking.assignee.skills.filter(slug="washer").exists()
    operator = StaffMember.objects.get(user__username="wash-operator")
    assert list(operator.skills.values_list("slug", flat=True)) == ["parking-attendant"]


def _change_everything(api, org):
    """Every change the API lets an owner make to the demo data."""
    base = f"/api/orgs/{org.slug}"
    owners = Membership.objects.filter(organization=org, role="owner", user__is_superuser=False)
    client = api.as_user(owners.get().user)
    for booking in Booking.objects.filter(organization=org).order_by("pk"):
        moves = client.get(f"{base}/bookings/{booking.pk}/").json()["next_statuses"]
        for status in ("cancelled", "completed", "expired"):
            if status in moves:
                client.post(f"{base}/bookings/{booking.pk}/transitions/", {"status": status})
                break
    for staff in StaffMember.objects.filter(organization=org):
        assert client.patch(f"{base}/staff/{staff.pk}/", {"skills": []}).status_code == 200
        client.patch(f"{base}/staff/{staff.pk}/", {"capacity": 0})
        client.delete(f"{base}/staff/{staff.pk}/")
    resources = list(Resource.objects.filter(organization=org).order_by("pk"))
    for resource in resources[::2]:
        client.patch(f"{base}/resources/{resource.pk}/", {"in_maintenance": True})
    for resource in resources[1::2]:
        client.delete(f"{base}/resources/{resource.pk}/")
    for service in Service.objects.filter(organization=org):
        client.patch(f"{base}/services/{service.pk}/", {"skill": "nobody"})
        client.delete(f"{base}/services/{service.pk}/")
    for department in Department.objects.filter(organization=org):
        client.delete(f"{base}/departments/{department.pk}/")
    for member in Membership.objects.filter(organization=org, role__in=["operator", "staff"]):
        client.delete(f"{base}/members/{member.pk}/")
    client.patch(f"{base}/", {"timezone": "Pacific/Auckland", "default_staff_capacity": 0})


def test_seeding_again_succeeds_whatever_the_user_changed(api, db):
    """Issue 13: after an owner deactivated "Car wash", `make run` died in seed_demo."""
    call_command("seed_demo", quiet_logins=True)
    for org in Organization.objects.all():
        _change_everything(api, org)
    services_before = list(Service.objects.values_list("pk", "is_active"))
    assert not any(active for _, active in services_before)
    assert not Resource.objects.filter(is_active=True, in_maintenance=False).exists()
    call_command("seed_demo", quiet_logins=True)
    # With no booking left from today on, seeding tries the demo bookings again: what the
    # changed data refuses is skipped, never an error.
    Booking.objects.all().delete()
    call_command("seed_demo", quiet_logins=True)
    # The user's changes stand: nothing deactivated comes back.
    assert list(Service.objects.values_list("pk", "is_active")) == services_before
    assert not StaffMember.objects.filter(is_active=True, user__username="wash-staff").exists()
