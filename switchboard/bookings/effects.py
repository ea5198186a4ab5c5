"""Side effects a workflow declares for its moves, and how another app attaches its own.

A `SideEffect` names a move of one workflow (a source and a target; either may be left out
to mean "any": `target` alone is "on entering", `source` alone "on leaving") and what
happens when a booking takes it:

- `hook(step)` runs while the move is applied, before the booking is saved: it may change
  the booking's own fields (adding their names to `step.changed`) or refuse with a
  `DomainError`;
- `after(step)` runs once the booking and its audit rows are written: it may write rows of
  its own (an offer, a pickup request);
- `events` are called like `after`, last, to write their events to the outbox.

All three run inside the change's transaction with the booking row locked, so whatever
one of them raises rolls back the whole change: no status, no audit row, no event.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Step:
    """One move being taken, as hooks see it."""

    booking: object
    source: str
    target: str
    user: object
    at: datetime
    # Inputs given with the move (e.g. `rejection_reason`).
    inputs: dict = field(default_factory=dict)
    # Names of the booking's fields that changed; hooks add the ones they change.
    changed: set = field(default_factory=set)


Hook = Callable[[Step], None]


@dataclass(frozen=True)
class SideEffect:
    source: str | None = None
    target: str | None = None
    hook: Hook | None = None
    after: Hook | None = None
    events: tuple[Hook, ...] = ()

    def applies(self, source: str, target: str) -> bool:
        return self.source in (None, source) and self.target in (None, target)


def run_hooks(effects, step: Step) -> None:
    for effect in effects:
        if effect.hook is not None:
            effect.hook(step)


def run_after(effects, step: Step) -> None:
    for effect in effects:
        if effect.after is not None:
            effect.after(step)
    for effect in effects:
        for emit in effect.events:
            emit(step)
