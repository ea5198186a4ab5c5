"""Real-time channels: their names, who may subscribe, and who reads what arrives on them.

| channel                                | audience (who subscribes)                     |
|----------------------------------------|-----------------------------------------------|
| `private-org-{slug}`                   | internal: owners, operators, staff            |
| `private-org-{slug}.managers`          | owners, operators                             |
| `private-org-{slug}.staff-{staff_id}`  | that staff member, owners, operators          |
| `private-org-{slug}.dept-{dept_slug}`  | that department's staff, owners, operators    |
| `private-org-{slug}.customer-{user_id}`| that customer                                 |
| `presence-org-{slug}`                  | internal members                              |
| `public-org-{slug}`                    | anyone (no authorisation): the public booking |
|                                        | page's free slots, only when that page is on  |

A slug is `[-a-zA-Z0-9_]`, never `.`, so a name splits at its first `.` into exactly one
organisation and one sub-channel: no organisation's slug can spell another's channel.

Audiences are sets of tokens: the roles, plus `staff:self` (the staff member whose channel
it is, reading about their own work) and `customer:self` (the customer whose channel it
is, reading about their own bookings). An event field declares its readers in the same
tokens (`FieldReaders` below); `realtime.publish` sends a field on a channel only when the
channel's whole audience may read it. `docs/events.md` is the reference.

Settings name `authorize_channel`, `audience` and `user_data` (`settings.REALTIME`), so the
real-time app itself imports no domain app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchboard.accounts.models import Membership
from switchboard.accounts.permissions import CUSTOMER, MANAGERS, OPERATOR, OWNER, STAFF
from switchboard.common.tenancy import org_scope
from switchboard.realtime.authorization import ChannelGrant
from switchboard.staff.attendance.selectors import duty_status
from switchboard.staff.models import StaffMember

OWN_STAFF = "staff:self"
OWN_CUSTOMER = "customer:self"
# Anyone at all: a public channel needs no authorisation (Pusher's protocol).
PUBLIC = "public"


class FieldReaders:
    """Who may read a field, as the API shows it to each role."""

    # Whom the event is addressed to knows what it is about: ids, action, time.
    EVERYONE = frozenset({OWNER, OPERATOR, STAFF, OWN_STAFF, OWN_CUSTOMER})
    # What a customer sees of their own booking (the API's customer shape).
    CUSTOMER_SHAPE = frozenset({OWNER, OPERATOR, OWN_STAFF, OWN_CUSTOMER})
    # Read through the internal APIs (staff, employees, resource board, sessions).
    INTERNAL = frozenset({OWNER, OPERATOR, STAFF, OWN_STAFF})
    # A booking in full (notes, staff on it, customer contact): managers, and the staff
    # member whose work it is.
    OWN_WORK = frozenset({OWNER, OPERATOR, OWN_STAFF})
    MANAGERS = frozenset({OWNER, OPERATOR})
    # What the public booking page shows anyone (free slots), when the owner switched it on.
    PUBLIC = frozenset({OWNER, OPERATOR, STAFF, OWN_STAFF, OWN_CUSTOMER, PUBLIC})


INTERNAL_AUDIENCE = frozenset({OWNER, OPERATOR, STAFF})
AUDIENCES: dict[str, frozenset[str]] = {
    "org": INTERNAL_AUDIENCE,
    "managers": frozenset({OWNER, OPERATOR}),
    "staff": frozenset({OWNER, OPERATOR, OWN_STAFF}),
    "dept": INTERNAL_AUDIENCE,
    "customer": frozenset({OWN_CUSTOMER}),
    "presence": INTERNAL_AUDIENCE,
    "public": frozenset({PUBLIC}),
}

SEPARATOR = "."
ORG = "private-org-"
PRESENCE = "presence-org-"
PUBLIC_PREFIX = "public-org-"
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
SUB = re.compile(
    r"^(?:(?P<managers>managers)|staff-(?P<staff>[0-9]+)"
    r"|dept-(?P<dept>[-a-zA-Z0-9_]+)|customer-(?P<customer>[0-9]+))$"
)


def org_channel(org_slug: str) -> str:
    return f"{ORG}{org_slug}"


def managers_channel(org_slug: str) -> str:
    return f"{ORG}{org_slug}{SEPARATOR}managers"


def staff_channel(org_slug: str, staff_id: int) -> str:
    return f"{ORG}{org_slug}{SEPARATOR}staff-{staff_id}"


def dept_channel(org_slug: str, dept_slug: str) -> str:
    return f"{ORG}{org_slug}{SEPARATOR}dept-{dept_slug}"


def customer_channel(org_slug: str, user_id: int) -> str:
    return f"{ORG}{org_slug}{SEPARATOR}customer-{user_id}"


def presence_channel(org_slug: str) -> str:
    return f"{PRESENCE}{org_slug}"


def public_channel(org_slug: str) -> str:
    return f"{PUBLIC_PREFIX}{org_slug}"


@dataclass(frozen=True)
class Channel:
    """A parsed name: the organisation's slug, the kind, and its argument if any."""

    slug: str
    kind: str
    argument: str | None = None


