from django.db.models import F, Q

from switchboard.accounts.models import Membership, Organization, Role
from switchboard.common.errors import NotFound
from switchboard.common.prepared import Prepared


def organizations_for_user(user):
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        is_active=True, memberships__user=user, memberships__is_active=True
    ).distinct()


def membership_for(user, org_slug: str) -> Membership:
    """The caller's active membership in the organisation, or 404 as if it did not exist."""
    if not user.is_authenticated:
        raise NotFound()
    known = getattr(user, "_membership_read", None)
    if known is not None and known.organization.slug == org_slug:
        return known  # read with the request's token (`membership_by_token`)
    found = _membership(user=user, slug=org_slug)
    if not found:
        raise NotFound()
    return found[0]


def _active_in(slug):
    return Membership.objects.select_related("organization").filter(
        is_active=True, organization__slug=slug, organization__is_active=True
    )


def _membership_rows(*, user, slug):
    return _active_in(slug).filter(user=user)[:1]


# Asked by every request to an organisation's API or pages: compiled once.
_membership = Prepared(_membership_rows, scoped=False)


# The token's own fields, read along with the membership (`membership_by_token`).
TOKEN_FIELDS = ("id", "name", "prefix", "created_at", "last_used_at")


def _member_token_rows(*, key_hash, slug):
    token = "user__api_tokens__"
    return (
        _active_in(slug)
        .select_related("user")
        .filter(**{f"{token}key_hash": key_hash})
        .annotate(**{f"token_{name}": F(f"{token}{name}") for name in TOKEN_FIELDS})[:1]
    )


_member_token = Prepared(_member_token_rows, scoped=False)


def membership_by_token(key_hash: str, org_slug: str) -> Membership | None:
    """The active membership in the organisation `org_slug` of the user whose API token has
    this hash, with the user and the token's own fields (`token_id`, `token_name`…): what
    the authentication of a request to that organisation's API and then its view read, in
    one query instead of two. The membership is kept on its user for `membership_for`.
    None when there is no such membership (the caller reads the token alone)."""
    found = _member_token(key_hash=key_hash, slug=org_slug)
    if not found:
        return None
    membership = found[0]
    membership.user._membership_read = membership
    return membership


def memberships_list(organization, *, role: str | None = None, search: str = ""):
    qs = Membership.objects.filter(organization=organization).select_related("user")
    if role:
        qs = qs.filter(role=role)
    if search:
        qs = qs.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    return qs.order_by("user__username")


def active_owner_count(organization) -> int:
    return Membership.objects.filter(
        organization=organization, role=Role.OWNER, is_active=True
    ).count()
