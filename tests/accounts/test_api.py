import pytest
from django.urls import reverse

from switchboard.accounts.models import ApiToken, Membership, Organization
from tests.accounts.factories import UserFactory

PASSWORD = "correct-horse-battery"


def test_token_endpoint_issues_a_token_that_authenticates(api, org, owner):
    response = api.post(
        reverse("api-token"), {"username": owner.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    listed = api.get(reverse("organization-list"))
    assert listed.status_code == 200
    assert [o["slug"] for o in listed.data] == ["acme"]


def test_token_endpoint_refuses_a_wrong_password(api, owner):
    response = api.post(
        reverse("api-token"), {"username": owner.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("field", ["username", "password"])
def test_an_overlong_login_is_a_field_error_before_anything_is_recorded(api, owner, field):
    from axes.models import AccessAttempt

    values = {"username": owner.username, "password": "x"} | {field: "u" * 5000}
    response = api.post(reverse("api-token"), values, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not AccessAttempt.objects.exists()


def test_a_bad_token_is_401(api, org):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get(reverse("organization-list")).status_code == 401


def test_token_login_is_rate_limited(api, owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        api.post(reverse("api-token"), {"username": owner.username, "password": "x"}, format="json")
    locked = api.post(
        reverse("api-token"), {"username": owner.username, "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert locked.json()["retry_after_seconds"] == 900
    assert "15 minutes" in locked.json()["detail"]
    assert not ApiToken.objects.exists()


def test_create_organization_makes_caller_owner(api, db, settings):
    settings.ORGANIZATION_CREATORS = "any_user"
    user = UserFactory()
    response = api.as_user(user).post(
        reverse("organization-list"), {"name": "Pixel Cafe", "timezone": "Asia/Kathmandu"}
    )
    assert response.status_code == 201
    assert Membership.objects.get(user=user, organization__slug="pixel-cafe").role == "owner"


@pytest.mark.parametrize(
    "payload", [{"name": ""}, {"name": "X", "timezone": "Nowhere/Land"}, {"slug": "bad slug!"}]
)
def test_invalid_organization_is_400_and_creates_nothing(api, db, payload):
    response = api.as_user(UserFactory(is_superuser=True)).post(
        reverse("organization-list"), payload, format="json"
    )
    assert response.status_code == 400
    assert set(response.data) <= {"name", "timezone", "slug"}
    assert not Organization.objects.exists()


def test_only_owner_changes_the_organization(api, org, owner, operator):
    url = reverse("organization-detail", kwargs={"org_slug": org.slug})
    assert api.as_user(operator).patch(url, {"name": "Hacked"}).status_code == 403
    response = api.as_user(owner).patch(url, {"timezone": "Asia/Manila"})
    assert response.status_code == 200
    org.refresh_from_db()
    assert (org.name, org.timezone) == ("Acme", "Asia/Manila")


def test_members_list_filters_by_role(api, org, owner, operator, staff_user, customer):
    url = reverse("member-list", kwargs={"org_slug": org.slug})
    response = api.as_user(owner).get(url, {"role": "staff"})
    assert response.status_code == 200
    assert [m["user"]["username"] for m in response.data["results"]] == [staff_user.username]


def test_unknown_role_filter_is_400(api, org, owner):
    url = reverse("member-list", kwargs={"org_slug": org.slug})
    response = api.as_user(owner).get(url, {"role": "emperor"})
    assert response.status_code == 400
    assert "role" in response.data


def test_invite_member_answers_with_the_one_time_link(api, org, owner):
    url = reverse("member-list", kwargs={"org_slug": org.slug})
    response = api.as_user(owner).post(url, {"username": "ana", "role": "staff"}, format="json")
    assert response.status_code == 202
    assert response.data["accept_url"].endswith(f"/{response.data['token']}/accept/")
    assert not Membership.objects.filter(user__username="ana").exists()


def test_invalid_invite_is_400_and_changes_nothing(api, org, owner):
    url = reverse("member-list", kwargs={"org_slug": org.slug})
    before = Membership.objects.count()
    response = api.as_user(owner).post(url, {"username": "ana", "role": "king"}, format="json")
    assert response.status_code == 400 and "role" in response.data
    assert Membership.objects.count() == before


def test_staff_cannot_manage_members(api, org, staff_user):
    url = reverse("member-list", kwargs={"org_slug": org.slug})
    assert api.as_user(staff_user).get(url).status_code == 403
    response = api.as_user(staff_user).post(url, {"username": "x", "role": "staff"})
    assert response.status_code == 403


def test_demoting_the_last_owner_is_409(api, org, owner):
    membership = Membership.objects.get(user=owner, organization=org)
    url = reverse("member-detail", kwargs={"org_slug": org.slug, "pk": membership.pk})
    response = api.as_user(owner).patch(url, {"role": "staff"}, format="json")
    assert response.status_code == 409
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_a_token_request_to_an_organisation_reads_token_and_membership_at_once(
    api, org, other_org, operator
):
    """The token and the caller's membership come in one query; every refusal is as before:
    not a member (or no longer one) is 404, an inactive user's token 401."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from switchboard.accounts.services import api_token_issue

    token, key = api_token_issue(user=operator, name="kiosk")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/orgs/{org.slug}/bookings/"
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if '"accounts_membership"' in q["sql"]]
    assert len(reads) == 1 and '"accounts_apitoken"' in reads[0]
    token.refresh_from_db()
    assert token.last_used_at is not None and token.name == "kiosk"
    assert api.get(f"/api/orgs/{other_org.slug}/bookings/").status_code == 404
    assert api.get("/api/orgs/no-such-org/bookings/").status_code == 404
    Membership.objects.filter(user=operator, organization=org).update(is_active=False)
    assert api.get(url).status_code == 404
    Membership.objects.filter(user=operator, organization=org).update(is_active=True)
    operator.is_active = False
    operator.save()
    assert api.get(url).status_code == 401
