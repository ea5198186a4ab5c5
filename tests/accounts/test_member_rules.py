"""Operators manage staff and customers; only owners grant, change or remove the owner and
operator roles. Every role of the actor x every member-changing action, through the API."""

import pytest
from django.urls import reverse

from switchboard.accounts.models import Membership, MembershipInvitation
from tests.accounts.factories import MembershipFactory

ROLES = ("owner", "operator", "staff", "customer")
MANAGED_BY_OPERATORS = {"staff", "customer"}


def allowed(actor: str, *roles: str) -> bool:
    if actor == "owner":
        return True
    return actor == "operator" and set(roles) <= MANAGED_BY_OPERATORS


def detail(org, membership):
    return reverse("member-detail", kwargs={"org_slug": org.slug, "pk": membership.pk})


@pytest.fixture
def acting(org, owner):
    """A client signed in as a member of each role (the `owner` fixture keeps the org owned,
    so the last-owner rule never decides these cases)."""

    def sign_in(api, role):
        return api.as_user(MembershipFactory(organization=org, role=role).user)

    return sign_in


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("role", ROLES)
def test_invite_with_each_role(api, org, acting, actor, role):
    client = acting(api, actor)
    url = reverse("member-list", kwargs={"org_slug": org.slug})
    response = client.post(url, {"username": "newcomer", "role": role}, format="json")
    if allowed(actor, role):
        assert response.status_code == 202, response.data
        assert MembershipInvitation.objects.get().role == role
    else:
        assert response.status_code == 403
        assert not MembershipInvitation.objects.exists()


CHANGES = [(old, new) for old in ROLES for new in ROLES if old != new]


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize(("old", "new"), CHANGES)
def test_change_role_from_and_to_each_role(api, org, acting, actor, old, new):
    client = acting(api, actor)
    target = MembershipFactory(organization=org, role=old)
    response = client.patch(detail(org, target), {"role": new}, format="json")
    target.refresh_from_db()
    if allowed(actor, old, new):
        assert response.status_code == 200, response.data
        assert target.role == new
    else:
        assert response.status_code == 403
        assert target.role == old


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("role", ROLES)
def test_deactivate_each_role(api, org, acting, actor, role):
    client = acting(api, actor)
    target = MembershipFactory(organization=org, role=role)
    response = client.delete(detail(org, target))
    target.refresh_from_db()
    if allowed(actor, role):
        assert response.status_code == 200, response.data
        assert not target.is_active
    else:
        assert response.status_code == 403
        assert target.is_active and target.role == role


def test_an_operator_cannot_demote_or_remove_another_operator(api, org, owner, operator):
    other = MembershipFactory(organization=org, role="operator")
    client = api.as_user(operator)
    assert client.patch(detail(org, other), {"role": "customer"}, format="json").status_code == 403
    assert client.delete(detail(org, other)).status_code == 403
    other.refresh_from_db()
    assert other.role == "operator" and other.is_active
    assert Membership.objects.filter(organization=org, role="operator", is_active=True).count() == 2
