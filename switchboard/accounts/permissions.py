"""Who may do what: the roles, the role a user acts with, and the one table of actions.

Every service that changes state asks `require(organization, user, action)` before it
writes; views only authenticate and resolve the organisation. A role that is missing from
an action's row is refused with 403, through the service and through the API alike.

Roles are the membership roles plus `system`, the actor of jobs (expiry, sweeps), which
services see as `acting_user=None`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from switchboard.accounts.models import Membership, Role
from switchboard.common.errors import Forbidden
from switchboard.common.prepared import Prepared

OWNER = Role.OWNER.value
OPERATOR = Role.OPERATOR.value
STAFF = Role.STAFF.value
CUSTOMER = Role.CUSTOMER.value
SYSTEM = "system"

MEMBER_ROLES = frozenset(Role.values)
MANAGERS = frozenset({OWNER, OPERATOR})
WORKERS = frozenset({OWNER, OPERATOR, STAFF})
WITH_CUSTOMER = frozenset({OWNER, OPERATOR, CUSTOMER})
MANAGERS_AND_JOBS = frozenset({OWNER, OPERATOR, SYSTEM})
OWNERS_AND_JOBS = frozenset({OWNER, SYSTEM})

# action -> the roles that may take it. One section per app, in the order of the layers.
PERMISSIONS: dict[str, frozenset[str]] = {
    # accounts
    #
    "organization.view": MEMBER_ROLES,
    "organization.update": OWNERS_AND_JOBS,
    "member.view": MANAGERS,
    "member.invite": MANAGERS_AND_JOBS,
    # adding an account directly, without its consent: no API route does; the admin
    # (superusers act as owners), the demo seed and accepted invitations (as jobs) do
    "member.add": OWNERS_AND_JOBS,
    "member.change_role": MANAGERS_AND_JOBS,
    "member.deactivate": MANAGERS_AND_JOBS,
    # granting, changing or removing the owner or operator role, on top of the above
    "member.manage_managers": OWNERS_AND_JOBS,
    "member.delete": OWNERS_AND_JOBS,
    # staff
    #
    "department.view": WORKERS,
    "department.create": MANAGERS_AND_JOBS,
    "department.update": MANAGERS_AND_JOBS,
    "department.delete": MANAGERS_AND_JOBS,
    "staff.view": WORKERS,
    "staff.create": MANAGERS_AND_JOBS,
    "staff.update": MANAGERS_AND_JOBS,
    "staff.deactivate": MANAGERS_AND_JOBS,
    "staff.delete": MANAGERS_AND_JOBS,
    "staff.set_pin": MANAGERS_AND_JOBS,
    # jobs have no profile of their own; they are listed so that "own" never narrows them
    "staff.set_own_pin": WORKERS | {SYSTEM},
    # attendance and roster: a staff member punches for themself, managers for anyone
    "attendance.view": WORKERS,
    "attendance.punch_own": WORKERS | {SYSTEM},
    "attendance.punch": MANAGERS_AND_JOBS,
    "attendance.correct": MANAGERS,
    "attendance.close_forgotten": frozenset({SYSTEM}),
    "roster.view": WORKERS,
    "roster.edit": MANAGERS_AND_JOBS,
    "attendance.policy_view": MANAGERS,
    "attendance.policy_edit": OWNERS_AND_JOBS,
    "staff.calendar_token": MANAGERS_AND_JOBS,
    "staff.calendar_token_own": WORKERS | {SYSTEM},
    # kiosk devices: registering one hands out a credential, so owners only
    "kiosk.manage": OWNERS_AND_JOBS,
    # the timesheet of everyone; without it a worker reads their own only
    "attendance.timesheet_all": MANAGERS,
    # catalog
    #
    "service.view": WORKERS,
    "service.create": MANAGERS_AND_JOBS,
    "service.update": MANAGERS_AND_JOBS,
    "resource.view": WORKERS,
    "resource.create": MANAGERS_AND_JOBS,
    "resource.update": MANAGERS_AND_JOBS,
    "resource.delete": MANAGERS_AND_JOBS,
    # slots (docs/slots.md): managers edit anyone's availability and the organisation's
    # holidays; a staff member their own. Every member sees the slots (customers book).
    "availability.view": WORKERS,
    "availability.edit": MANAGERS_AND_JOBS,
    "availability.edit_own": WORKERS | {SYSTEM},
    "slots.view": MEMBER_ROLES,
    "slots.health": MANAGERS,
    "slots.maintain": MANAGERS_AND_JOBS,
    "slots.settings_view": MANAGERS,
    "slots.settings": OWNERS_AND_JOBS,
    # bookings
    #
    # Writes; who may touch which field (staff their own assignments, customers the
    # status of their own bookings) is decided by the service after this row.
    "bookings.create": MANAGERS_AND_JOBS,
    # a start further back than the organisation's back-dating window (`allow_past`)
    "bookings.create_past": MANAGERS_AND_JOBS,
    "bookings.update": MEMBER_ROLES | {SYSTEM},
    "bookings.transition": MEMBER_ROLES | {SYSTEM},
    "bookings.assign": MANAGERS_AND_JOBS,
    "bookings.auto_assign": MANAGERS_AND_JOBS,
    "bookings.set_driver": MANAGERS_AND_JOBS,
    "bookings.unassign": MANAGERS_AND_JOBS,
    "bookings.delete": MANAGERS_AND_JOBS,
    "bookings.reschedule": MANAGERS_AND_JOBS,
    # a seat of a slot: customers for themselves, staff for a named walk-in
    "bookings.book_slot": MEMBER_ROLES | {SYSTEM},
    # Reads; `bookings.list`/`retrieve` show customers only their own bookings and staff
    # only their own assignments (selectors.bookings_visible).
    "bookings.list": MEMBER_ROLES,
    "bookings.retrieve": MEMBER_ROLES,
    "bookings.transitions": WORKERS,
    "bookings.unassigned": MANAGERS,
    "bookings.employees": WORKERS,
    "bookings.assignments": WORKERS,
    "bookings.assignments_of_others": MANAGERS,
    #
    # sessions
    #
    "sessions.start": MANAGERS_AND_JOBS,
    "sessions.extend": MANAGERS_AND_JOBS,
    "sessions.end": MANAGERS_AND_JOBS,
    # no job cancels a session: the session workflow lets only managers take the move
    "sessions.cancel": MANAGERS,
    "sessions.sync": MANAGERS_AND_JOBS,
    "sessions.list": WORKERS,
    "sessions.resource_board": WORKERS,
    #
    # webhooks and alerts: endpoints hold secrets and reach out of the installation
    #
    "webhooks.view": frozenset({OWNER}),
    "webhooks.manage": OWNERS_AND_JOBS,
    "alerts.view": frozenset({OWNER}),
    "alerts.acknowledge": OWNERS_AND_JOBS,
    # dispatch
    #
    # Reads: managers see every driver and pickup; a staff member their own row, the
    # drivers on their own bookings, and the pickups they are on (selectors narrow it).
    "dispatch.view": WORKERS,
    "dispatch.view_all": MANAGERS,
    # a staff member shares their own position; managers and jobs record anyone's
    "dispatch.position_own": WORKERS | {SYSTEM},
    "dispatch.assign": MANAGERS_AND_JOBS,
    "dispatch.auto_assign": MANAGERS_AND_JOBS,
    # the offered driver answers; managers may answer for them
    "dispatch.answer_offer": WORKERS | {SYSTEM},
    "dispatch.batch_assign": MANAGERS_AND_JOBS,
}


def acting_role(organization, user) -> str | None:
    """The role `user` acts with in `organization`: `system` for jobs (no user), `owner` for
    a superuser, the active membership's role, or None for a non-member."""
    if user is None:
        return SYSTEM
    if user.is_superuser:
        return OWNER
    known = _known_role.get()
    if known is not None and known[:2] == (_pk(organization), user.pk):
        return known[2]
    roles = _roles(organization=organization, user=user)
    return roles[0] if roles else None


