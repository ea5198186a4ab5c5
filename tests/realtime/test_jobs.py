"""The real-time app's jobs: the relay drains in bounded batches, the prune keeps what
may still be replayed or published."""

from datetime import timedelta

import pytest

from switchboard.common.clock import now
from switchboard.realtime import jobs, relay
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from switchboard.realtime.server.broker import InMemoryBroker, set_broker
from switchboard.scheduler import runner


@pytest.fixture
def delivered():
    received = []
    broker = InMemoryBroker()
    broker.add_listener(received.append)
    previous = set_broker(broker)
    yield received
    set_broker(previous)


def test_a_commit_that_publishes_wakes_the_relay_job():
    assert jobs.wake_relay in relay.nudge_hooks


@pytest.mark.django_db
def test_relay_job_drains_in_batches_and_asks_to_run_again_when_more_wait(
    org, delivered, monkeypatch
):
    monkeypatch.setattr(relay, "BATCH_SIZE", 2)
    for seq in range(45):
        publish(org, ["private-org-acme"], "test-event", {"seq": seq})
    woken = []
    monkeypatch.setattr(runner, "wake", woken.append)

    assert jobs.relay_outbox() == {"published": 2 * jobs.RELAY_MAX_BATCHES}
    assert woken == [jobs.RELAY_JOB]
    assert jobs.relay_outbox() == {"published": 5}
    assert woken == [jobs.RELAY_JOB]
    assert len(delivered) == 45


@pytest.mark.django_db
def test_prune_outbox_drops_only_published_events_older_than_the_replay_window(org, settings):
    settings.REALTIME = {**settings.REALTIME, "REPLAY_RETENTION_HOURS": 24}
    old = now() - timedelta(hours=25)
    for seq in range(4):
        publish(org, ["private-org-acme"], "test-event", {"seq": seq})
    a, b, c, d = OutboxEvent.objects.order_by("id")
    OutboxEvent.objects.filter(pk__in=[a.pk, b.pk]).update(created_at=old, published_at=old)
    OutboxEvent.objects.filter(pk=c.pk).update(created_at=old)  # old but never published
    OutboxEvent.objects.filter(pk=d.pk).update(published_at=now())  # published, recent

    assert jobs.prune_outbox() == {"deleted": 2}
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {c.pk, d.pk}
    assert jobs.prune_outbox() == {"deleted": 0}  # idempotent
