"""audit_invariants reports differences between stored values and their truth; it never
fixes them."""

import logging
from datetime import timedelta

import pytest

from switchboard.common.clock import now
from switchboard.realtime import relay
from switchboard.realtime.models import OutboxEvent
from switchboard.realtime.publish import outbox_write as publish
from switchboard.scheduler import audit, jobs
from switchboard.scheduler.audit import AuditCheck


def events(org, count):
    for seq in range(count):
        publish(org, ["private-org-acme"], "test-event", {"seq": seq})
    return list(OutboxEvent.objects.order_by("id"))


def snapshot():
    return list(OutboxEvent.objects.order_by("id").values_list("id", "published_at"))


@pytest.mark.django_db
def test_a_healthy_outbox_has_no_differences(org):
    events(org, 3)
    relay.relay_pending()
    counts = jobs.audit_invariants()
    assert counts["differences"] == 0
    assert counts["failed_checks"] == 0
    assert counts["checks"] >= 3
    assert "findings" not in counts


@pytest.mark.django_db
def test_an_event_skipped_by_a_later_published_one_is_reported_not_fixed(org, caplog):
    rows = events(org, 3)
    OutboxEvent.objects.filter(pk=rows[2].pk).update(published_at=now())
    before = snapshot()
    with caplog.at_level(logging.ERROR, logger="switchboard.scheduler.audit"):
        counts = jobs.audit_invariants()
    assert counts["differences"] == 2
    finding = counts["findings"]["outbox_skipped_events"]
    assert finding["count"] == 2
    assert f"event {rows[0].pk} " in finding["examples"][0]
    assert "audit_differences check=outbox_skipped_events count=2" in caplog.text
    assert snapshot() == before


@pytest.mark.django_db
def test_events_marked_out_of_order_are_reported(org):
    rows = events(org, 3)
    OutboxEvent.objects.filter(pk=rows[0].pk).update(published_at=now())
    OutboxEvent.objects.filter(pk=rows[1].pk).update(published_at=now() - timedelta(minutes=1))
    OutboxEvent.objects.filter(pk=rows[2].pk).update(published_at=now())
    count, examples = relay.outbox_published_out_of_order()
    assert count == 1
    assert examples == [
        f"event {rows[1].pk} on private-org-acme was published before an earlier event"
    ]


@pytest.mark.django_db
def test_an_event_waiting_too_long_is_reported_as_stuck(org):
    rows = events(org, 2)
    OutboxEvent.objects.filter(pk=rows[0].pk).update(created_at=now() - timedelta(minutes=5))
    before = snapshot()
    counts = jobs.audit_invariants()
    assert counts["findings"]["outbox_stuck"]["count"] == 1
    assert set(counts["findings"]) == {"outbox_stuck"}
    assert snapshot() == before


def test_a_check_that_fails_is_reported_and_the_others_still_run():
    def broken():
        raise RuntimeError("query failed")

    counts = audit.run_checks(
        [
            AuditCheck("broken", broken),
            AuditCheck("drifted", lambda: (4, ["workload of staff 3 is 2, truth 1"])),
        ]
    )
    assert counts["failed_checks"] == 1
    assert counts["differences"] == 4
    assert counts["findings"]["broken"] == {"error": "RuntimeError: query failed"}
    assert counts["findings"]["drifted"]["count"] == 4


def test_the_built_in_checks_are_registered():
    names = {check.name for check in audit.all_checks()}
    assert {"outbox_skipped_events", "outbox_published_out_of_order", "outbox_stuck"} <= names
