from django.db.models import Q

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
    found = _membership(user=user, slug=org_slug)
    if not found:
        raise NotFound()
    return found[0]


def _membership_rows(*, user, slug):
    return Membership.objects.select_related("organization").filter(
        user=user, is_active=True, organization__slug=slug, organization__is_active=True
    )[:1]


# Asked by every request to an organisation's API or pages: compiled once.
_membership = Prepared(_membership_rows, scoped=False)


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
