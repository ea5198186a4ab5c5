"""Pusher webhooks are journaled: a server killed with SIGKILL while its webhooks are still
undelivered sends them after its restart; the journal's rows, claims and retries."""

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from switchboard.realtime.server.journal import WebhookJournal
from tests.realtime.server.support import WsClient
from tests.realtime.server.test_webhooks import Receiver
from tests.realtime.support import run
from tests.support.wait import wait_until

# A real-time server alone in its own process, journaling into the given file.
BOOT = """
import sys, threading
from tests.realtime.server.support import ThreadServer, make_config
config = make_config(webhook_url=sys.argv[1], webhook_journal=sys.argv[2])
server = ThreadServer(config).start()
server.realtime.webhooks.first_retry = 0.2
print("READY", server.port, flush=True)
threading.Event().wait()
"""


def _start(receiver, journal):
    process = subprocess.Popen(
        [sys.executable, "-c", BOOT, receiver.url, str(journal)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = process.stdout.readline()
    assert line.startswith("READY"), line
    process.port = int(line.split()[1])
    return process


@pytest.mark.e2e
def test_webhooks_undelivered_when_the_server_is_killed_are_sent_after_its_restart(tmp_path):
    receiver = Receiver(failures=10**6)
    journal = tmp_path / "webhooks.sqlite3"
    first = _start(receiver, journal)
    try:

        async def subscribe():
            client = await WsClient.open(f"ws://127.0.0.1:{first.port}")
            for number in range(3):
                await client.subscribe(f"news-{number}")
            await asyncio.to_thread(wait_until, lambda: receiver.attempts >= 3)

        run(subscribe())
        assert receiver.requests == []  # every attempt so far refused
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)

    pending = WebhookJournal(str(journal))
    assert pending.pending() == 3
    pending.close()
    receiver.failures = 0
    second = _start(receiver, journal)
    try:
        wait_until(lambda: len(receiver.requests) == 3)
        assert receiver.events() == [
            {"name": "channel_occupied", "channel": f"news-{number}"} for number in range(3)
        ]
        wait_until(lambda: WebhookJournal(str(journal)).pending() == 0)
    finally:
        second.kill()
        second.wait(10)
        receiver.close()


def test_a_claimed_row_is_left_alone_until_its_claim_runs_out_then_retried_in_order():
    journal = WebhookJournal("")
    first = journal.add({"name": "a"}, at=100.0)
    journal.add({"name": "b"}, at=100.0)
    claimed = journal.claim_due(at=100.0, holder="one", hold=15.0)
    assert [entry.event["name"] for entry in claimed] == ["a", "b"]
    assert journal.claim_due(at=110.0, holder="two", hold=15.0) == []  # still claimed
    journal.done(claimed[1].id)
    journal.retry(first, at=120.0, attempts=1)
    assert journal.claim_due(at=119.0, holder="two", hold=15.0) == []  # not due yet
    assert journal.next_due() == 120.0
    [again] = journal.claim_due(at=120.0, holder="two", hold=15.0)
    assert (again.id, again.attempts) == (first, 1)
    assert journal.claim_due(at=136.0, holder="three", hold=15.0)[0].id == first  # ran out
