"""Deleting a user in the admin deactivates them through `user_deactivate`: their bookings
keep their assignee and audit rows their actor, and no organisation loses its last owner."""

import pytest
from django.test import Client
from django.urls import reverse

from switchboard.accounts import services
from switchboard.accounts.models import Membership, User
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common.errors import Conflict, Forbidden
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.bookings.factories import book
from tests.catalog.factories import ServiceFactory
from tests.staff.factories import StaffMemberFactory


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def delete_url(user):
    return reverse("admin:accounts_user_delete", args=[user.pk])


def test_admin_delete_deactivates_and_keeps_the_bookkeeping(org, owner, admin_client):
    profile = StaffMemberFactory(organization=org)
    booker = MembershipFactory(organization=org, role="operator").user
    booking = book(org, ServiceFactory(organization=org), booker, assignee=profile)
    for person in (profile.user, booker):
        assert admin_client.post(delete_url(person), {"post": "yes"}).status_code == 302
    assert User.objects.filter(pk__in=[profile.user_id, booker.pk], is_active=False).count() == 2
    assert not Membership.objects.filter(organization=org, user=booker, is_active=True).exists()
    assert Booking.objects.get(pk=booking.pk).assignee_id == profile.pk
    assert BookingTransition.objects.filter(booking=booking, by=booker).exists()


def test_admin_bulk_delete_deactivates(org, owner, admin_client):
    users = [MembershipFactory(organization=org, role="customer").user for _ in range(2)]
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in users], "post": "yes"},
    )
    assert response.status_code == 302
    assert User.objects.filter(pk__in=[u.pk for u in users], is_active=False).count() == 2


def test_the_last_owner_is_refused_with_a_clear_message(org, owner, admin_client):
    response = admin_client.post(delete_url(owner), {"post": "yes"}, follow=True)
    assert "last active owner of Acme" in response.content.decode()
    owner.refresh_from_db()
    assert owner.is_active
    assert Membership.objects.get(organization=org, user=owner).is_active


def test_a_second_owner_makes_it_possible(org, owner):
    MembershipFactory(organization=org, role="owner")
    services.user_deactivate(user=owner, acting_user=None)
    owner.refresh_from_db()
    assert not owner.is_active


def test_only_superusers_deactivate_accounts(org, owner, operator):
    with pytest.raises(Forbidden):
        services.user_deactivate(user=operator, acting_user=owner)
    with pytest.raises(Conflict):
        services.user_deactivate(user=owner, acting_user=None)
    operator.refresh_from_db()
    assert operator.is_active


def test_a_person_who_leaves_is_no_longer_staff_there(org, owner, other_org, capture_events):
    """Ending a membership (an operator's DELETE, or the account's deactivation) ends the
    person's staff profile in that organisation, in the same transaction, with its event;
    their profile elsewhere stays."""
    here = StaffMemberFactory(organization=org)
    there = StaffMemberFactory(organization=other_org, user=here.user)
    MembershipFactory(organization=other_org, user=here.user, role="staff")
    membership = Membership.objects.get(organization=org, user=here.user)
    events = capture_events()
    services.membership_deactivate(membership=membership, acting_user=owner)
    here.refresh_from_db()
    there.refresh_from_db()
    assert not here.is_active and there.is_active
    assert [row.payload["action"] for row in events.named("staff-profile-updated")][:1] == [
        "deleted"
    ]


def test_a_refused_membership_change_leaves_the_profile(org, owner):
    profile = StaffMemberFactory(organization=org)
    membership = Membership.objects.get(organization=org, user=profile.user)
    staff_member = MembershipFactory(organization=org, role="staff").user
    with pytest.raises(Forbidden):
        services.membership_deactivate(membership=membership, acting_user=staff_member)
    profile.refresh_from_db()
    assert profile.is_active
