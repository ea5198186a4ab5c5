"""Transition tables: a state machine written down as data and checked before anything moves.

A table names its states, the initial one, the allowed moves with the roles that may take
each, the *active* states and the *terminal* ones. Services ask the table first; a move
outside it raises `Conflict` with the current state and the moves that are allowed, so the
API answers 409 and nothing changes.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from switchboard.common.errors import Conflict, Forbidden


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    roles: frozenset[str]


@dataclass(frozen=True)
class TransitionTable:
    name: str
    states: tuple[str, ...]
    initial: str
    moves: tuple[Move, ...]
    active: frozenset[str] = frozenset()
    terminal: frozenset[str] = frozenset()
    _by_source: Mapping[str, dict[str, frozenset[str]]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self):
        self._validate()
        by_source: dict[str, dict[str, frozenset[str]]] = {state: {} for state in self.states}
        for move in self.moves:
            by_source[move.source][move.target] = move.roles
        object.__setattr__(self, "_by_source", by_source)

    def _validate(self):
        known = set(self.states)
        problems = []
        if self.initial not in known:
            problems.append(f"initial state '{self.initial}' is not a state")
        for move in self.moves:
            if move.source not in known or move.target not in known:
                problems.append(f"move {move.source} -> {move.target} names an unknown state")
            if move.source in self.terminal:
                problems.append(f"terminal state '{move.source}' has a way out")
        if not self.active <= known or not self.terminal <= known:
            problems.append("active and terminal states must be states")
        if self.active & self.terminal:
            problems.append("a state cannot be both active and terminal")
        if problems:
            raise ValueError(f"workflow '{self.name}': " + "; ".join(problems))

    def next_states(self, state: str, role: str | None = None) -> list[str]:
        """The states reachable in one move from `state` (for `role`, when given)."""
        targets = self._by_source.get(state, {})
        return [t for t, roles in targets.items() if role is None or role in roles]

    def check(self, state: str, target: str, role: str) -> None:
        """Raise unless `role` may move from `state` to `target`."""
        roles = self._by_source.get(state, {}).get(target)
        if roles is None:
            raise Conflict(
                f"The {self.name} workflow does not allow '{state}' -> '{target}'.",
                status=state,
                allowed=self.next_states(state, role),
            )
        if role not in roles:
            raise Forbidden(
                f"Your role may not take '{state}' -> '{target}' in the {self.name} workflow."
            )

    def is_active(self, state: str) -> bool:
        return state in self.active

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal


def table(
    name: str,
    *,
    initial: str,
    edges: Mapping[str, Mapping[str, Iterable[str]]],
    active: Iterable[str] = (),
    terminal: Iterable[str] = (),
    extra_states: Iterable[str] = (),
) -> TransitionTable:
    """Build a table from `{source: {target: roles}}`; states are collected in order."""
    # str() turns TextChoices members into the plain strings stored in the database.
    states = dict.fromkeys([str(initial)])
    moves = []
    for source, targets in edges.items():
        states.setdefault(str(source))
        for target, roles in targets.items():
            states.setdefault(str(target))
            moves.append(Move(str(source), str(target), frozenset(str(r) for r in roles)))
    active, terminal = [str(s) for s in active], [str(s) for s in terminal]
    for state in [*active, *terminal, *(str(s) for s in extra_states)]:
        states.setdefault(state)
    return TransitionTable(
        name=str(name),
        states=tuple(states),
        initial=str(initial),
        moves=tuple(moves),
        active=frozenset(active),
        terminal=frozenset(terminal),
    )
