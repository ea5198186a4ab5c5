"""The built-in workflows, as data (DESIGN.md, "Workflows").

Each is a transition table: states, the initial state, the allowed moves with the roles that
may take each, the *active* states (they count towards the assignee's workload) and the
terminal ones. Two extras are bookings' own:

- `driver_active`: the states in which the booking also occupies its driver (seed 002: the
  driver is busy from being assigned the pickup until the therapist has arrived);
- `parent_workflows`: for add-ons, the workflows a parent may have. An add-on counts for its
  assignee while its own status is active *and* its parent is in an active state of the
  parent's workflow (for a reservation: `booked` or `active`, as in seed 000).

Roles are the membership roles plus `system`, the actor of jobs (expiry, sweeps).
"""

from dataclasses import dataclass

from django.db import models

from switchboard.catalog.models import Workflow
from switchboard.common.errors import NotFound
from switchboard.common.transitions import TransitionTable, table

OWNER, OPERATOR, STAFF, CUSTOMER, SYSTEM = "owner", "operator", "staff", "customer", "system"
MANAGERS = (OWNER, OPERATOR)
WORKERS = (OWNER, OPERATOR, STAFF)
WITH_CUSTOMER = (OWNER, OPERATOR, CUSTOMER)
MANAGERS_AND_JOBS = (OWNER, OPERATOR, SYSTEM)


class Status(models.TextChoices):
    """Every status of every workflow; each workflow uses a subset."""

    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    BOOKED = "booked", "Booked"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REJECTED = "rejected", "Rejected"
    PICKUP_REQUESTED = "pickup_requested", "Pickup requested"
    DRIVER_ASSIGNED_PICKUP = "driver_assigned_pickup", "Driver assigned for pickup"
    DRIVER_EN_ROUTE_PICKUP = "driver_en_route_pickup", "Driver en route for pickup"
    DRIVER_ARRIVED_PICKUP = "driver_arrived_pickup", "Driver arrived for pickup"
    THERAPIST_PICKED_UP = "therapist_picked_up", "Therapist picked up"
    EN_ROUTE = "en_route", "En route"
    ARRIVED = "arrived", "Arrived"


S = Status


@dataclass(frozen=True)
class BookingWorkflow:
    table: TransitionTable
    driver_active: frozenset[str] = frozenset()
    parent_workflows: tuple[str, ...] = ()
    # Moves that need a value before they may be taken (field name per target state).
    requires: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def is_addon(self) -> bool:
        return bool(self.parent_workflows)

    @property
    def has_driver(self) -> bool:
        return bool(self.driver_active)

    def required_field(self, target: str) -> str | None:
        return dict(self.requires).get(target)


STANDARD = BookingWorkflow(
    table(
        Workflow.STANDARD,
        initial=S.PENDING,
        edges={
            S.PENDING: {S.CONFIRMED: MANAGERS, S.CANCELLED: WITH_CUSTOMER},
            S.CONFIRMED: {S.IN_PROGRESS: WORKERS, S.CANCELLED: WITH_CUSTOMER},
            S.IN_PROGRESS: {S.COMPLETED: WORKERS},
        },
        active=[S.PENDING, S.CONFIRMED, S.IN_PROGRESS],
        terminal=[S.COMPLETED, S.CANCELLED],
    )
)

RESERVATION = BookingWorkflow(
    table(
        Workflow.RESERVATION,
        initial=S.BOOKED,
        edges={
            S.BOOKED: {S.ACTIVE: WORKERS, S.CANCELLED: WITH_CUSTOMER, S.EXPIRED: MANAGERS_AND_JOBS},
            S.ACTIVE: {S.COMPLETED: (*WORKERS, SYSTEM), S.EXPIRED: MANAGERS_AND_JOBS},
        },
        active=[S.BOOKED, S.ACTIVE],
        terminal=[S.COMPLETED, S.CANCELLED, S.EXPIRED],
    )
)

ADDON = BookingWorkflow(
    table(
        Workflow.ADDON,
        initial=S.PENDING,
        edges={
            S.PENDING: {S.IN_PROGRESS: WORKERS, S.CANCELLED: WITH_CUSTOMER},
            S.IN_PROGRESS: {S.COMPLETED: WORKERS, S.CANCELLED: MANAGERS},
        },
        active=[S.PENDING, S.IN_PROGRESS],
        terminal=[S.COMPLETED, S.CANCELLED],
    ),
    parent_workflows=(Workflow.RESERVATION.value,),
)

