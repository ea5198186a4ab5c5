"""The one way domain code emits an event: a row per channel in the outbox, inside its
transaction, each carrying only the fields that channel's audience may read."""

import json
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.module_loading import import_string

from switchboard.common.hooks import Hooks
from switchboard.common.transactions import first_time_in_transaction
from switchboard.realtime.events import Event, is_declared
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.relay import nudge_after_commit
from switchboard.realtime.wakeups import announce_commit

logger = logging.getLogger(__name__)

_encoder = DjangoJSONEncoder()

# Called with (organization, events) inside the transaction of the published events (a
# list: one event, or all of a `bulk()` block), so that what they write commits or rolls
# back with the change: the webhooks app queues its deliveries here (realtime imports no
# domain app). An error rolls the change back.
event_hooks = Hooks("event_published")

# The rows and events held back by an open `bulk()` block, written when it closes.
_held: ContextVar[list | None] = ContextVar("outbox_held", default=None)


@contextmanager
def bulk():
    """Hold every `publish` inside the block and write them when it closes: one insert for
    all outbox rows (in publishing order), the hooks once per organisation with its events.
    Each event is checked and filtered exactly as `publish` does at the time it is made.
    Opened inside another `bulk()` block, it joins that one. An error drops what was held."""
    if _held.get() is not None:
        yield
        return
    held: list = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    _flush(held)


def _flush(held: list) -> None:
    if not held:
        return
    events: dict = {}
    with transaction.atomic(savepoint=False):
        OutboxEvent.objects.bulk_create([row for _, rows, _ in held for row in rows])
        for organization, _, declared in held:
            if declared is not None:
                events.setdefault(organization.pk, (organization, []))[1].append(declared)
        for organization, declared in events.values():
            event_hooks.run(organization, declared)
        if first_time_in_transaction(nudge_after_commit):
            announce_commit()
    logger.debug("outbox_written_in_bulk events=%d", len(held))


def _plain(payload: dict) -> dict:
    # Round-trip through the JSON encoder so datetimes, decimals and UUIDs are stored as
    # the strings a client will receive.
    return json.loads(_encoder.encode(payload))


def channel_audience(channel: str) -> frozenset[str]:
    """Who can read `channel` (`settings.REALTIME["CHANNEL_AUDIENCE"]`); ValueError for a
    name that is no channel of ours."""
    return import_string(settings.REALTIME["CHANNEL_AUDIENCE"])(channel)


def publish(
    organization, channels: Iterable[str], event: Event, *, also: frozenset[str] = frozenset()
) -> list[OutboxEvent]:
    """Write a declared `event` on each channel, filtered for that channel's audience
    (widened by `also`: e.g. a staff channel whose owner no longer holds the booking reads
    it as any staff member). Rolled back with the caller's transaction."""
    if not is_declared(event):
        raise TypeError(f"{event!r} is not a declared event.")
    rows = [
        (channel, event.payload_for(channel_audience(channel) | also))
        for channel in dict.fromkeys(channels)
    ]
    return _write(organization, event.event_name, rows, declared=event)


def publish_many(items: Iterable[tuple]) -> list[OutboxEvent]:
    """Write many declared events in one insert: each item is `(organization, channels,
    event)` or `(organization, channels, event, also)`, with exactly the rows, payloads and
    hooks `publish` would write for it, in the given order. For batch work (the expiry
    sweep), where one insert per event would dominate."""
    rows: list[OutboxEvent] = []
    with bulk():
        for organization, channels, event, *rest in items:
            rows += publish(organization, channels, event, also=rest[0] if rest else frozenset())
    return rows


def outbox_write(
    organization, channels: Iterable[str], event: str, payload: dict
) -> list[OutboxEvent]:
    """The same payload on every channel, unchecked: for the relay's own tests and tools.
    Domain code calls `publish`, which decides what each channel may carry."""
    return _write(organization, event, [(channel, payload) for channel in dict.fromkeys(channels)])


def _write(
    organization, event: str, bodies: list[tuple[str, dict]], *, declared: Event | None = None
) -> list[OutboxEvent]:
    rows = [
        OutboxEvent(organization=organization, channel=channel, event=event, payload=_plain(body))
        for channel, body in bodies
    ]
    held = _held.get()
    if held is not None:
        held.append((organization, rows, declared))
        return rows
    # No savepoint of its own (two statements per event saved): an error here marks the
    # caller's transaction for rollback, so the change and its events still go together.
    with transaction.atomic(savepoint=False):
        created = OutboxEvent.objects.bulk_create(rows)
        if declared is not None:
            event_hooks.run(organization, [declared])
        # Wake the relay once the caller's transaction commits (a rollback drops this), in
        # this process and, through the database or Redis, in the one that runs it: once
        # per transaction, however many events it writes.
        if first_time_in_transaction(nudge_after_commit):
            announce_commit()
    logger.debug("outbox_written event=%s channels=%d", event, len(created))
    return created
