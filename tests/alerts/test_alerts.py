"""Alerts: a failed job, an audit difference or a switched-off endpoint raises one; one
open alert per cause, counted; e-mailed once to ALERT_EMAILS through a real SMTP server;
owners see and acknowledge them."""

import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from switchboard.alerts import services
from switchboard.alerts.models import Alert
from switchboard.scheduler import audit, execution
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Every

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        self.arrived.set()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.ALERT_EMAILS = ["ops@example.com", "boss@example.com"]
    yield inbox
    controller.stop()


def _failing():
    raise RuntimeError("the disk is full")


def _failing_job(name="backup"):
    return Job(name=name, schedule=Every(timedelta(hours=1)), func=_failing)


def test_repeated_failures_of_a_job_make_one_alert_counted_and_one_mail(smtp, api, org, owner):
    for _ in range(3):
        assert execution.execute(_failing_job(), holder="test").error
    alert = Alert.objects.get()
    assert (alert.key, alert.count, alert.organization) == ("job:backup", 3, None)
    assert "the disk is full" in alert.detail
    assert smtp.arrived.wait(30)
    assert len(smtp.messages) == 1
    recipients, content = smtp.messages[0]
    assert sorted(recipients) == ["boss@example.com", "ops@example.com"]
    assert "Job backup failed" in content
    assert Alert.objects.get().emailed_at is not None

    # Owners see it (without the traceback) and acknowledge it; the next failure opens a
    # new alert, and sends a new mail.
    client = api.as_user(owner)
    listed = client.get(f"/api/orgs/{org.slug}/alerts/").data
    assert [(a["title"], a["count"], a["is_open"]) for a in listed] == [
        ("Job backup failed", 3, True)
    ]
    assert "detail" not in listed[0]
    done = client.post(f"/api/orgs/{org.slug}/alerts/{alert.pk}/acknowledge/")
    assert done.status_code == 200 and not done.data["is_open"]
    smtp.arrived.clear()
    execution.execute(_failing_job(), holder="test")
    assert Alert.objects.filter(acknowledged_at__isnull=True).get().count == 1
    assert smtp.arrived.wait(30)
    assert len(smtp.messages) == 2


def test_an_audit_difference_raises_an_alert_and_a_clean_run_none(settings):
    settings.ALERT_EMAILS = []
    found = {"count": 0}
    check = audit.AuditCheck("ledger", lambda: (found["count"], ["row 7 is off"] * found["count"]))
    audit.run_checks([check])
    assert not Alert.objects.exists()
    found["count"] = 2
    audit.run_checks([check])
    audit.run_checks([check])
    alert = Alert.objects.get()
    assert (alert.key, alert.count) == ("audit:ledger", 2)
    assert "found 2 differences" in alert.title and "row 7 is off" in alert.detail


def test_another_organisations_alert_is_invisible_and_a_404(api, org, other_org, owner):
    theirs = services.alert_raise(key="webhook-endpoint:1", organization=other_org, title="x")
    client = api.as_user(owner)
    assert client.get(f"/api/orgs/{org.slug}/alerts/").data == []
    response = client.post(f"/api/orgs/{org.slug}/alerts/{theirs.pk}/acknowledge/")
    assert response.status_code == 404
    assert Alert.objects.get().acknowledged_at is None


def test_without_mail_settings_nothing_is_sent(settings, mailoutbox):
    settings.ALERT_EMAILS = []
    services.alert_raise(key="job:x", title="Job x failed")
    assert mailoutbox == []


def test_an_endpoint_alert_is_mailed_to_its_organisations_owners_too(smtp, org, owner):
    owner.email = "owner@acme.example"
    owner.save(update_fields=["email"])
    services.alert_raise(key="webhook-endpoint:1", organization=org, title="Endpoint off")
    assert smtp.arrived.wait(30)
    recipients, _ = smtp.messages[0]
    assert sorted(recipients) == ["boss@example.com", "ops@example.com", "owner@acme.example"]