# Seed 002's chain. The therapist is the assignee; `rejected` is where a therapist's refusal
# lands: it no longer counts for them, and an operator reopens it (to someone else) or
# cancels it. A driver who declines sends the booking back to `pickup_requested`.
HOME_SERVICE = BookingWorkflow(
    table(
        Workflow.HOME_SERVICE,
        initial=S.PENDING,
        edges={
            S.PENDING: {S.CONFIRMED: WORKERS, S.REJECTED: WORKERS, S.CANCELLED: WITH_CUSTOMER},
            S.CONFIRMED: {
                S.PICKUP_REQUESTED: WORKERS,
                S.EN_ROUTE: WORKERS,
                S.REJECTED: WORKERS,
                S.CANCELLED: WITH_CUSTOMER,
            },
            S.REJECTED: {S.PENDING: MANAGERS, S.CANCELLED: MANAGERS},
            S.PICKUP_REQUESTED: {S.DRIVER_ASSIGNED_PICKUP: MANAGERS, S.CANCELLED: MANAGERS},
            S.DRIVER_ASSIGNED_PICKUP: {
                S.DRIVER_EN_ROUTE_PICKUP: WORKERS,
                S.PICKUP_REQUESTED: WORKERS,
                S.CANCELLED: MANAGERS,
            },
            S.DRIVER_EN_ROUTE_PICKUP: {S.DRIVER_ARRIVED_PICKUP: WORKERS, S.CANCELLED: MANAGERS},
            S.DRIVER_ARRIVED_PICKUP: {S.THERAPIST_PICKED_UP: WORKERS},
            S.THERAPIST_PICKED_UP: {S.EN_ROUTE: WORKERS},
            S.EN_ROUTE: {S.ARRIVED: WORKERS},
            S.ARRIVED: {S.IN_PROGRESS: WORKERS},
            S.IN_PROGRESS: {S.COMPLETED: WORKERS},
        },
        active=[
            S.PENDING,
            S.CONFIRMED,
            S.PICKUP_REQUESTED,
            S.DRIVER_ASSIGNED_PICKUP,
            S.DRIVER_EN_ROUTE_PICKUP,
            S.DRIVER_ARRIVED_PICKUP,
            S.THERAPIST_PICKED_UP,
            S.EN_ROUTE,
            S.ARRIVED,
            S.IN_PROGRESS,
        ],
        terminal=[S.COMPLETED, S.CANCELLED],
    ),
    driver_active=frozenset(
        {
            S.DRIVER_ASSIGNED_PICKUP.value,
            S.DRIVER_EN_ROUTE_PICKUP.value,
            S.DRIVER_ARRIVED_PICKUP.value,
            S.THERAPIST_PICKED_UP.value,
            S.EN_ROUTE.value,
        }
    ),
    requires=((S.DRIVER_ASSIGNED_PICKUP.value, "driver"), (S.REJECTED.value, "rejection_reason")),
)

# Seed 004: a timed session on a machine; it ends at `ends_at` or earlier by hand.
SESSION = BookingWorkflow(
    table(
        Workflow.SESSION,
        initial=S.ACTIVE,
        edges={S.ACTIVE: {S.COMPLETED: (*WORKERS, SYSTEM), S.CANCELLED: MANAGERS}},
        active=[S.ACTIVE],
        terminal=[S.COMPLETED, S.CANCELLED],
    )
)

WORKFLOWS: dict[str, BookingWorkflow] = {
    wf.name: wf for wf in (STANDARD, RESERVATION, ADDON, HOME_SERVICE, SESSION)
}

# Workflows whose bookings can carry add-ons (a change to them can move the add-ons' people).
PARENT_WORKFLOWS = frozenset(p for wf in WORKFLOWS.values() for p in wf.parent_workflows)


def _check_statuses_are_known():
    known = set(Status.values)
    for wf in WORKFLOWS.values():
        if set(wf.table.states) - known:
            raise ValueError(f"{wf.name} uses statuses missing from Status")
        if not wf.driver_active <= wf.table.active:
            raise ValueError(f"{wf.name}: a driver can only be busy in an active state")


_check_statuses_are_known()


def workflow(name: str) -> BookingWorkflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise NotFound(f"No workflow '{name}'.") from None
