import pytest

from switchboard.common.errors import Conflict, InvalidInput
from switchboard.staff import services
from switchboard.staff.models import StaffMember
from tests.accounts.factories import MembershipFactory
from tests.staff.factories import DepartmentFactory, StaffMemberFactory


def test_staff_create_emits_created_on_org_and_department(org, owner, capture_events):
    department = DepartmentFactory(organization=org, slug="front-desk", name="Front Desk")
    john = MembershipFactory(organization=org, role="staff", user__first_name="John").user
    events = capture_events()
    staff = services.staff_create(
        organization=org,
        acting_user=owner,
        user=john,
        department=department,
        skills=["Reception", "driver"],
    )
    assert staff.capacity == org.default_staff_capacity
    assert events.channels("staff-profile-updated") == [
        "private-org-acme",
        "private-org-acme.dept-front-desk",
    ]
    payload = events.named("staff-profile-updated")[0].payload
    assert payload["action"] == "created"
    assert payload["staff_id"] == staff.pk and payload["user_id"] == staff.user_id
    assert (payload["first_name"], payload["department_slug"]) == ("John", "front-desk")
    assert payload["skills"] == ["driver", "reception"]


def test_staff_update_tells_both_old_and_new_department(org, owner, capture_events):
    old, new = DepartmentFactory(organization=org), DepartmentFactory(organization=org)
    staff = StaffMemberFactory(organization=org, department=old)
    events = capture_events()
    services.staff_update(staff=staff, acting_user=owner, department=new, capacity=5)
    assert events.channels("staff-profile-updated") == sorted(
        [
            "private-org-acme",
            f"private-org-acme.dept-{old.slug}",
            f"private-org-acme.dept-{new.slug}",
        ]
    )
    assert events.named("staff-profile-updated")[0].payload["action"] == "updated"
    staff.refresh_from_db()
    assert (staff.department, staff.capacity) == (new, 5)


def test_staff_deactivate_emits_deleted_once(org, owner, capture_events):
    staff = StaffMemberFactory(organization=org)
    events = capture_events()
    services.staff_deactivate(staff=staff, acting_user=owner)
    services.staff_deactivate(staff=staff, acting_user=owner)
    assert [e.payload["action"] for e in events.named("staff-profile-updated")] == ["deleted"]


def test_department_of_another_org_is_refused(org, other_org, owner, capture_events):
    foreign = DepartmentFactory(organization=other_org)
    staff = StaffMemberFactory(organization=org)
    events = capture_events()
    with pytest.raises(InvalidInput):
        services.staff_update(staff=staff, acting_user=owner, department=foreign)
    staff.refresh_from_db()
    assert staff.department is None and events.rows == []


def test_a_customer_cannot_be_staff(org, owner):
    customer = MembershipFactory(organization=org, role="customer").user
    with pytest.raises(InvalidInput):
        services.staff_create(organization=org, acting_user=owner, user=customer)
    assert not StaffMember.objects.exists()


def test_second_profile_for_one_person_is_a_conflict(org, owner):
    staff = StaffMemberFactory(organization=org)
    with pytest.raises(Conflict):
        services.staff_create(organization=org, acting_user=owner, user=staff.user)


def test_failed_create_rolls_back_profile_and_events(org, owner, capture_events):
    ghost = MembershipFactory(organization=org, role="staff").user
    events = capture_events()
    with pytest.raises(InvalidInput):
        services.staff_create(organization=org, acting_user=owner, user=ghost, skills=["!!"])
    assert not StaffMember.objects.exists() and events.rows == []


def test_kiosk_pin_is_stored_hashed(org, owner):
    staff = StaffMemberFactory(organization=org)
    services.staff_set_pin(staff=staff, pin="4821", acting_user=owner)
    staff.refresh_from_db()
    assert "4821" not in staff.kiosk_pin_hash
    assert services.staff_check_pin(staff=staff, pin="4821")
    assert not services.staff_check_pin(staff=staff, pin="0000")
    with pytest.raises(InvalidInput):
        services.staff_set_pin(staff=staff, pin="12ab", acting_user=owner)


def test_department_delete_keeps_staff_and_tells_them(org, owner, capture_events):
    department = DepartmentFactory(organization=org)
    staff = StaffMemberFactory(organization=org, department=department)
    events = capture_events()
    services.department_delete(department=department, acting_user=owner)
    staff.refresh_from_db()
    assert staff.department is None
    assert events.named("staff-profile-updated")[0].payload["department"] is None
