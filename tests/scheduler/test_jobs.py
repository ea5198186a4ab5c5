from datetime import timedelta

import pytest

from switchboard.common.clock import now
from switchboard.realtime import relay
from switchboard.realtime.broker import InMemoryBroker, set_broker
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from switchboard.scheduler import jobs, registry, runner, services
from switchboard.scheduler.models import JobRun
from switchboard.scheduler.schedules import Continuous, DailyAt, Every


@pytest.fixture
def delivered():
    received = []
    broker = InMemoryBroker()
    broker.add_listener(received.append)
    previous = set_broker(broker)
    yield received
    set_broker(previous)


def test_the_built_in_jobs_are_registered_with_their_schedules():
    assert isinstance(registry.get("relay_outbox").schedule, Continuous)
    assert registry.get("relay_outbox").record_idle_runs is False
    assert registry.get("prune_outbox").schedule == DailyAt.parse("03:30", "UTC")
    assert registry.get("audit_invariants").schedule == Every(timedelta(hours=1))
    assert registry.get("audit_invariants").record_idle_runs is True


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


@pytest.mark.django_db
def test_prune_job_runs_keeps_the_recent_ones(settings):
    settings.SCHEDULER = {**settings.SCHEDULER, "JOB_RUN_RETENTION_DAYS": 14}
    for days in (20, 15, 1):
        at = now() - timedelta(days=days)
        services.job_run_record(
            job="tick", holder="h", started_at=at, finished_at=at, result="ok", counts={}
        )
    assert jobs.prune_job_runs() == {"deleted": 2}
    assert JobRun.objects.count() == 1
