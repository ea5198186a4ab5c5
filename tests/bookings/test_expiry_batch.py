"""Sessions ending together at peak: one job run completes a whole batch with set-based
statements, so its cost in queries does not grow with the number of sessions."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.bookings import jobs, services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common.clock import advance, frozen_at
from switchboard.staff.channels import customer_channel, managers_channel
from tests.bookings.factories import session_service
from tests.catalog.factories import ResourceFactory

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def start_sessions(org, operator, count, *, customer=None, prefix="PC"):
    sessions = []
    for i in range(count):
        pc = ResourceFactory(organization=org, name=f"{prefix}{i:02}", kind="pc")
        sessions.append(
            services.session_start(
                organization=org,
                resource=pc,
                minutes=60,
                customer=customer if i % 2 else None,
                acting_user=operator,
            )
        )
    return sessions


def expire_all(org, operator, count, customer, capture_events, *, prefix="PC"):
    """Start `count` sessions, let them end, run the job once: (counts, events, queries)."""
    with frozen_at(T0):
        sessions = start_sessions(org, operator, count, customer=customer, prefix=prefix)
        advance(timedelta(minutes=60, seconds=1))
        events = capture_events()
        with CaptureQueriesContext(connection) as queries:
            counts = jobs.expire_sessions()
    return sessions, counts, events, len(queries)


def test_one_job_run_ends_a_batch_of_due_sessions_each_once_with_its_events(
    org, operator, customer, capture_events
):
    session_service(org)
    n = 12
    sessions, counts, events, _ = expire_all(org, operator, n, customer, capture_events)
    ids = sorted(s.pk for s in sessions)
    assert (counts["completed"], counts["resources_freed"], counts["batches"]) == (n, n, 1)
    assert set(Booking.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"completed"}
    audit = BookingTransition.objects.filter(booking_ref__in=ids, to_status="completed")
    assert sorted(audit.values_list("booking_ref", flat=True)) == ids
    assert set(audit.values_list("by_name", "note", "from_status")) == {
        ("system", "Ended at its time.", "active")
    }
    completed = [row.payload for row in events.named("session-completed")]
    assert sorted(p["booking_id"] for p in completed) == ids
    assert {p["reason"] for p in completed} == {"expired"}
    freed = events.named("resource-status-updated")
    assert len(freed) == n
    assert {row.payload["status"] for row in freed} == {"available"}
    updated = events.named("booking-updated")
    managers = [row for row in updated if row.channel == managers_channel("acme")]
    assert sorted(row.payload["booking_id"] for row in managers) == ids
    assert {(r.payload["status"], r.payload["previous_status"]) for r in managers} == {
        ("completed", "active")
    }
    assert {tuple(r.payload["changed"]) for r in managers} == {("status",)}
    # A customer's own sessions reach their channel, in the customer shape.
    mine = [row for row in updated if row.channel == customer_channel("acme", customer.pk)]
    assert len(mine) == n // 2
    assert "notes" not in mine[0].payload
    assert jobs.expire_sessions()["completed"] == 0  # each session ends once


def test_a_batch_costs_the_same_queries_whatever_its_size(org, operator, customer, capture_events):
    session_service(org)
    *_, small = expire_all(org, operator, 2, customer, capture_events, prefix="A")
    *_, large = expire_all(org, operator, 10, customer, capture_events, prefix="B")
    assert large == small
