"""The built-in workflows, as data (DESIGN.md, "Workflows").

Each is a transition table: states, the initial state, the allowed moves with the roles that
may take each, the *active* states (they count towards the assignee's workload) and the
terminal ones. Two extras are bookings' own:

- `driver_active`: the states in which the booking also occupies its driver (seed 002: the
  driver is busy from being assigned the pickup until the therapist has arrived);
- `parent_workflows`: for add-ons, the workflows a parent may have. An add-on counts for its
  assignee while its own status is active *and* its parent is in an active state of the
  parent's workflow (for a reservation: `booked` or `active`, as in seed 000);
- `accepts`: the acceptance flags its people set (an assignment is an offer they accept);
- `effects`: the side effects of its moves (`bookings/effects.py`). Another app adds its
  own with `attach()` from its `AppConfig.ready()`.

Roles are the membership roles plus `system`, the actor of jobs (expiry, sweeps).
"""

from dataclasses import dataclass

from django.db import models

from switchboard.accounts.permissions import (
    MANAGERS,
    MANAGERS_AND_JOBS,
    SYSTEM,
    WITH_CUSTOMER,
    WORKERS,
)
from switchboard.bookings.effects import SideEffect, Step
from switchboard.catalog.models import Workflow
from switchboard.common.errors import NotFound
from switchboard.common.transitions import TransitionTable, table


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
    accepts: frozenset[str] = frozenset()
    effects: tuple[SideEffect, ...] = ()

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

    def targets_requiring(self, field: str) -> list[str]:
        return [target for target, needed in self.requires if needed == field]

    def effects_of(self, source: str, target: str) -> list[SideEffect]:
        """The declared side effects of this move, then those other apps attached."""
        every = [*self.effects, *_ATTACHED.get(self.name, ())]
        return [effect for effect in every if effect.applies(source, target)]


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


def _record_rejection(step: Step) -> None:
    booking = step.booking
    booking.rejection_reason = step.inputs["rejection_reason"].strip()
    booking.rejected_by, booking.rejected_at = step.user, step.at
    # The therapist refused: their acceptance, if any, no longer stands.
    booking.therapist_accepted, booking.therapist_accepted_at = False, None
    step.changed |= {"rejection_reason", "therapist_accepted"}


def _forget_rejection(step: Step) -> None:
    booking = step.booking
    booking.rejection_reason, booking.rejected_by, booking.rejected_at = "", None, None
    step.changed.add("rejection_reason")


def _release_driver(step: Step) -> None:
    # The driver declined: the pickup goes back to the operators, without them.
    booking = step.booking
    booking.driver, booking.driver_accepted, booking.driver_accepted_at = None, False, None
    step.changed |= {"driver", "driver_accepted"}


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
            # Jobs too: a driver's accepted offer is the dispatcher's move (docs/dispatch.md).
            S.PICKUP_REQUESTED: {
                S.DRIVER_ASSIGNED_PICKUP: MANAGERS_AND_JOBS,
                S.CANCELLED: MANAGERS,
            },
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
    accepts=frozenset({"therapist_accepted", "driver_accepted"}),
    effects=(
        SideEffect(target=S.REJECTED.value, hook=_record_rejection),
        SideEffect(source=S.REJECTED.value, hook=_forget_rejection),
        SideEffect(
            source=S.DRIVER_ASSIGNED_PICKUP.value,
            target=S.PICKUP_REQUESTED.value,
            hook=_release_driver,
        ),
    ),
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


# Side effects other apps attached to built-in workflows, by workflow name.
_ATTACHED: dict[str, list[SideEffect]] = {}


def attach(workflow_name: str, effect: SideEffect) -> SideEffect:
    """Add `effect` to a workflow's moves, from another app's `AppConfig.ready()`.

    The states it names must be the workflow's, and a source and target together must be a
    move of its table: a typo fails at start-up, not silently at run time.
    """
    wf = WORKFLOWS.get(workflow_name)
    if wf is None:
        raise ValueError(f"No workflow '{workflow_name}'.")
    for state in (effect.source, effect.target):
        if state is not None and state not in wf.table.states:
            raise ValueError(f"'{state}' is not a state of the {wf.name} workflow.")
    both = effect.source is not None and effect.target is not None
    if both and effect.target not in wf.table.next_states(effect.source):
        raise ValueError(f"{wf.name} has no move '{effect.source}' -> '{effect.target}'.")
    _ATTACHED.setdefault(wf.name, []).append(effect)
    return effect


def detach(workflow_name: str, effect: SideEffect) -> None:
    """Take an attached effect away again (tests)."""
    attached = _ATTACHED.get(workflow_name, [])
    if effect in attached:
        attached.remove(effect)


def workflow(name: str) -> BookingWorkflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise NotFound(f"No workflow '{name}'.") from None
