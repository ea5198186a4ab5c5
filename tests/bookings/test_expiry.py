"""The expiry job: ends made official exactly once, on time, after downtime, exclusively."""

import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from switchboard.bookings import jobs, services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.services.sessions_sweep import sync_lock
from switchboard.bookings.sessions_selectors import resource_board
from switchboard.common import locking
from switchboard.common.clock import advance, frozen_at, now
from switchboard.scheduler import audit, registry, runner
from switchboard.scheduler.models import JobState
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import NextDeadline
from tests.bookings.factories import session_service
from tests.catalog.factories import ResourceFactory
from tests.scheduler.helpers import fast_runner, wait_until

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


@pytest.fixture
def pcs(org):
    session_service(org)
    return [ResourceFactory(organization=org, name=f"PC0{i}", kind="pc") for i in (1, 2)]


def status_of(org, resource):
    return next(row for row in resource_board(org) if row.pk == resource.pk).status


def completions(booking):
    return BookingTransition.objects.filter(
        booking_ref=booking.pk, action="transition", to_status="completed"
    ).count()


def test_expiry_with_the_clock_moved_completes_exactly_once(org, operator, pcs, capture_events):
    pc = pcs[0]
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=60, acting_user=operator
        )
        other = services.session_start(
            organization=org, resource=pcs[1], minutes=90, acting_user=operator
        )
        assert jobs.next_deadline() == T0 + timedelta(minutes=60)
        assert jobs.expire_sessions()["completed"] == 0
        advance(timedelta(minutes=60, milliseconds=300))
        events = capture_events()
        counts = jobs.expire_sessions()
        assert (counts["completed"], counts["resources_freed"]) == (1, 1)
        assert jobs.expire_sessions()["completed"] == 0  # idempotent
        assert status_of(org, pc) == "available"
        assert jobs.next_deadline() == T0 + timedelta(minutes=90)
    session.refresh_from_db()
    other.refresh_from_db()
    assert (session.status, other.status) == ("completed", "active")
    assert completions(session) == 1
    assert BookingTransition.objects.filter(booking_ref=session.pk).last().by is None
    completed = [row.payload for row in events.named("session-completed")]
    assert [(p["booking_id"], p["reason"]) for p in completed] == [(session.pk, "expired")]
    freed = events.named("resource-status-updated")
    assert [(e.payload["resource_id"], e.payload["status"]) for e in freed] == [
        (pc.pk, "available")
    ]
    booking_event = events.named("booking-updated")[0].payload
    assert (booking_event["status"], booking_event["previous_status"]) == ("completed", "active")


def test_a_read_after_the_end_and_before_the_sweep_shows_free_and_lets_a_session_start(
    api, org, operator, pcs
):
    pc = pcs[0]
    with frozen_at(T0):
        first = services.session_start(
            organization=org, resource=pc, minutes=30, acting_user=operator
        )
        advance(timedelta(minutes=30, milliseconds=1))
        board = api.as_user(operator).get(f"/api/orgs/{org.slug}/resource-board/").json()
        row = next(r for r in board["resources"] if r["resource_id"] == pc.pk)
        assert (row["status"], row["active_booking"], row["ends_at"]) == ("available", None, None)
        assert row["unofficial_end_at"] is not None  # shown as "Expired" until the sweep
        response = api.as_user(operator).post(
            f"/api/orgs/{org.slug}/sessions/",
            {"resource": pc.pk, "minutes": 30},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert status_of(org, pc) == "active"
        first.refresh_from_db()
        assert first.status == "active"  # not swept yet, and it did not matter
        assert jobs.expire_sessions()["completed"] == 1
        assert status_of(org, pc) == "active"  # the new session holds it
    first.refresh_from_db()
    assert first.status == "completed"


def test_a_session_ended_by_hand_is_not_completed_again(org, operator, pcs):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pcs[0], minutes=30, acting_user=operator
        )
        advance(timedelta(minutes=10))
        services.session_end(booking=session, acting_user=operator)
        advance(timedelta(hours=1))
        assert jobs.expire_sessions()["completed"] == 0
    assert completions(session) == 1


def test_the_sync_endpoints_answer_as_seed_004(api, org, operator, pcs):
    with frozen_at(T0):
        for pc in pcs:
            services.session_start(organization=org, resource=pc, minutes=5, acting_user=operator)
        advance(timedelta(minutes=6))
        client = api.as_user(operator)
        answer = client.post(f"/api/orgs/{org.slug}/bookings/auto-complete-sessions/").json()
        assert answer["success"] is True
        assert answer["message"] == "2 sessions auto-completed, 2 systems freed"
        again = client.post(f"/api/orgs/{org.slug}/sync-sessions/").json()
    assert again["message"] == "Manual sync completed"
    assert (again["completed"], again["resources_freed"]) == (0, 0)


def test_a_sync_only_touches_its_own_organisation(api, org, other_org, operator, outsider, pcs):
    session_service(other_org)
    theirs = ResourceFactory(organization=other_org, name="PC99", kind="pc")
    with frozen_at(T0):
        their_session = services.session_start(
            organization=other_org, resource=theirs, minutes=5, acting_user=outsider
        )
        advance(timedelta(minutes=6))
        response = api.as_user(operator).post(f"/api/orgs/{org.slug}/sync-sessions/")
    assert response.json()["completed"] == 0
    their_session.refresh_from_db()
    assert their_session.status == "active"