def parse(name: str) -> Channel | None:
    """The one reading of `name`, or None when it is no channel of ours."""
    if name.startswith(PRESENCE):
        slug = name[len(PRESENCE) :]
        return Channel(slug, "presence") if SLUG.match(slug) else None
    if name.startswith(PUBLIC_PREFIX):
        slug = name[len(PUBLIC_PREFIX) :]
        return Channel(slug, "public") if SLUG.match(slug) else None
    if not name.startswith(ORG):
        return None
    slug, dot, rest = name[len(ORG) :].partition(SEPARATOR)
    if not SLUG.match(slug):
        return None
    if not dot:
        return Channel(slug, "org")
    sub = SUB.match(rest)
    if sub is None:
        return None
    kind = next(key for key, value in sub.groupdict().items() if value is not None)
    return Channel(slug, kind, None if kind == "managers" else sub[kind])


def audience(name: str) -> frozenset[str]:
    """Who reads `name`: the tokens of its kind. ValueError for a name not ours."""
    channel = parse(name)
    if channel is None:
        raise ValueError(f"{name!r} is not a Switchboard channel.")
    return AUDIENCES[channel.kind]


def authorize_channel(user, name: str) -> ChannelGrant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    channel = parse(name)
    if channel is None or channel.kind == "public":
        return None  # a public channel is never authorised: it needs no signature
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(
            user=user,
            is_active=True,
            organization__slug=channel.slug,
            organization__is_active=True,
        )
        .first()
    )
    if membership is None or not _may(user, membership, channel):
        return None
    grant = ChannelGrant(organization_id=membership.organization_id)
    if channel.kind == "presence":
        return ChannelGrant(organization_id=grant.organization_id, user_info=_user_info(membership))
    return grant


def _may(user, membership, channel: Channel) -> bool:
    role = OWNER if user.is_superuser else membership.role
    if channel.kind == "customer":
        return int(channel.argument) == user.pk
    if role == CUSTOMER:
        return False
    if channel.kind in ("org", "presence") or role in MANAGERS:
        return True
    with org_scope(membership.organization):
        mine = StaffMember.objects.filter(user=user, is_active=True)
        if channel.kind == "staff":
            return mine.filter(pk=int(channel.argument)).exists()
        if channel.kind == "dept":
            mine = mine.filter(department__slug=channel.argument, department__is_active=True)
            return mine.exists()
    return False


def _user_info(membership) -> dict:
    """What presence shows of a member: name, role and, for staff, duty status as they
    joined (null for members without a staff profile here)."""
    user = membership.user
    with org_scope(membership.organization):
        staff = StaffMember.objects.filter(user=user, is_active=True).first()
        duty = duty_status(staff) if staff else None
    return {
        "name": user.get_full_name() or user.username,
        "role": membership.role,
        "duty_status": duty,
    }


def user_data(user) -> dict:
    """What a signed-in connection carries (`pusher.signin()`): the user id and name."""
    return {
        "id": str(user.pk),
        "user_info": {"name": user.get_full_name() or user.username},
    }


def member_channels(membership, me=None) -> list[str]:
    """The channels a page subscribes to: what carries what it shows to this member.
    `me` is the staff profile of a staff member's page."""
    slug = membership.organization.slug
    if membership.role == CUSTOMER and not membership.user.is_superuser:
        return [customer_channel(slug, membership.user_id)]
    channels = [org_channel(slug), presence_channel(slug)]
    if membership.role in MANAGERS or membership.user.is_superuser:
        channels.append(managers_channel(slug))
    if me is not None:
        channels.append(staff_channel(slug, me.pk))
        if me.department_id:
            channels.append(dept_channel(slug, me.department.slug))
    return channels
