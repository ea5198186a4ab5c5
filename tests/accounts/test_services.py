import pytest

from switchboard.accounts import services
from switchboard.accounts.models import Membership, Organization, Role, User
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from tests.accounts.factories import MembershipFactory, UserFactory


def test_organization_create_makes_the_creator_its_owner(db):
    user = UserFactory()
    org = services.organization_create(
        name="Sparkle Wash", timezone="Asia/Kolkata", owner=user, acting_user=user
    )
    assert org.slug == "sparkle-wash"
    assert Membership.objects.get(organization=org, user=user).role == Role.OWNER


def test_organization_create_rejects_unknown_timezone_and_changes_nothing(db):
    user = UserFactory()
    with pytest.raises(InvalidInput) as err:
        services.organization_create(name="X", timezone="Mars/Base", owner=user, acting_user=user)
    assert "timezone" in err.value.fields
    assert not Organization.objects.exists()


def test_invite_creates_a_user_with_a_one_time_password(org, owner):
    membership, password = services.member_invite(
        organization=org, role=Role.STAFF, acting_user=owner, username="newbie", first_name="N"
    )
    assert membership.role == Role.STAFF
    assert password and membership.user.check_password(password)


def test_invite_of_an_existing_member_is_a_conflict(org, owner, staff_user):
    with pytest.raises(Conflict):
        services.member_invite(
            organization=org, role=Role.STAFF, acting_user=owner, username=staff_user.username
        )


def test_operator_cannot_grant_owner_or_operator(org, operator):
    for role in (Role.OWNER, Role.OPERATOR):
        with pytest.raises(Forbidden):
            services.member_invite(
                organization=org, role=role, acting_user=operator, username=f"x-{role}"
            )
    assert not User.objects.filter(username__startswith="x-").exists()


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
