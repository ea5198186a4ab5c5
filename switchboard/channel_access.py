"""Who may subscribe to which real-time channel (DESIGN.md, "Real-time contract").

| channel                               | who                                          |
|---------------------------------------|----------------------------------------------|
| `private-org-{slug}`                  | any active member of the organisation        |
| `private-org-{slug}-staff-{staff_id}` | that staff member, owners, operators         |
| `private-org-{slug}-dept-{dept_slug}` | that department's staff, owners, operators   |
| `presence-org-{slug}`                 | any active member                            |

Project wiring, like `urls.py`: it reads accounts and staff so that the real-time app does
not have to (`settings.REALTIME["CHANNEL_AUTHORIZER"]` names `authorize_channel`).

Slugs may contain hyphens, so a name can be read in more than one way:
`private-org-a-staff-1` is organisation `a`'s staff channel 1, or the organisation channel
of an organisation whose slug is `a-staff-1`. When more than one reading names an existing
organisation the channel is refused to everyone, because its events could belong to
either.
"""

import re

from switchboard.accounts.models import Membership, Organization
from switchboard.accounts.permissions import MANAGERS
from switchboard.common.tenancy import org_scope
from switchboard.realtime.authorization import ChannelGrant
from switchboard.staff.models import StaffMember

SLUG = r"[-a-zA-Z0-9_]+"
PRESENCE = re.compile(rf"^presence-org-(?P<slug>{SLUG})$")
PRIVATE = re.compile(rf"^private-org-(?P<rest>{SLUG})$")
STAFF = re.compile(rf"^(?P<slug>{SLUG})-staff-(?P<staff>[0-9]+)$")
DEPARTMENT_MARK = "-dept-"


def _readings(channel: str) -> list[tuple[str, str, str | None]]:
    """Every (organisation slug, kind, argument) the channel name can mean."""
    match = PRESENCE.match(channel)
    if match:
        return [(match["slug"], "presence", None)]
    match = PRIVATE.match(channel)
    if not match:
        return []
    rest = match["rest"]
    readings = [(rest, "org", None)]
    staff = STAFF.match(rest)
    if staff:
        readings.append((staff["slug"], "staff", staff["staff"]))
    start = rest.find(DEPARTMENT_MARK)
    while start > 0:
        department = rest[start + len(DEPARTMENT_MARK) :]
        if department:
            readings.append((rest[:start], "dept", department))
        start = rest.find(DEPARTMENT_MARK, start + 1)
    return readings


def _membership(user, readings) -> tuple[Membership, str, str | None] | None:
    slugs = {slug for slug, _, _ in readings}
    memberships = {
        m.organization.slug: m
        for m in Membership.objects.select_related("organization").filter(
            user=user, is_active=True, organization__slug__in=slugs, organization__is_active=True
        )
    }
    # Inactive organisations count too: their slugs still name their channels.
    existing = set(Organization.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if len(existing) != 1:
        return None
    slug = existing.pop()
    membership = memberships.get(slug)
    if membership is None:
        return None
    kind, argument = next((k, a) for s, k, a in readings if s == slug)
    return membership, kind, argument


def _is_manager(user, membership) -> bool:
    return user.is_superuser or membership.role in MANAGERS


def _own_staff(user, organization):
    with org_scope(organization):
        return StaffMember.objects.filter(user=user, is_active=True)


def authorize_channel(user, channel: str) -> ChannelGrant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    readings = _readings(channel)
    found = _membership(user, readings) if readings else None
    if found is None:
        return None
    membership, kind, argument = found
    organization = membership.organization
    grant = ChannelGrant(organization_id=organization.pk)
    if kind == "org":
        return grant
    if kind == "presence":
        return ChannelGrant(organization_id=organization.pk, user_info=_user_info(membership))
    if _is_manager(user, membership):
        return grant
    if kind == "staff":
        return grant if _own_staff(user, organization).filter(pk=int(argument)).exists() else None
    if kind == "dept":
        mine = _own_staff(user, organization).filter(
            department__slug=argument, department__is_active=True
        )
        return grant if mine.exists() else None
    return None


def _user_info(membership) -> dict:
    user = membership.user
    return {"name": user.get_full_name() or user.username, "role": membership.role}


def user_data(user) -> dict:
    """What a signed-in connection carries (`pusher.signin()`): the user id and name."""
    return {
        "id": str(user.pk),
        "user_info": {"name": user.get_full_name() or user.username},
    }
