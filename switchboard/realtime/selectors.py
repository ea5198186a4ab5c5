from datetime import datetime

from switchboard.realtime.models import OutboxEvent


def outbox_events_after(
    organization_id: int, *, channel: str, after: int, since: datetime, limit: int
) -> list[OutboxEvent]:
    """The organisation's published events on `channel` with an id above `after`, created
    at or after `since` (the replay window), oldest first.

    Only published rows: the relay publishes in id order, so they have no gaps. On
    PostgreSQL a higher id can commit before a lower one; handing out the higher one first
    would let a client move its position past an event it has not seen yet."""
    return list(
        OutboxEvent.objects.filter(
            organization_id=organization_id,
            channel=channel,
            id__gt=after,
            created_at__gte=since,
            published_at__isnull=False,
        ).order_by("id")[:limit]
    )


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
