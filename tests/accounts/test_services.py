import pytest

from switchboard.accounts import invitations, services
from switchboard.accounts.models import (
    Membership,
    MembershipInvitation,
    Organization,
    Role,
    User,
)
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from tests.accounts.factories import MembershipFactory, UserFactory


def test_organization_create_makes_the_creator_its_owner(db, settings):
    settings.ORGANIZATION_CREATORS = "any_user"
    user = UserFactory()
    org = services.organization_create(
        name="Sparkle Wash", timezone="Asia/Kolkata", owner=user, acting_user=user
    )
    assert org.slug == "sparkle-wash"
    assert Membership.objects.get(organization=org, user=user).role == Role.OWNER


def test_organization_create_rejects_unknown_timezone_and_changes_nothing(db):
    user = UserFactory(is_superuser=True)
    with pytest.raises(InvalidInput) as err:
        services.organization_create(name="X", timezone="Mars/Base", owner=user, acting_user=user)
    assert "timezone" in err.value.fields
    assert not Organization.objects.exists()


def test_invite_of_a_new_name_creates_the_account_only_on_accept(org, owner):
    invitation = invitations.member_invite(
        organization=org, role=Role.STAFF, acting_user=owner, username="newbie"
    )
    assert not User.objects.filter(username="newbie").exists()
    membership = invitations.invitation_accept(
        token=invitation.token, user=None, password="a-long-new-password", first_name="N"
    )
    assert membership.role == Role.STAFF and membership.user.username == "newbie"
    assert membership.user.check_password("a-long-new-password")


def test_invite_of_an_existing_member_is_a_conflict(org, owner, staff_user):
    with pytest.raises(Conflict):
        invitations.member_invite(
            organization=org, role=Role.STAFF, acting_user=owner, username=staff_user.username
        )


def test_operator_cannot_grant_owner_or_operator(org, operator):
    for role in (Role.OWNER, Role.OPERATOR):
        with pytest.raises(Forbidden):
            invitations.member_invite(
                organization=org, role=role, acting_user=operator, username=f"x-{role}"
            )
    assert not MembershipInvitation.objects.exists()


def test_the_last_owner_cannot_be_demoted_or_removed(org, owner):
    membership = Membership.objects.get(organization=org, user=owner)
    with pytest.raises(Conflict):
        services.membership_change_role(membership=membership, role=Role.STAFF, acting_user=owner)
    with pytest.raises(Conflict):
        services.membership_deactivate(membership=membership, acting_user=owner)
    membership.refresh_from_db()
    assert membership.role == Role.OWNER and membership.is_active


def test_a_second_owner_makes_demotion_possible(org, owner):
    second = MembershipFactory(organization=org, role=Role.OWNER)
    services.membership_change_role(membership=second, role=Role.OPERATOR, acting_user=owner)
    second.refresh_from_db()
    assert second.role == Role.OPERATOR


def test_api_token_stores_only_a_hash(db):
    user = UserFactory()
    token, key = services.api_token_issue(user=user, name="kiosk")
    assert key not in (token.key_hash, token.prefix) and key.startswith(token.prefix)
    assert services.api_token_authenticate(key).user == user