def test_the_command_syncs_from_the_shell(org, operator, pcs, capsys):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pcs[0], minutes=5, acting_user=operator
        )
        advance(timedelta(minutes=6))
        call_command("sync_sessions")
    out = capsys.readouterr().out
    assert "Manual sync completed" in out and "1 sessions auto-completed, 1 systems freed" in out
    session.refresh_from_db()
    assert session.status == "completed"


def _hold_lock(held: threading.Event, release: threading.Event):
    try:
        with sync_lock(wait_seconds=0):
            held.set()
            release.wait(10)
    finally:
        connection.close()


def _release_once_waiting(monkeypatch, release: threading.Event) -> None:
    """Set `release` as soon as a caller is waiting for the lock (its first retry)."""
    waiting = threading.Event()

    def sleep_and_tell(seconds):
        waiting.set()
        time.sleep(seconds)

    monkeypatch.setattr(
        locking, "time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep_and_tell)
    )
    threading.Thread(target=lambda: waiting.wait(30) and release.set(), daemon=True).start()


def test_a_manual_sync_never_runs_beside_another(api, org, operator, pcs, settings, monkeypatch):
    """One sync holds the cross-process lock in another thread (its own connection)."""
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pcs[0], minutes=5, acting_user=operator
        )
        advance(timedelta(minutes=6))
        held, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_lock, args=(held, release))
        holder.start()
        try:
            assert held.wait(5)
            settings.SESSIONS = settings.SESSIONS | {"SYNC_WAIT_SECONDS": 0.2}
            busy = api.as_user(operator).post(f"/api/orgs/{org.slug}/sync-sessions/")
            assert busy.status_code == 409
            assert busy.json()["running"] is True
            session.refresh_from_db()
            assert session.status == "active"  # nothing done beside the running sync
            assert jobs.expire_sessions()["lock_busy"] == 1
            # A caller willing to wait gets its turn once the running sync ends.
            settings.SESSIONS = settings.SESSIONS | {"SYNC_WAIT_SECONDS": 60}
            _release_once_waiting(monkeypatch, release)
            waited = api.as_user(operator).post(f"/api/orgs/{org.slug}/sync-sessions/")
        finally:
            release.set()
            holder.join(5)
    assert waited.status_code == 200
    # It found the lock held, waited at least one retry, then did the work.
    assert waited.json()["completed"] == 1
    assert waited.json()["waited_ms"] >= 1000 * locking.POLL_SECONDS


def test_the_audit_reports_a_late_sweep_and_fixes_nothing(org, operator, pcs):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pcs[0], minutes=5, acting_user=operator
        )
        advance(timedelta(minutes=5, seconds=10))
        assert jobs.sessions_overdue_check() == (0, [])  # within the grace
        advance(timedelta(minutes=1))
        result = audit.run_checks()
    finding = result["findings"]["sessions_overdue"]
    assert finding["count"] == 1 and f"booking={session.pk}" in finding["examples"][0]
    session.refresh_from_db()
    assert session.status == "active"


def test_expire_sessions_is_registered_with_a_deadline_of_at_most_a_second():
    job = registry.get("expire_sessions")
    assert isinstance(job.schedule, NextDeadline)
    assert job.schedule.max_wait <= timedelta(seconds=1)
    assert job.func is jobs.expire_sessions


@pytest.mark.django_db(transaction=True)
def test_restart_catch_up_completes_what_ended_while_nothing_ran(org, operator, pcs):
    started = now() - timedelta(hours=3)
    ended = [
        services.session_start(
            organization=org,
            resource=pc,
            minutes=60,
            starts_at=started,
            allow_past=True,
            acting_user=operator,
        )
        for pc in pcs
    ]
    running = fast_runner([registry.get("expire_sessions")])
    runner.start(running)
    try:
        wait_until(
            lambda: all(Booking.objects.get(pk=b.pk).status == "completed" for b in ended),
            timeout=15,
        )
    finally:
        runner.stop(10)
    assert all(status_of(org, pc) == "available" for pc in pcs)


@pytest.mark.django_db(transaction=True)
def test_a_new_earliest_end_wakes_the_job_at_once(org, operator, pcs):
    """The fallback look is an hour here, far beyond the bounded wait below, so only the
    wake on commit can have the session completed within it."""
    slow = Job(
        name="expire_sessions",
        schedule=NextDeadline(jobs.next_deadline, max_wait=timedelta(hours=1)),
        func=jobs.expire_sessions,
        record_idle_runs=False,
    )
    running = fast_runner([slow])
    runner.start(running)
    try:
        # The runner has looked once (the catch-up run) and planned its next look an hour on.
        wait_until(
            lambda: JobState.objects.filter(
                job="expire_sessions", last_started_at__isnull=False
            ).exists(),
            timeout=30,
        )
        # A session started a minute minus 1.5 s ago: it ends 1.5 s from now.
        session = services.session_start(
            organization=org,
            resource=pcs[0],
            minutes=1,
            starts_at=now() - timedelta(seconds=58.5),
            allow_past=True,
            acting_user=operator,
        )
        wait_until(lambda: Booking.objects.get(pk=session.pk).status == "completed", timeout=60)
    finally:
        runner.stop(10)
    completed_at = BookingTransition.objects.get(
        booking_ref=session.pk, action="transition", to_status="completed"
    ).at
    assert completed_at >= session.ends_at  # at its end, not before
