import pytest
from django.urls import reverse

from switchboard.staff.models import StaffMember
from tests.accounts.factories import MembershipFactory
from tests.staff.factories import DepartmentFactory, StaffMemberFactory


def staff_url(org, pk=None, action=None):
    if pk is None:
        return reverse("staff-list", kwargs={"org_slug": org.slug})
    name = f"staff-{action}" if action else "staff-detail"
    return reverse(name, kwargs={"org_slug": org.slug, "pk": pk})


def snapshot():
    return list(StaffMember.objects.order_by("pk").values())


@pytest.fixture
def team(org):
    desk = DepartmentFactory(organization=org, slug="front-desk")
    house = DepartmentFactory(organization=org, slug="housekeeping")
    return [
        StaffMemberFactory(organization=org, department=desk),
        StaffMemberFactory(organization=org, department=house),
        StaffMemberFactory(organization=org, department=house, is_active=False),
    ]


def test_list_filters_and_paginates(api, org, operator, team):
    client = api.as_user(operator)
    everyone = client.get(staff_url(org))
    assert everyone.status_code == 200 and everyone.data["count"] == 2
    housekeeping = client.get(staff_url(org), {"department": "housekeeping"})
    assert [s["id"] for s in housekeeping.data["results"]] == [team[1].pk]
    inactive = client.get(staff_url(org), {"is_active": "false"})
    assert [s["id"] for s in inactive.data["results"]] == [team[2].pk]
    page = client.get(staff_url(org), {"page_size": 1})
    assert len(page.data["results"]) == 1 and page.data["next"]


def test_staff_list_is_one_query_count_whatever_its_size(
    api, org, operator, django_assert_max_num_queries
):
    for _ in range(15):
        StaffMemberFactory(organization=org)
    client = api.as_user(operator)
    with django_assert_max_num_queries(8):
        assert client.get(staff_url(org)).status_code == 200


def test_create_for_a_member_by_username(api, org, operator, team):
    ramon = MembershipFactory(organization=org, role="staff", user__username="ramon").user
    response = api.as_user(operator).post(
        staff_url(org),
        {
            "username": "ramon",
            "display_name": "Ramon D.",
            "skills": ["driver"],
            "department": "front-desk",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["skills"] == ["driver"]
    assert response.data["department"]["slug"] == "front-desk"
    assert (response.data["user_id"], response.data["full_name"]) == (ramon.pk, "Ramon D.")


def test_create_for_someone_outside_the_organisation_is_400(api, org, other_org, operator):
    stranger = MembershipFactory(organization=other_org, role="staff").user
    response = api.as_user(operator).post(
        staff_url(org), {"username": stranger.username}, format="json"
    )
    assert response.status_code == 400 and "username" in response.data
    assert not StaffMember.objects.filter(user=stranger).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "user_id"),
        ({"username": "x", "capacity": -1}, "capacity"),
        ({"username": "x", "department": "nowhere"}, "department"),
        ({"username": "x", "skills": "driver"}, "skills"),
        ({"user_id": 999999}, "user_id"),
    ],
)
def test_invalid_create_is_400_and_changes_nothing(api, org, operator, team, payload, field):
    before = snapshot()
    response = api.as_user(operator).post(staff_url(org), payload, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert snapshot() == before


def test_update_and_deactivate(api, org, operator, team):
    client = api.as_user(operator)
    response = client.patch(staff_url(org, team[0].pk), {"capacity": 5, "department": None})
    assert response.status_code == 200
    assert (response.data["capacity"], response.data["department"]) == (5, None)
    response = client.delete(staff_url(org, team[0].pk))
    assert response.status_code == 200 and response.data["is_active"] is False


def test_invalid_update_is_400_and_changes_nothing(api, org, operator, team):
    before = snapshot()
    response = api.as_user(operator).patch(
        staff_url(org, team[0].pk), {"capacity": "many"}, format="json"
    )
    assert response.status_code == 400 and "capacity" in response.data
    assert snapshot() == before


def test_staff_can_read_but_not_change_other_staff(api, org, team):
    me = StaffMemberFactory(organization=org)
    client = api.as_user(me.user)
    assert client.get(staff_url(org)).status_code == 200
    before = snapshot()
    assert client.patch(staff_url(org, team[0].pk), {"capacity": 9}).status_code == 403
    assert client.delete(staff_url(org, team[0].pk)).status_code == 403
    assert client.post(staff_url(org, team[0].pk, "pin"), {"pin": "1234"}).status_code == 403
    assert snapshot() == before


def test_staff_sets_their_own_pin(api, org):
    me = StaffMemberFactory(organization=org)
    response = api.as_user(me.user).post(staff_url(org, me.pk, "pin"), {"pin": "4321"})
    assert response.status_code == 204
    me.refresh_from_db()
    assert me.has_kiosk_pin


def test_customer_gets_403(api, org, customer, team):
    assert api.as_user(customer).get(staff_url(org)).status_code == 403


def test_departments_crud(api, org, owner):
    client = api.as_user(owner)
    url = reverse("department-list", kwargs={"org_slug": org.slug})
    created = client.post(url, {"name": "Wash Bay"}, format="json")
    assert created.status_code == 201 and created.data["slug"] == "wash-bay"
    duplicate = client.post(url, {"name": "Wash Bay"}, format="json")
    assert duplicate.status_code == 400 and "slug" in duplicate.data
    detail = reverse("department-detail", kwargs={"org_slug": org.slug, "pk": created.data["id"]})
    assert client.delete(detail).data["is_active"] is False
    assert client.get(url).data["count"] == 0
    assert client.get(url, {"include_inactive": "true"}).data["count"] == 1
