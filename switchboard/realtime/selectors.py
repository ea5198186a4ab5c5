import logging
from datetime import datetime

from django.db import OperationalError, connection, transaction

from switchboard.realtime.models import OutboxEvent

logger = logging.getLogger(__name__)

# How long a replay waits for the transactions writing to the outbox (PostgreSQL).
REPLAY_LOCK_TIMEOUT_MS = 500


def outbox_events_after(
    organization_id: int, *, channel: str, after: int, since: datetime, limit: int
) -> list[OutboxEvent]:
    """The organisation's committed events on `channel` with an id above `after`, created
    at or after `since` (the replay window), oldest first, published or not.

    Not only published ones: the relay hands a batch to the broker and marks it after, so
    a client that subscribes between the two misses the batch live and, if it asked for
    published events only, in its catch-up too (the fault test saw it). Every committed
    event is served instead, as a gap-free prefix: on SQLite ids are handed out in commit
    order; on PostgreSQL a higher id can commit before a lower one, so the read waits
    under a short SHARE lock for the transactions writing to the outbox, as the relay's
    does. An event served here that arrives live later is a duplicate, which clients
    skip by its event_id."""
    rows = OutboxEvent.objects.filter(
        organization_id=organization_id, channel=channel, id__gt=after, created_at__gte=since
    ).order_by("id")
    if connection.vendor != "postgresql":
        return list(rows[:limit])
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{REPLAY_LOCK_TIMEOUT_MS}ms'")
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            return list(rows[:limit])
    except OperationalError as exc:
        # Writers held the table too long: published events only (a gap-free prefix too).
        logger.info("replay_published_only channel=%s error=%s", channel, exc)
        return list(rows.filter(published_at__isnull=False)[:limit])


def latest_event_id(organization_id: int) -> int:
    """The newest published event id of the organisation: a page rendered now has seen up
    to it (a later, unpublished one will still reach it, and is applied once)."""
    newest = (
        OutboxEvent.objects.filter(organization_id=organization_id, published_at__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return newest or 0
