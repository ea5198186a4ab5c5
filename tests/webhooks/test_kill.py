"""A process sending webhooks is killed with SIGKILL mid-delivery: after a restart every
delivery arrives, the interrupted one again with the same `webhook-id` (at least once)."""

import os
import signal
import subprocess
import sys
import threading

import pytest
from django.conf import settings

from switchboard.scheduler.lease import LEASE_NAME
from switchboard.scheduler.models import Lease
from switchboard.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.scheduler.helpers import database_url_for_subprocess
from tests.staff.factories import StaffMemberFactory
from tests.support.wait import wait_until
from tests.webhooks.test_delivery import an_endpoint, change

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _run_scheduler(tmp_path, number):
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        "PYTHONUNBUFFERED": "1",
        # A short request timeout, so that the dead sender's claim runs out soon.
        "WEBHOOK_TIMEOUT_SECONDS": "2",
        "WEBHOOK_FIRST_RETRY_SECONDS": "1",
    }
    log = open(tmp_path / f"scheduler-{number}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    return process


def _stop(process):
    if process.poll() is None:
        process.kill()
    process.wait(10)
    process.log.close()


def test_every_delivery_arrives_after_the_sender_is_killed_mid_delivery(org, receiver, tmp_path):
    an_endpoint(org, receiver.url)
    staff = StaffMemberFactory(organization=org)
    for capacity in (1, 2, 3):
        change(staff, capacity)
    ids = list(WebhookDelivery.objects.order_by("id").values_list("msg_id", flat=True))
    assert len(ids) == 3

    receiver.hold = threading.Event()  # the first request is taken and never answered
    first = _run_scheduler(tmp_path, 1)
    try:
        assert receiver.holding.wait(90), (tmp_path / "scheduler-1.log").read_text()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    # The dead process's lease would keep its successor waiting out the term (12 s);
    # takeover after a kill is tests/scheduler/test_leadership.py's subject, not this one's.
    Lease.objects.filter(name=LEASE_NAME).update(holder="")
    hold, receiver.hold = receiver.hold, None
    hold.set()  # the receiver did get the first one; its sender never heard back
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3

    second = _run_scheduler(tmp_path, 2)
    try:
        wait_until(
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 3,
            timeout=120,
        )
    finally:
        _stop(second)
    received = receiver.ids()
    assert set(received) == set(ids)
    assert list(dict.fromkeys(received)) == ids  # first arrivals in order
    assert received.count(ids[0]) == 2  # the interrupted one, again, same webhook-id
    assert [body["data"]["capacity"] for body in receiver.bodies()][-3:] == [1, 2, 3]
