"""The one way domain code emits an event: a row in the outbox, inside its transaction."""

import json
import logging
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.relay import nudge

logger = logging.getLogger(__name__)

_encoder = DjangoJSONEncoder()


def _plain(payload: dict) -> dict:
    # Round-trip through the JSON encoder so datetimes, decimals and UUIDs are stored as
    # the strings a client will receive.
    return json.loads(_encoder.encode(payload))


def publish(organization, channels: Iterable[str], event: str, payload: dict) -> list[OutboxEvent]:
    """Write `event` for each channel; rolled back with the caller's transaction."""
    body = _plain(payload)
    rows = [
        OutboxEvent(organization=organization, channel=channel, event=event, payload=body)
        for channel in dict.fromkeys(channels)
    ]
    with transaction.atomic():
        created = OutboxEvent.objects.bulk_create(rows)
        # Wake the relay once the caller's transaction commits; a rollback drops this.
        transaction.on_commit(nudge)
    logger.debug("outbox_written event=%s channels=%d", event, len(created))
    return created