def _pk(organization) -> int:
    return getattr(organization, "pk", organization)


# The role a request's membership showed when the request began (organisation id, user id,
# role): the API's organisation scoping knows it already, so the services that request calls
# need not ask the database again. Like the query, it is an unlocked read made before any
# write; a membership written meanwhile in this request is asked again (`forget_known_role`).
_known_role: ContextVar[tuple[int, int, str] | None] = ContextVar("known_role", default=None)


@contextmanager
def role_known(organization, user, role: str):
    """For the block: `user` acts in `organization` with `role` (their membership's)."""
    token = _known_role.set((_pk(organization), user.pk, role))
    try:
        yield
    finally:
        _known_role.reset(token)


def forget_known_role() -> None:
    """A membership changed: from now on the role is read from the database again."""
    _known_role.set(None)


def _role_rows(*, organization, user):
    members = Membership.objects.filter(organization=organization, user=user, is_active=True)
    return members.values_list("role", flat=True)[:1]


# Asked several times a request: compiled once (common/prepared.py).
_roles = Prepared(_role_rows, scoped=False)


def may(role: str | None, action: str) -> bool:
    return role is not None and role in PERMISSIONS[action]


def require(organization, user, action: str) -> str:
    """The acting role, or Forbidden when it may not take `action`."""
    role = acting_role(organization, user)
    if not may(role, action):
        raise Forbidden()
    return role
