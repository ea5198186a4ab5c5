from django.db.models import Q

from switchboard.alerts.models import Alert


def visible_to(organization) -> Q:
    """The installation's alerts and `organization`'s own."""
    return Q(organization__isnull=True) | Q(organization=organization)


def alerts_for(organization, *, open_only: bool = False, limit: int = 100) -> list[Alert]:
    found = Alert.objects.filter(visible_to(organization))
    if open_only:
        found = found.filter(acknowledged_at__isnull=True)
    return list(found.order_by("acknowledged_at", "-last_raised_at", "-id")[:limit])


def open_count(organization) -> int:
    return Alert.objects.filter(visible_to(organization), acknowledged_at__isnull=True).count()
