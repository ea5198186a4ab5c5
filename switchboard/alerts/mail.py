"""E-mail for a newly opened alert, to `ALERT_EMAILS` (and, for an organisation's alert,
to its owners' addresses), when Django's e-mail is configured (`EMAIL_HOST` set, or a
backend other than SMTP, as tests use)."""

import logging

from django.conf import settings
from django.core.mail import send_mail

from switchboard.accounts.models import Membership, Role
from switchboard.alerts.models import Alert
from switchboard.common.clock import now

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def configured() -> bool:
    return settings.EMAIL_BACKEND != SMTP_BACKEND or bool(settings.EMAIL_HOST)


def recipients(alert: Alert) -> list[str]:
    found = list(settings.ALERT_EMAILS)
    if alert.organization_id is not None:
        owners = Membership.objects.filter(
            organization_id=alert.organization_id, role=Role.OWNER, is_active=True
        ).exclude(user__email="")
        found += [email for email in owners.values_list("user__email", flat=True)]
    return sorted(set(found))


def alert_mail(alert_id: int) -> bool:
    """Send the alert's e-mail once; a failure to send is logged, never raised."""
    if not configured():
        return False
    alert = Alert.objects.filter(pk=alert_id, emailed_at__isnull=True).first()
    to = recipients(alert) if alert is not None else []
    if not to:
        return False
    subject = f"{settings.EMAIL_SUBJECT_PREFIX}{alert.title}"
    body = f"{alert.title}\n\nRaised at {alert.first_raised_at:%Y-%m-%d %H:%M:%S} UTC.\n\n{alert.detail}"
    try:
        send_mail(subject, body, settings.SERVER_EMAIL, to)
    except Exception as exc:
        logger.warning("alert_mail_failed key=%s error=%s", alert.key, exc)
        return False
    Alert.objects.filter(pk=alert.pk).update(emailed_at=now())
    logger.info("alert_mailed key=%s recipients=%d", alert.key, len(to))
    return True
