"""Every write to organisations, memberships and tokens goes through these functions."""

import hashlib
import logging
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from switchboard.accounts.models import (
    ApiToken,
    Membership,
    Organization,
    Role,
    User,
    validate_timezone,
)
from switchboard.accounts.selectors import active_owner_count
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from switchboard.common.tenancy import org_scoped

logger = logging.getLogger(__name__)

ORG_FIELDS = ("name", "timezone", "default_staff_capacity", "is_active")


def _check_timezone(value):
    try:
        validate_timezone(value)
    except ValidationError as exc:
        raise InvalidInput({"timezone": exc.messages}) from exc


def _role_of(organization, user) -> str | None:
    if user is None or user.is_superuser:
        return Role.OWNER
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True
    ).first()
    return membership.role if membership else None


@transaction.atomic
def organization_create(
    *, name: str, slug: str = "", timezone: str = "UTC", owner: User, acting_user: User | None
) -> Organization:
    slug = slug or slugify(name)
    if not slug:
        raise InvalidInput({"slug": "A slug is required."})
    _check_timezone(timezone)
    if Organization.objects.filter(slug=slug).exists():
        raise InvalidInput({"slug": "This slug is taken."})
    organization = Organization.objects.create(name=name, slug=slug, timezone=timezone)
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    logger.info("organization_created slug=%s owner=%s", slug, owner.pk)
    return organization


@org_scoped
@transaction.atomic
def organization_update(*, organization: Organization, acting_user: User | None, **changes):
    unknown = set(changes) - set(ORG_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.save(update_fields=list(changes) or None)
    return organization


def _check_role_grant(organization, acting_user, role: str):
    if role not in Role.values:
        raise InvalidInput({"role": f"'{role}' is not a role."})
    acting_role = _role_of(organization, acting_user)
    if role in (Role.OWNER, Role.OPERATOR) and acting_role != Role.OWNER:
        raise Forbidden("Only an owner can grant the owner or operator role.")


def _new_user(*, username, email, first_name, last_name, password):
    if User.objects.filter(username=username).exists():
        raise InvalidInput({"username": "This username is taken."})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


@org_scoped
@transaction.atomic
def member_invite(
    *,
    organization: Organization,
    role: str,
    acting_user: User | None,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> tuple[Membership, str | None]:
    """Add a person to the organisation; creates the user when the username is new.

    Returns the membership and, for a new user given no password, the one-time password
    generated for them (self-hosted installs often have no mail server to send an invite).
    """
    _check_role_grant(organization, acting_user, role)
    user = User.objects.filter(username=username).first()
    generated = None
    if user is None:
        generated = None if password else secrets.token_urlsafe(12)
        user = _new_user(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            password=password or generated,
        )
    membership = membership_create(
        organization=organization, user=user, role=role, acting_user=acting_user
    )
    return membership, generated


@org_scoped
@transaction.atomic
def membership_create(
    *, organization: Organization, user: User, role: str, acting_user: User | None
) -> Membership:
    """Make `user` a member with `role`; a past, inactive membership comes back."""
    _check_role_grant(organization, acting_user, role)
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership and membership.is_active:
        raise Conflict("This person is already a member.", role=membership.role)
    if membership:
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    else:
        membership = Membership.objects.create(organization=organization, user=user, role=role)
    logger.info("member_added org=%s user=%s role=%s", organization.slug, user.pk, role)
    return membership


def _lock_membership(membership: Membership) -> Membership:
    # Owner-count checks lock the organisation row so two demotions cannot both pass.
    Organization.objects.select_for_update().get(pk=membership.organization_id)
    return Membership.objects.select_for_update().get(pk=membership.pk)


def _ensure_not_last_owner(membership: Membership):
    is_owner = membership.role == Role.OWNER and membership.is_active
    if is_owner and active_owner_count(membership.organization) <= 1:
        raise Conflict("An organisation must keep at least one active owner.")


@org_scoped
@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, acting_user: User | None):
    _check_role_grant(membership.organization, acting_user, role)
    membership = _lock_membership(membership)
    if (
        membership.role == Role.OWNER
        and _role_of(membership.organization, acting_user) != Role.OWNER
    ):
        raise Forbidden("Only an owner can change an owner's role.")
    if role != Role.OWNER:
        _ensure_not_last_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@org_scoped
@transaction.atomic
def membership_delete(*, membership: Membership, acting_user: User | None) -> None:
    """Remove a membership row entirely (the admin's delete); the last owner stays."""
    membership = _lock_membership(membership)
    _ensure_not_last_owner(membership)
    membership.delete()


@org_scoped
@transaction.atomic
def membership_deactivate(*, membership: Membership, acting_user: User | None):
    membership = _lock_membership(membership)
    if (
        membership.role == Role.OWNER
        and _role_of(membership.organization, acting_user) != Role.OWNER
    ):
        raise Forbidden("Only an owner can remove an owner.")
    _ensure_not_last_owner(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    return membership


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is shown once and never stored."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=_hash_key(key))
    return token, key


def api_token_authenticate(key: str) -> ApiToken:
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key)).first()
    if token is None or not token.user.is_active:
        raise NotFound("Invalid token.")
    moment = now()
    # Recorded to the minute: a write on every request would serialise SQLite writers.
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() > 60:
        token.last_used_at = moment
        token.save(update_fields=["last_used_at"])
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    token.delete()
