from datetime import datetime

from switchboard.realtime.models import OutboxEvent


def outbox_events_after(
    organization_id: int, *, channel: str, after: int, since: datetime, limit: int
) -> list[OutboxEvent]:
    """The organisation's events on `channel` with an id above `after`, created at or
    after `since` (the replay window), oldest first."""
    return list(
        OutboxEvent.objects.filter(
            organization_id=organization_id,
            channel=channel,
            id__gt=after,
            created_at__gte=since,
        ).order_by("id")[:limit]
    )


def latest_event_id(organization_id: int) -> int:
    """The newest event id of the organisation: a page rendered now has seen up to it."""
    newest = (
        OutboxEvent.objects.filter(organization_id=organization_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return newest or 0
