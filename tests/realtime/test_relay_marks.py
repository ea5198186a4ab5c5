"""The job's relay does not wait for SQLite's write lock to mark what it published: it goes
on publishing the later events, each once and in order, and marks them all when the lock
is free. On PostgreSQL (no database-wide write lock) it marks each batch as it goes."""

import threading

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from switchboard.realtime import relay
from switchboard.realtime.models import OutboxEvent
from tests.realtime.test_relay import CHANNELS, emit, received  # noqa: F401 - fixture
from tests.scheduler.helpers import another_writer_inside_a_transaction


def locked_failures() -> float:
    return REGISTRY.get_sample_value("switchboard_sqlite_locked_total") or 0.0


@pytest.mark.django_db(transaction=True)
def test_the_jobs_relay_keeps_publishing_while_the_write_lock_is_taken(org, received):  # noqa: F811
    for seq in range(6):
        emit(org, [CHANNELS[seq % 3]], seq)
    committed = list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    unmarked = relay.Unmarked()
    gave_up = locked_failures()

    with another_writer_inside_a_transaction() as release:
        assert relay.relay_pending(limit=4, unmarked=unmarked) == 4
        assert relay.relay_pending(limit=4, unmarked=unmarked) == 2  # the later ones only
        assert relay.relay_pending(limit=4, unmarked=unmarked) == 0
        assert not release.is_set()  # none of this waited for the other writer
        waiting = OutboxEvent.objects.filter(published_at__isnull=True).count()
        if connection.vendor == "sqlite":
            assert unmarked.ids == committed and waiting == 6  # handed over, not yet marked
            assert locked_failures() == gave_up  # a brief wait is no lock failure
        else:
            assert unmarked.ids == [] and waiting == 0

    assert received.ids() == committed  # every event once, in id order
    assert relay.relay_pending(limit=4, unmarked=unmarked) == 0  # the lock is free: marked
    assert unmarked.ids == []
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert relay.outbox_skipped_events() == (0, [])
    assert relay.outbox_published_out_of_order() == (0, [])
    assert received.ids() == committed  # nothing went out twice


@pytest.mark.django_db(transaction=True)
def test_unmarked_events_older_than_the_bound_wait_for_the_lock(org, received, monkeypatch):  # noqa: F811
    """Events are not left unmarked for long: past `MARK_DEFER_SECONDS` the relay waits
    for the lock and marks them, as a relay without `Unmarked` always does."""
    monkeypatch.setattr(relay, "MARK_DEFER_SECONDS", 0.0)
    emit(org, CHANNELS[:1], 1)
    unmarked = relay.Unmarked()
    with another_writer_inside_a_transaction() as release:
        threading.Timer(0.5, release.set).start()
        assert relay.relay_pending(unmarked=unmarked) == 1
        if connection.vendor == "sqlite":
            assert release.is_set()  # it waited for the other writer to finish
    assert unmarked.ids == []
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
