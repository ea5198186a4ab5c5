"""The one way domain code emits an event: a row per channel in the outbox, inside its
transaction, each carrying only the fields that channel's audience may read."""

import json
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.module_loading import import_string

from switchboard.common.hooks import Hooks
from switchboard.realtime.events import Event, is_declared
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.relay import nudge
from switchboard.realtime.wakeups import announce_commit

logger = logging.getLogger(__name__)

_encoder = DjangoJSONEncoder()

# Called with (organization, [events]) inside the transaction of every published event, so
# that what they write commits or rolls back with the change: the webhooks app queues its
# deliveries here (realtime imports no domain app). An error rolls the change back.
event_hooks = Hooks("event_published")


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
    rows, declared = [], {}
    for organization, channels, event, *rest in items:
        if not is_declared(event):
            raise TypeError(f"{event!r} is not a declared event.")
        also = rest[0] if rest else frozenset()
        for channel in dict.fromkeys(channels):
            body = _plain(event.payload_for(channel_audience(channel) | also))
            rows.append(
                OutboxEvent(
                    organization=organization, channel=channel, event=event.event_name, payload=body
                )
            )
        declared.setdefault(organization.pk, (organization, []))[1].append(event)
    if not rows:
        return []
    with transaction.atomic(savepoint=False):
        created = OutboxEvent.objects.bulk_create(rows)
        for organization, events in declared.values():
            event_hooks.run(organization, events)
        transaction.on_commit(nudge)
        announce_commit()
    logger.debug("outbox_written rows=%d", len(created))
    return created


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
    # No savepoint of its own (two statements per event saved): an error here marks the
    # caller's transaction for rollback, so the change and its events still go together.
    with transaction.atomic(savepoint=False):
        created = OutboxEvent.objects.bulk_create(rows)
        if declared is not None:
            event_hooks.run(organization, [declared])
        # Wake the relay once the caller's transaction commits (a rollback drops this), in
        # this process and, through the database or Redis, in the one that runs it.
        transaction.on_commit(nudge)
        announce_commit()
    logger.debug("outbox_written event=%s channels=%d", event, len(created))
    return created
