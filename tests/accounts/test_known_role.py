"""The role a request's membership showed is reused by the services that request calls,
and read afresh wherever a membership may have changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.accounts import permissions, services
from switchboard.accounts.models import Membership, Role
from switchboard.common.errors import Forbidden
from tests.accounts.factories import MembershipFactory
from tests.bookings.factories import car_wash, staff_with


def role_reads(queries) -> int:
    return sum('"accounts_membership"' in q["sql"] for q in queries.captured_queries)


def test_a_known_role_is_not_asked_again_and_a_forgotten_one_is(org, operator):
    with permissions.role_known(org, operator, Role.OPERATOR):
        with CaptureQueriesContext(connection) as queries:
            assert permissions.require(org, operator, "bookings.create") == Role.OPERATOR
        assert role_reads(queries) == 0
        Membership.objects.filter(organization=org, user=operator).update(role=Role.CUSTOMER)
        permissions.forget_known_role()
        with CaptureQueriesContext(connection) as queries:
            assert permissions.acting_role(org, operator) == Role.CUSTOMER
        assert role_reads(queries) == 1
    assert permissions._known_role.get() is None


def test_the_known_role_is_one_persons_in_one_organisation(org, other_org, operator, owner):
    MembershipFactory(organization=other_org, user=operator, role=Role.STAFF)
    with permissions.role_known(org, operator, Role.OPERATOR):
        assert permissions.acting_role(other_org, operator) == Role.STAFF
        assert permissions.acting_role(org, owner) == Role.OWNER


def test_a_role_change_under_the_organisations_lock_reads_the_role_afresh(org, owner, operator):
    """Two managers changing each other's roles serialise on the organisation row; the
    second must act with the role it has after the first, not the one its request began
    with."""
    second_owner = MembershipFactory(organization=org, role=Role.OWNER).user
    Membership.objects.filter(organization=org, user=second_owner).update(role=Role.OPERATOR)
    target = Membership.objects.get(organization=org, user=owner)
    with permissions.role_known(org, second_owner, Role.OWNER), pytest.raises(Forbidden):
        services.membership_change_role(
            membership=target, role=Role.STAFF, acting_user=second_owner
        )
    target.refresh_from_db()
    assert target.role == Role.OWNER


def test_one_booking_request_reads_the_membership_once(api, org, operator):
    """The membership read that scopes the request; the service's permission check and
    the answer's field choice reuse its role (before: three reads)."""
    wash = car_wash(org)
    staff_with(org, "employee")
    client = api.as_user(operator)
    body = {"service": wash.pk, "starts_at": "2030-01-01T10:00:00Z", "customer_name": "Walk-in"}
    client.post(f"/api/orgs/{org.slug}/bookings/", body, format="json")  # warm-up
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            f"/api/orgs/{org.slug}/bookings/", {**body, "auto_assign": True}, format="json"
        )
    assert answer.status_code == 201, answer.content
    assert answer.json()["assignee"] is not None
    assert role_reads(queries) == 1
