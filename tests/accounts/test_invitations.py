"""Account takeover, closed: organisations are created by whom the setting says, people join
by accepting an invitation, and no organisation reads or edits another's accounts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from switchboard.accounts.models import (
    InvitationStatus,
    Membership,
    MembershipInvitation,
    Organization,
    User,
)
from switchboard.common.clock import now
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.staff.factories import StaffMemberFactory

SENT_FIELDS = {"id", "username", "role", "status", "token", "accept_url", "expires_at"}


def members_url(org):
    return reverse("member-list", kwargs={"org_slug": org.slug})


def invite(client, org, username, role="staff"):
    return client.post(members_url(org), {"username": username, "role": role}, format="json")


def accept_url(token):
    return reverse("invitation-accept", kwargs={"token": token})


@pytest.fixture
def victim(other_org):
    return MembershipFactory(
        organization=other_org, role="owner", user__email="victim@example.com"
    ).user


def test_by_default_only_superusers_create_organisations(api, db):
    response = api.as_user(UserFactory()).post(reverse("organization-list"), {"name": "Mine"})
    assert response.status_code == 403
    assert not Organization.objects.exists()
    admin = UserFactory(is_superuser=True)
    assert api.as_user(admin).post(reverse("organization-list"), {"name": "Ok"}).status_code == 201


def test_the_takeover_path_is_closed(api, db, settings, victim):
    settings.ORGANIZATION_CREATORS = "any_user"
    attacker = api.as_user(UserFactory())
    created = attacker.post(reverse("organization-list"), {"name": "Trap"})
    assert created.status_code == 201
    trap = Organization.objects.get(slug="trap")

    response = invite(attacker, trap, victim.username)
    assert response.status_code == 202
    assert set(response.data) == SENT_FIELDS
    text = str(response.data)
    for secret in (victim.email, victim.first_name, victim.last_name):
        assert secret not in text
    assert not Membership.objects.filter(organization=trap, user=victim).exists()

    # Without the victim's acceptance there is no membership, so no staff profile to rename.
    staff = attacker.post(
        reverse("staff-list", kwargs={"org_slug": "trap"}), {"user_id": victim.pk}, format="json"
    )
    assert staff.status_code == 400
    victim.refresh_from_db()
    assert victim.email == "victim@example.com"


def test_the_answer_is_the_same_whether_the_username_exists_or_not(api, org, owner, victim):
    client = api.as_user(owner)
    known, unknown = invite(client, org, victim.username), invite(client, org, "nobody-here")
    assert known.status_code == unknown.status_code == 202
    assert set(known.data) == set(unknown.data) == SENT_FIELDS
    assert known.data["status"] == unknown.data["status"] == "pending"


def test_an_organisation_cannot_rename_a_person(api, org, owner):
    profile = StaffMemberFactory(organization=org)
    url = reverse("staff-detail", kwargs={"org_slug": org.slug, "pk": profile.pk})
    names = (profile.user.first_name, profile.user.last_name)
    response = api.as_user(owner).patch(url, {"first_name": "Renamed"}, format="json")
    assert response.status_code == 400 and "first_name" in response.data
    profile.user.refresh_from_db()
    assert (profile.user.first_name, profile.user.last_name) == names
    shown = api.as_user(owner).patch(url, {"display_name": "Desk Lead"}, format="json")
    assert shown.status_code == 200 and shown.data["full_name"] == "Desk Lead"
    profile.user.refresh_from_db()
    assert (profile.user.first_name, profile.user.last_name) == names


def test_the_invitee_lists_and_accepts(api, org, owner, victim):
    token = invite(api.as_user(owner), org, victim.username, "operator").data["token"]
    client = api.as_user(victim)
    listed = client.get(reverse("invitation-list"))
    assert [(i["organization"], i["role"]) for i in listed.data] == [("acme", "operator")]
    response = client.post(accept_url(token), {}, format="json")
    assert response.status_code == 200
    assert Membership.objects.get(organization=org, user=victim).role == "operator"
    assert client.post(accept_url(token), {}, format="json").status_code == 404
    assert client.get(reverse("invitation-list")).data == []


def test_the_invitee_declines(api, org, owner, victim):
    token = invite(api.as_user(owner), org, victim.username).data["token"]
    decline = reverse("invitation-decline", kwargs={"token": token})
    assert api.as_user(victim).post(decline).status_code == 204
    assert MembershipInvitation.objects.get().status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(organization=org, user=victim).exists()


def test_no_one_else_answers_an_existing_accounts_invitation(api, org, owner, victim):
    token = invite(api.as_user(owner), org, victim.username).data["token"]
    assert APIClient().post(accept_url(token), {"password": "x" * 12}).status_code == 404
    assert api.as_user(owner).post(accept_url(token), {}).status_code == 404
    decline = reverse("invitation-decline", kwargs={"token": token})
    assert api.as_user(owner).post(decline).status_code == 404
    assert MembershipInvitation.objects.get().status == InvitationStatus.PENDING
    assert not Membership.objects.filter(organization=org, user=victim).exists()


def test_a_new_account_is_made_only_by_accepting_the_link(api, org, owner):
    token = invite(api.as_user(owner), org, "newbie").data["token"]
    assert not User.objects.filter(username="newbie").exists()
    anonymous = APIClient()
    missing = anonymous.post(accept_url(token), {}, format="json")
    assert missing.status_code == 400 and "password" in missing.data
    assert not User.objects.filter(username="newbie").exists()
    response = anonymous.post(
        accept_url(token), {"password": "a-good-long-secret", "first_name": "Nia"}, format="json"
    )
    assert response.status_code == 200
    user = User.objects.get(username="newbie")
    assert user.check_password("a-good-long-secret") and user.first_name == "Nia"
    assert Membership.objects.get(organization=org, user=user).role == "staff"
    again = anonymous.post(accept_url(token), {"password": "another-long-one"}, format="json")
    assert again.status_code == 404


def test_an_expired_or_replaced_invitation_is_404(api, org, owner):
    client = api.as_user(owner)
    first = invite(client, org, "late").data["token"]
    second = invite(client, org, "late").data["token"]
    assert APIClient().post(accept_url(first), {"password": "long-enough-pw"}).status_code == 404
    MembershipInvitation.objects.filter(token=second).update(expires_at=now() - timedelta(1))
    assert APIClient().post(accept_url(second), {"password": "long-enough-pw"}).status_code == 404
    assert not User.objects.filter(username="late").exists()


def test_inviting_a_member_is_409(api, org, owner, staff_user):
    response = invite(api.as_user(owner), org, staff_user.username)
    assert response.status_code == 409
    assert not MembershipInvitation.objects.exists()


def test_listing_invitations_needs_a_login(db):
    assert APIClient().get(reverse("invitation-list")).status_code in (401, 403)


def test_an_unknown_token_is_404_and_changes_nothing(api, org, owner):
    invite(api.as_user(owner), org, "someone")
    response = APIClient().post(accept_url("not-a-token"), {"password": "long-enough-pw"})
    assert response.status_code == 404
    assert MembershipInvitation.objects.get().status == InvitationStatus.PENDING
    assert not User.objects.filter(username="someone").exists()
