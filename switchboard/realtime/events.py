"""Typed events: each event's payload is declared once, with who may read each field.

An event is a frozen dataclass that subclasses `Event` and is decorated with `@declare`:

    @declare
    @dataclass(frozen=True, kw_only=True)
    class BookingUnassigned(Event):
        event_name: ClassVar[str] = "booking-unassigned"
        booking_id: Annotated[int, EVERYONE]
        reason: Annotated[str, MANAGERS]

Every field is `Annotated` with its readers: a frozenset of audience tokens (roles, and
the "whose work it is" tokens of `switchboard/staff/channels.py`). A channel has an
audience too, and a field goes out on a channel only when every member of the channel's
audience is among its readers (`payload_for`). The real-time app knows tokens only as strings; the domain gives them
meaning. The dataclass refuses a missing or an unknown field; `publish` refuses an event
that was not declared.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass
from typing import ClassVar

_DECLARED: dict[str, type[Event]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    event_name: ClassVar[str]
    # Where the event may go, by channel kind: for the reference and its test.
    channels: ClassVar[tuple[str, ...]]

    @classmethod
    def field_readers(cls) -> dict[str, frozenset[str]]:
        return _readers(cls)

    def payload_for(self, audience: frozenset[str]) -> dict:
        """The fields every member of `audience` may read."""
        return {
            name: getattr(self, name)
            for name, allowed in self.field_readers().items()
            if audience <= allowed
        }


def declare(cls: type[Event]) -> type[Event]:
    """Register `cls` as the one declaration of its event name."""
    if not (isinstance(cls, type) and issubclass(cls, Event) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"{cls!r} is not an Event dataclass.")
    _readers(cls)  # every field must say who may read it
    existing = _DECLARED.get(cls.event_name)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise TypeError(f"Event {cls.event_name!r} is declared twice.")
    _DECLARED[cls.event_name] = cls
    return cls


@functools.cache
def _readers(cls) -> dict[str, frozenset[str]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    found = {}
    for field in dataclasses.fields(cls):
        extras = getattr(hints[field.name], "__metadata__", ())
        tokens = next((extra for extra in extras if isinstance(extra, frozenset)), None)
        if tokens is None:
            raise TypeError(f"{cls.__name__}.{field.name} does not say who may read it.")
        found[field.name] = tokens
    return found


def is_declared(event) -> bool:
    return isinstance(event, Event) and _DECLARED.get(event.event_name) is type(event)


def declared_events() -> dict[str, type[Event]]:
    """Every declared event by name (the apps' `events` modules must have been imported)."""
    return dict(_DECLARED)
