"""Raising and acknowledging alerts.

`alert_raise(key=…, title=…)` is the one call for anything that must tell an operator:
the first raise of a cause opens an alert and e-mails `ALERT_EMAILS`; later raises while it
is open count on it (one alert, not one per failed run). Once acknowledged, the next raise
opens a new one.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.alerts import mail
from switchboard.alerts.models import Alert
from switchboard.alerts.selectors import visible_to
from switchboard.common.clock import now
from switchboard.common.errors import Forbidden, NotFound

logger = logging.getLogger(__name__)

MAX_TITLE = 300
MAX_DETAIL = 8000


def alert_raise(
    *, key: str, title: str, detail: str = "", organization: Organization | None = None
) -> Alert:
    for _ in range(3):
        try:
            with transaction.atomic():
                return _raise(key, title[:MAX_TITLE], detail[-MAX_DETAIL:], organization)
        except IntegrityError:
            continue  # another process opened it meanwhile: count on that one
    raise RuntimeError(f"could not raise alert {key}")


def _raise(key, title, detail, organization) -> Alert:
    at = now()
    updated = Alert.objects.filter(key=key, acknowledged_at__isnull=True).update(
        count=F("count") + 1, last_raised_at=at, detail=detail, title=title
    )
    if updated:
        alert = Alert.objects.get(key=key, acknowledged_at__isnull=True)
        logger.warning("alert_repeated key=%s count=%d", key, alert.count)
        return alert
    alert = Alert.objects.create(
        key=key,
        title=title,
        detail=detail,
        organization=organization,
        first_raised_at=at,
        last_raised_at=at,
    )
    logger.error("alert_raised key=%s title=%s", key, title)
    transaction.on_commit(lambda: mail.alert_mail(alert.pk))
    return alert


def alert_acknowledge(
    *, organization: Organization, alert_id: int, acting_user: User | None
) -> Alert:
    """Acknowledge an open alert that `organization`'s owners are shown (its own, or the
    installation's); another organisation's is a 404."""
    permissions.require(organization, acting_user, "alerts.acknowledge")
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update()
            .filter(pk=alert_id)
            .filter(visible_to(organization))
            .first()
        )
        if alert is None:
            raise NotFound("No such alert.")
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = now(), acting_user
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
            logger.info("alert_acknowledged key=%s count=%d", alert.key, alert.count)
    return alert


def alerts_acknowledge_all(*, alert_ids, acting_user: User) -> int:
    """The admin's: a superuser acknowledges any alerts, of every organisation."""
    if not (acting_user and acting_user.is_superuser):
        raise Forbidden()
    done = Alert.objects.filter(pk__in=list(alert_ids), acknowledged_at__isnull=True).update(
        acknowledged_at=now(), acknowledged_by=acting_user
    )
    logger.info("alerts_acknowledged count=%d", done)
    return done
