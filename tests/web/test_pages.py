import json

import pytest
from django.test import Client
from django.urls import reverse

from switchboard.accounts.models import Membership
from switchboard.web.lockout import lockout_response
from tests.accounts.factories import UserFactory
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

PASSWORD = "correct-horse-battery"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def home(org):
    return reverse("org-home", kwargs={"org_slug": org.slug})


def test_root_sends_a_member_to_their_organisation(org, owner):
    response = logged_in(owner).get("/")
    assert response.status_code == 302 and response["Location"] == home(org)


def test_root_sends_anonymous_to_login(db):
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "marker"),
    [
        ("owner", 'data-testid="people-summary"'),
        ("operator", 'data-testid="staff-table"'),
        ("staff", "You have no staff profile"),
        ("customer", "You are a customer"),
    ],
)
def test_home_shows_what_each_role_needs_first(org, role, marker):
    user = Membership.objects.create(organization=org, user=UserFactory(), role=role).user
    response = logged_in(user).get(home(org))
    assert response.status_code == 200
    assert marker in response.content.decode()


def test_staff_home_shows_their_profile_and_department(org):
    department = DepartmentFactory(organization=org, name="Housekeeping")
    me = StaffMemberFactory(organization=org, department=department)
    colleague = StaffMemberFactory(organization=org, department=department)
    page = logged_in(me.user).get(home(org)).content.decode()
    assert 'data-testid="my-profile"' in page and "Housekeeping" in page
    assert colleague.full_name in page


def test_org_switcher_lists_every_organisation_of_the_user(org, other_org, owner):
    Membership.objects.create(organization=other_org, user=owner, role="staff")
    page = logged_in(owner).get(home(org)).content.decode()
    assert 'id="org-switcher"' in page
    assert home(other_org) in page and home(org) in page


def test_staff_table_partial_filters_by_department(org, operator):
    desk = DepartmentFactory(organization=org, slug="desk")
    at_desk = StaffMemberFactory(organization=org, department=desk)
    elsewhere = StaffMemberFactory(organization=org)
    url = reverse("org-staff-table", kwargs={"org_slug": org.slug})
    page = logged_in(operator).get(url, {"department": "desk"}).content.decode()
    assert at_desk.full_name in page and elsewhere.full_name not in page


def test_staff_table_is_for_managers(org, staff_user):
    url = reverse("org-staff-table", kwargs={"org_slug": org.slug})
    assert logged_in(staff_user).get(url).status_code == 403


def test_login_and_logout_with_the_form(org, owner):
    client = Client()
    response = client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(home(org)).status_code == 200
    client.post(reverse("logout"))
    assert client.get(home(org)).status_code == 302


def test_login_failures_are_rate_limited(org, owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    statuses = [
        client.post(reverse("login"), {"username": owner.username, "password": "bad"}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]  # the form with its error, then the lockout
    locked = client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The page says how long the lock lasts (AXES_COOLOFF_TIME, 15 minutes by default).
    page = locked.content.decode()
    assert 'data-testid="lockout-duration">15 minutes<' in page
    assert locked["Retry-After"] == "900"


def test_health_reports_the_database(db):
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "OK" and response.json()["database"] == "ok"


def test_openapi_schema_and_offline_swagger_ui(db):
    client = Client()
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/orgs/{org_slug}/staff/" in paths and "/api/auth/token/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert "//cdn" not in docs and "unpkg" not in docs


def test_the_lockout_answer_under_api_is_json_with_its_duration(rf):
    answer = lockout_response(rf.post("/api/some-login/"))
    assert answer.status_code == 429 and answer["Retry-After"] == "900"
    assert json.loads(answer.content)["retry_after_seconds"] == 900
