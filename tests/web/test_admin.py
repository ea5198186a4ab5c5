"""The admin is a client of the services: its saves and deletes emit the same events."""

from django.test import Client
from django.urls import reverse

from switchboard.staff.models import StaffMember
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.staff.factories import DepartmentFactory, StaffMemberFactory


def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_model_is_registered_with_filters_and_search():
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_models() if m.__module__.startswith("switchboard.")]
    for model in ours:
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, f"{model.__name__} is not in the admin"
        assert model_admin.search_fields, f"{model.__name__} admin has no search"
        assert model_admin.list_filter, f"{model.__name__} admin has no filters"


def test_adding_staff_in_the_admin_goes_through_the_service(org, capture_events):
    user = MembershipFactory(organization=org, role="staff").user
    department = DepartmentFactory(organization=org)
    events = capture_events()
    response = admin_client().post(
        reverse("admin:staff_staffmember_add"),
        {
            "organization": org.pk,
            "user": user.pk,
            "department": department.pk,
            "capacity": 4,
            "phone": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = StaffMember.objects.get(user=user)
    assert staff.capacity == 4
    emitted = events.named("staff-profile-updated")
    assert {e.payload["action"] for e in emitted} == {"created"}
    assert len(emitted) == 2  # the organisation's channel and the department's


def test_admin_refuses_a_department_of_another_org(org, other_org):
    user = MembershipFactory(organization=org, role="staff").user
    foreign = DepartmentFactory(organization=other_org)
    response = admin_client().post(
        reverse("admin:staff_staffmember_add"),
        {"organization": org.pk, "user": user.pk, "department": foreign.pk, "capacity": 3},
    )
    assert response.status_code == 200 and "another organisation" in response.content.decode()
    assert not StaffMember.objects.exists()


def test_deleting_staff_in_the_admin_emits_deleted(org, capture_events):
    staff = StaffMemberFactory(organization=org)
    events = capture_events()
    url = reverse("admin:staff_staffmember_delete", args=[staff.pk])
    response = admin_client().post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not StaffMember.objects.filter(pk=staff.pk).exists()
    assert [e.payload["action"] for e in events.named("staff-profile-updated")] == ["deleted"]


def test_bulk_delete_in_the_admin_emits_one_event_each(org, capture_events):
    team = [StaffMemberFactory(organization=org) for _ in range(3)]
    events = capture_events()
    response = admin_client().post(
        reverse("admin:staff_staffmember_changelist"),
        {"action": "delete_selected", "_selected_action": [s.pk for s in team], "post": "yes"},
    )
    assert response.status_code == 302
    assert len(events.named("staff-profile-updated")) == 3
