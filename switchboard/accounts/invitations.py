"""Invitations: how a person comes to belong to an organisation.

An organisation never takes an account: it offers a role, and the person accepts. The
inviter learns only what they typed (username, role) and the invitation's own id, status
and one-time token, whether or not an account with that username exists, so an invitation
cannot be used to look accounts up. An unknown username's account is created only when the
one-time link is accepted, with the password its owner chooses.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from switchboard.accounts.models import (
    InvitationStatus,
    Membership,
    MembershipInvitation,
    Organization,
    User,
)
from switchboard.accounts.services import check_role, membership_create, require_member_change
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)


@transaction.atomic
def member_invite(
    *,
    organization: Organization,
    role: str,
    acting_user: User | None,
    username: str,
    email: str = "",
) -> MembershipInvitation:
    """Offer `role` to `username`; an earlier pending offer to the same name is replaced."""
    check_role(role)
    require_member_change(organization, acting_user, "member.invite", role)
    user = User.objects.filter(username=username, is_active=True).first()
    if (
        user
        and Membership.objects.filter(organization=organization, user=user, is_active=True).exists()
    ):
        raise Conflict("This person is already a member.")
    pending = MembershipInvitation.objects.filter(
        organization=organization, username=username, status=InvitationStatus.PENDING
    )
    pending.update(status=InvitationStatus.REVOKED, responded_at=now())
    invitation = MembershipInvitation.objects.create(
        organization=organization,
        username=username,
        email=email,
        role=role,
        user=user,
        token=secrets.token_urlsafe(32),
        invited_by=acting_user,
        expires_at=now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    logger.info("member_invited org=%s invitation=%s", organization.slug, invitation.pk)
    return invitation


def _pending(token: str, user: User | None) -> MembershipInvitation:
    """The pending invitation `token` names, if `user` may answer it; otherwise 404, so a
    token cannot be probed for whose it is."""
    invitation = (
        MembershipInvitation.objects.select_for_update()
        .select_related("organization")
        .filter(token=token, status=InvitationStatus.PENDING, expires_at__gt=now())
        .first()
    )
    if invitation is None or not invitation.organization.is_active:
        raise NotFound("No pending invitation with this token.")
    signed_in = user is not None and user.is_authenticated
    if invitation.user_id is not None and not (signed_in and user.pk == invitation.user_id):
        raise NotFound("No pending invitation with this token.")
    return invitation


def _new_account(invitation, *, password, first_name, last_name, email) -> User:
    if not password:
        raise InvalidInput({"password": "Choose a password for the new account."})
    user = User(
        username=invitation.username,
        email=email or invitation.email,
        first_name=first_name,
        last_name=last_name,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict("This username was taken meanwhile; ask for a new invitation.") from exc
    return user


def _respond(invitation, status: str, user: User | None) -> None:
    invitation.status, invitation.responded_at = status, now()
    invitation.user = user
    invitation.save(update_fields=["status", "responded_at", "user"])


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None,
    password: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> Membership:
    """Join the organisation: as the signed-in invitee, or, for a username that had no
    account, as the new account created here with the password given."""
    invitation = _pending(token, user)
    if invitation.user_id is None:
        user = _new_account(
            invitation, password=password, first_name=first_name, last_name=last_name, email=email
        )
    # The inviter's right was checked when the offer was made; accepting it is the system
    # carrying that decision out.
    membership = Membership.objects.filter(
        organization=invitation.organization, user=user, is_active=True
    ).first() or membership_create(
        organization=invitation.organization, user=user, role=invitation.role, acting_user=None
    )
    _respond(invitation, InvitationStatus.ACCEPTED, user)
    logger.info("invitation_accepted invitation=%s user=%s", invitation.pk, user.pk)
    return membership


@transaction.atomic
def invitation_decline(*, token: str, user: User | None) -> MembershipInvitation:
    invitation = _pending(token, user)
    _respond(invitation, InvitationStatus.DECLINED, invitation.user)
    return invitation


def invitations_for_user(user: User):
    """The signed-in person's pending invitations, newest first."""
    return (
        MembershipInvitation.objects.filter(
            user=user, status=InvitationStatus.PENDING, expires_at__gt=now()
        )
        .filter(organization__is_active=True)
        .select_related("organization", "invited_by")
    )
