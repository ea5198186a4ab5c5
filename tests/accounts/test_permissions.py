"""The permission table, walked whole: every action, every role that lacks it, refused.

`ACTIONS` maps each action of `permissions.PERMISSIONS` to a callable that performs it as a
given user (None is a job). An action of the table without a callable here fails the walk,
so a section added to the table must add its callables too. The route walk proves the same
refusals through the API of accounts, staff and catalog, and that nothing changes.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from switchboard.accounts import invitations, permissions
from switchboard.accounts import services as accounts
from switchboard.accounts.models import Membership, MembershipInvitation, Organization, User
from switchboard.accounts.permissions import CUSTOMER, OPERATOR, OWNER, STAFF, SYSTEM
from switchboard.alerts.models import Alert
from switchboard.catalog import services as catalog
from switchboard.catalog.models import Resource, Service
from switchboard.common.errors import Forbidden
from switchboard.staff import services as staff_services
from switchboard.staff.models import Department, StaffMember
from switchboard.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.accounts.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.bookings.permission_actions import BOOKING_ACTIONS
from tests.bookings.reschedule_actions import RESCHEDULE_ACTIONS
from tests.catalog.factories import ResourceFactory, ServiceFactory
from tests.dispatch.permission_actions import DISPATCH_ACTIONS
from tests.slots.permission_actions import SLOT_ACTIONS
from tests.staff.attendance_actions import ATTENDANCE_ACTIONS, ATTENDANCE_ROUTES
from tests.staff.factories import DepartmentFactory, StaffMemberFactory
from tests.staff.kiosk_actions import KIOSK_ACTIONS, KIOSK_ROUTES
from tests.support.permissions import api_read
from tests.support.shared import fresh, shared_rows
from tests.test_isolation import routes
from tests.webhooks.permission_actions import WEBHOOK_ACTIONS, WEBHOOK_ROUTES

ROLES = (OWNER, OPERATOR, STAFF, CUSTOMER, SYSTEM)
MEMBER_ROLES = (OWNER, OPERATOR, STAFF, CUSTOMER)


def _member(org, role="staff"):
    return MembershipFactory(organization=org, role=role)


def _own_pin(org, user):
    profile = (
        StaffMemberFactory(organization=org, user=user)
        if user
        else StaffMemberFactory(organization=org)
    )
    staff_services.staff_set_pin(staff=profile, pin="2468", acting_user=user)


ACTIONS = {
    # accounts
    "organization.view": api_read("organization-detail", "organization.view"),
    "organization.update": lambda org, user: accounts.organization_update(
        organization=org, acting_user=user, name="Renamed"
    ),
    "member.view": api_read("member-list", "member.view"),
    "member.invite": lambda org, user: invitations.member_invite(
        organization=org, role=STAFF, acting_user=user, username="newcomer"
    ),
    "member.add": lambda org, user: accounts.membership_create(
        organization=org, user=UserFactory(), role=STAFF, acting_user=user
    ),
    "member.change_role": lambda org, user: accounts.membership_change_role(
        membership=_member(org, STAFF), role=CUSTOMER, acting_user=user
    ),
    "member.deactivate": lambda org, user: accounts.membership_deactivate(
        membership=_member(org, CUSTOMER), acting_user=user
    ),
    "member.manage_managers": lambda org, user: accounts.membership_change_role(
        membership=_member(org, OPERATOR), role=STAFF, acting_user=user
    ),
    "member.delete": lambda org, user: accounts.membership_delete(
        membership=_member(org, STAFF), acting_user=user
    ),
    # staff
    "department.view": api_read("department-list", "department.view"),
    "department.create": lambda org, user: staff_services.department_create(
        organization=org, name="Laundry", acting_user=user
    ),
    "department.update": lambda org, user: staff_services.department_update(
        department=DepartmentFactory(organization=org), name="Renamed", acting_user=user
    ),
    "department.delete": lambda org, user: staff_services.department_delete(
        department=DepartmentFactory(organization=org), acting_user=user
    ),
    "staff.view": api_read("staff-list", "staff.view"),
    "staff.create": lambda org, user: staff_services.staff_create(
        organization=org, user=_member(org, STAFF).user, acting_user=user
    ),
    "staff.update": lambda org, user: staff_services.staff_update(
        staff=StaffMemberFactory(organization=org), capacity=5, acting_user=user
    ),
    "staff.deactivate": lambda org, user: staff_services.staff_deactivate(
        staff=StaffMemberFactory(organization=org), acting_user=user
    ),
    "staff.delete": lambda org, user: staff_services.staff_delete(
        staff=StaffMemberFactory(organization=org), acting_user=user
    ),
    "staff.set_pin": lambda org, user: staff_services.staff_set_pin(
        staff=StaffMemberFactory(organization=org), pin="1357", acting_user=user
    ),
    "staff.set_own_pin": _own_pin,
    # catalog
    "service.view": api_read("service-list", "service.view"),
    "service.create": lambda org, user: catalog.service_create(
        organization=org, name="Polish", acting_user=user
    ),
    "service.update": lambda org, user: catalog.service_update(
        service=ServiceFactory(organization=org), price=5, acting_user=user
    ),
    "resource.view": api_read("resource-list", "resource.view"),
    "resource.create": lambda org, user: catalog.resource_create(
        organization=org, name="Bay 9", kind="wash_bay", acting_user=user
    ),
    "resource.update": lambda org, user: catalog.resource_update(
        resource=ResourceFactory(organization=org), in_maintenance=True, acting_user=user
    ),
    "resource.delete": lambda org, user: catalog.resource_delete(
        resource=ResourceFactory(organization=org), acting_user=user
    ),
    **BOOKING_ACTIONS,
    **ATTENDANCE_ACTIONS,
    **KIOSK_ACTIONS,
    **RESCHEDULE_ACTIONS,
    **WEBHOOK_ACTIONS,
    **DISPATCH_ACTIONS,
    **SLOT_ACTIONS,
}

CASES = [(action, role) for action in sorted(permissions.PERMISSIONS) for role in ROLES]


def _owned_org():
    org = OrganizationFactory(slug="acme", name="Acme")
    return {"org": org, "owner": _member(org, OWNER).user}


@pytest.fixture(scope="module")
def owned(django_db_setup, django_db_blocker):
    """The organisation and its owner, written once for the walk's hundreds of cases; what
    each case changes is rolled back after it (tests/support/shared.py)."""
    yield from shared_rows(django_db_blocker, _owned_org)


@pytest.fixture
def org(owned, db):
    return fresh(owned["org"])


@pytest.fixture
def owner(owned, db):
    return fresh(owned["owner"])


def _actor(org, role):
    return None if role == SYSTEM else _member(org, role).user


def test_every_action_of_the_table_has_a_callable():
    missing = sorted(set(permissions.PERMISSIONS) - set(ACTIONS))
    assert not missing, f"Add a callable to ACTIONS for: {', '.join(missing)}"
    assert set(ACTIONS) <= set(permissions.PERMISSIONS), "ACTIONS names an unknown action"


def test_every_role_in_the_table_is_a_role():
    for action, roles in permissions.PERMISSIONS.items():
        assert roles <= set(ROLES), action


@pytest.mark.parametrize(("action", "role"), CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_the_service_enforces_the_table(org, owner, action, role):
    perform = ACTIONS.get(action)
    if perform is None:
        pytest.fail(f"No callable performs '{action}': add one to ACTIONS.")
    user = _actor(org, role)
    if role in permissions.PERMISSIONS[action]:
        perform(org, user)  # allowed: no refusal
    else:
        with pytest.raises(Forbidden):
            perform(org, user)


# The API routes of accounts, staff and catalog: (route name, method, action, payload).


def _department(org):
    return Department.objects.get(organization=org, slug="desk")


def _profile(org):
    return StaffMember.objects.filter(organization=org).first()


def _service(org):
    return Service.objects.filter(organization=org).first()


def _resource(org):
    return Resource.objects.filter(organization=org).first()


def _target_member(org):
    return Membership.objects.get(organization=org, user__username="target")


ROUTE_CASES = [
    ("organization-detail", "get", "organization.view", None, None),
    ("organization-detail", "patch", "organization.update", None, {"name": "Hacked"}),
    ("member-list", "get", "member.view", None, None),
    ("member-list", "post", "member.invite", None, {"username": "newcomer", "role": "staff"}),
    ("member-detail", "get", "member.view", _target_member, None),
    ("member-detail", "patch", "member.change_role", _target_member, {"role": "customer"}),
    ("member-detail", "delete", "member.deactivate", _target_member, None),
    ("department-list", "get", "department.view", None, None),
    ("department-list", "post", "department.create", None, {"name": "Laundry"}),
    ("department-detail", "get", "department.view", _department, None),
    ("department-detail", "patch", "department.update", _department, {"name": "Renamed"}),
    ("department-detail", "delete", "department.update", _department, None),
    ("staff-list", "get", "staff.view", None, None),
    ("staff-list", "post", "staff.create", None, {"username": "target"}),
    ("staff-detail", "get", "staff.view", _profile, None),
    ("staff-detail", "patch", "staff.update", _profile, {"capacity": 7}),
    ("staff-detail", "delete", "staff.deactivate", _profile, None),
    ("staff-pin", "post", "staff.set_pin", _profile, {"pin": "9753"}),
    ("service-list", "get", "service.view", None, None),
    ("service-list", "post", "service.create", None, {"name": "Polish"}),
    ("service-detail", "get", "service.view", _service, None),
    ("service-detail", "patch", "service.update", _service, {"price": "9.00"}),
    ("service-detail", "delete", "service.update", _service, None),
    ("resource-list", "get", "resource.view", None, None),
    ("resource-list", "post", "resource.create", None, {"name": "Bay 9", "kind": "pc"}),
    ("resource-detail", "get", "resource.view", _resource, None),
    ("resource-detail", "patch", "resource.update", _resource, {"kind": "pc"}),
    ("resource-detail", "delete", "resource.update", _resource, None),
    *ATTENDANCE_ROUTES,
    *KIOSK_ROUTES,
    *WEBHOOK_ROUTES,
]
REFUSALS = [
    (name, method, action, target, payload, role)
    for name, method, action, target, payload in ROUTE_CASES
    for role in MEMBER_ROLES
    if role not in permissions.PERMISSIONS[action]
]
OUR_VIEWS = (
    "switchboard.accounts.",
    "switchboard.staff.",
    "switchboard.catalog.",
    "switchboard.webhooks.",
    "switchboard.alerts.",
)


def _api_view_methods(view):
    return [m for m in view.http_method_names if m != "options" and hasattr(view, m)]


def test_the_route_walk_covers_every_route_of_the_three_apps():
    served = set()
    for (name, kwargs), (_, pattern) in routes().items():
        view = getattr(pattern.callback, "cls", None)
        if "org_slug" in kwargs and view and view.__module__.startswith(OUR_VIEWS):
            methods = getattr(pattern.callback, "actions", None) or _api_view_methods(view)
            served |= {(name, m) for m in methods if m != "head"}
    assert served == {(name, method) for name, method, *_ in ROUTE_CASES}


def _state():
    """Everything a refused request could have changed."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Organization, User, Membership, MembershipInvitation, Department)
    ] + [
        list(model.objects.order_by("pk").values())
        for model in (StaffMember, Service, Resource, WebhookEndpoint, WebhookDelivery, Alert)
    ]


@pytest.fixture
def scene(org, owner):
    DepartmentFactory(organization=org, slug="desk")
    MembershipFactory(organization=org, role=STAFF, user=UserFactory(username="target"))
    StaffMemberFactory(organization=org)
    ServiceFactory(organization=org)
    ResourceFactory(organization=org)
    return org


@pytest.mark.parametrize(
    ("name", "method", "action", "target", "payload", "role"),
    REFUSALS,
    ids=[f"{c[1]}-{c[0]}-{c[5]}" for c in REFUSALS],
)
def test_the_api_refuses_a_role_without_the_action(
    scene, name, method, action, target, payload, role
):
    kwargs = {"org_slug": scene.slug}
    if target is not None:
        kwargs["pk"] = target(scene).pk
    user = _member(scene, role).user
    client = APIClient()
    client.force_authenticate(user)
    before = _state()
    response = getattr(client, method)(reverse(name, kwargs=kwargs), payload, format="json")
    assert response.status_code == 403, (response.status_code, response.data)
    assert _state() == before
