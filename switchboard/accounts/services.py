"""Every write to organisations, memberships and tokens goes through these functions."""

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from switchboard.accounts import permissions
from switchboard.accounts.models import (
    ApiToken,
    Membership,
    Organization,
    Role,
    User,
    validate_timezone,
)
from switchboard.accounts.selectors import TOKEN_FIELDS, active_owner_count, membership_by_token
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from switchboard.common.hooks import Hooks
from switchboard.common.prepared import Prepared
from switchboard.common.tenancy import org_scoped

logger = logging.getLogger(__name__)

# Called with `membership` and `acting_user` when a membership is deactivated; filled by
# apps this one may not import (staff ends the person's profile).
membership_ended = Hooks("membership_ended")

ORG_FIELDS = (
    "name",
    "timezone",
    "default_staff_capacity",
    "booking_backdate_minutes",
    "is_active",
)


def _check_timezone(value):
    try:
        validate_timezone(value)
    except ValidationError as exc:
        raise InvalidInput({"timezone": exc.messages}) from exc


def _check_may_create_organization(acting_user: User | None) -> None:
    if acting_user is None or acting_user.is_superuser:
        return
    if settings.ORGANIZATION_CREATORS == "any_user" and acting_user.is_active:
        return
    raise Forbidden("Only a superuser can create organisations on this installation.")


@transaction.atomic
def organization_create(
    *, name: str, slug: str = "", timezone: str = "UTC", owner: User, acting_user: User | None
) -> Organization:
    """A new organisation owned by `owner`; who may create one is the ORGANIZATION_CREATORS
    setting (superusers, or any logged-in user)."""
    _check_may_create_organization(acting_user)
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
    permissions.require(organization, acting_user, "organization.update")
    unknown = set(changes) - set(ORG_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.save(update_fields=list(changes) or None)
    return organization


def check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput({"role": f"'{role}' is not a role."})


def require_member_change(organization, acting_user, action: str, *roles: str) -> None:
    """`action` from the table, and, when any of `roles` (the member's current or new role)
    is owner or operator, `member.manage_managers`: operators manage staff and customers."""
    role = permissions.require(organization, acting_user, action)
    if any(r in permissions.MANAGERS for r in roles) and not permissions.may(
        role, "member.manage_managers"
    ):
        raise Forbidden("Only an owner can grant, change or remove the owner or operator role.")


@org_scoped
@transaction.atomic
def membership_create(
    *, organization: Organization, user: User, role: str, acting_user: User | None
) -> Membership:
    """Make `user` a member with `role` directly (the admin, the demo seed, an accepted
    invitation); a past, inactive membership comes back."""
    check_role(role)
    require_member_change(organization, acting_user, "member.add", role)
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership and membership.is_active:
        raise Conflict("This person is already a member.", role=membership.role)
    if membership:
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    else:
        membership = Membership.objects.create(organization=organization, user=user, role=role)
    permissions.forget_known_role()
    logger.info("member_added org=%s user=%s role=%s", organization.slug, user.pk, role)
    return membership


def _lock_membership(membership: Membership) -> Membership:
    # Owner-count checks lock the organisation row so two demotions cannot both pass; the
    # acting role is then read afresh, under that lock, not as the request began.
    permissions.forget_known_role()
    Organization.objects.select_for_update().get(pk=membership.organization_id)
    return Membership.objects.select_for_update().get(pk=membership.pk)


def _ensure_not_last_owner(membership: Membership):
    is_owner = membership.role == Role.OWNER and membership.is_active
    if is_owner and active_owner_count(membership.organization) <= 1:
        raise Conflict("An organisation must keep at least one active owner.")


@org_scoped
@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, acting_user: User | None):
    check_role(role)
    membership = _lock_membership(membership)
    require_member_change(
        membership.organization, acting_user, "member.change_role", membership.role, role
    )
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
    permissions.require(membership.organization, acting_user, "member.delete")
    _ensure_not_last_owner(membership)
    membership.delete()


@org_scoped
@transaction.atomic
def membership_deactivate(*, membership: Membership, acting_user: User | None):
    membership = _lock_membership(membership)
    require_member_change(
        membership.organization, acting_user, "member.deactivate", membership.role
    )
    _ensure_not_last_owner(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    # Apps that keep more about a member (a staff profile) end it in this transaction.
    membership_ended.run(membership=membership, acting_user=acting_user)
    return membership


# Users


def _sole_ownerships(user: User) -> list[str]:
    owned = Membership.objects.filter(user=user, role=Role.OWNER, is_active=True)
    return [
        m.organization.name
        for m in owned.select_related("organization")
        if active_owner_count(m.organization) <= 1
    ]


@transaction.atomic
def user_deactivate(*, user: User, acting_user: User | None) -> User:
    """Take a person off every organisation and out of login; users are never deleted, so
    their bookings, assignments and audit rows keep who they were."""
    if acting_user is not None and not acting_user.is_superuser:
        raise Forbidden("Only a superuser can deactivate an account.")
    user = User.objects.select_for_update().get(pk=user.pk)
    for membership in Membership.objects.filter(user=user, role=Role.OWNER, is_active=True):
        Organization.objects.select_for_update().get(pk=membership.organization_id)
    sole = _sole_ownerships(user)
    if sole:
        raise Conflict(
            f"{user.username} is the last active owner of {', '.join(sorted(sole))}; "
            "make someone else an owner first."
        )
    for membership in Membership.objects.filter(user=user, is_active=True):
        membership_deactivate(membership=membership, acting_user=acting_user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    logger.info("user_deactivated user=%s", user.pk)
    return user


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is shown once and never stored."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=_hash_key(key))
    return token, key


def api_token_authenticate(key: str, *, org_slug: str | None = None) -> ApiToken:
    """The token with this key, or NotFound. With `org_slug` (a request to that
    organisation's API), the caller's membership there is read in the same query when
    there is one (`membership_by_token`): the view then does not read it again."""
    key_hash = _hash_key(key)
    membership = membership_by_token(key_hash, org_slug) if org_slug else None
    if membership is not None:
        token = _token_of(membership, key_hash)
    else:
        found = _token(key_hash=key_hash)
        if not found:
            raise NotFound("Invalid token.")
        token = found[0]
    if not token.user.is_active:
        raise NotFound("Invalid token.")
    moment = now()
    # Recorded to the minute: a write on every request would serialise SQLite writers.
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() > 60:
        token.last_used_at = moment
        token.save(update_fields=["last_used_at"])
    return token


def _token_of(membership, key_hash: str) -> ApiToken:
    """The token read along with `membership` (its `token_*` fields), as if read alone."""
    fields = {name: getattr(membership, f"token_{name}") for name in TOKEN_FIELDS}
    token = ApiToken(user=membership.user, key_hash=key_hash, **fields)
    token._state.adding, token._state.db = False, membership._state.db
    return token


def _token_rows(*, key_hash):
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash)[:1]


# Asked by every request that carries a token: compiled once (common/prepared.py).
_token = Prepared(_token_rows, scoped=False)


def api_token_revoke(*, token: ApiToken) -> None:
    token.delete()
