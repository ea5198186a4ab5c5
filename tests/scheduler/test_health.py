"""`/health` answers for the scheduler from the database, so any process tells the truth."""

from datetime import timedelta

import pytest

from switchboard.common.clock import now
from switchboard.scheduler import services
from switchboard.scheduler.dbclock import database_now
from switchboard.scheduler.models import Lease
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Every
from tests.scheduler.helpers import fast_runner, wait_until

BUILT_IN = {"relay_outbox", "prune_outbox", "prune_job_runs", "audit_invariants"}
TOKEN = "operations-token-for-tests"


@pytest.fixture(autouse=True)
def health_token(settings):
    settings.HEALTH_TOKEN = TOKEN


def health(client):
    """The scheduler details, as an operator with the health token reads them."""
    response = client.get("/health", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.json()["scheduler"]


@pytest.mark.django_db
def test_without_a_leader_the_scheduler_is_reported_not_running(client):
    scheduler = health(client)
    assert scheduler["isRunning"] is False
    assert scheduler["leader"] is None
    assert set(scheduler["jobs"]) >= BUILT_IN
    relay = scheduler["jobs"]["relay_outbox"]
    assert relay["lastRun"] is None and relay["lastResult"] is None and relay["nextRun"] is None
    assert relay["schedule"].startswith("continuous")


@pytest.mark.django_db
def test_a_leader_in_another_process_is_reported_with_each_jobs_summary(client):
    services.lease_claim(name="scheduler", holder="web-2:4242:abc", term=timedelta(seconds=12))
    started = now() - timedelta(minutes=5)
    services.job_state_save(
        job="audit_invariants",
        holder="web-2:4242:abc",
        next_run_at=started + timedelta(hours=1),
        updated_at=started,
        last_started_at=started,
        last_finished_at=started + timedelta(seconds=1),
        last_result="error",
        last_counts={},
        last_error="Traceback (most recent call last):\n  ...\nValueError: broken check",
    )
    scheduler = health(client)
    assert scheduler["isRunning"] is True
    assert scheduler["leader"] == "web-2:4242:abc"
    audit = scheduler["jobs"]["audit_invariants"]
    assert audit["lastRun"] == started.isoformat()
    assert audit["lastResult"] == "error"
    assert audit["lastError"] == "ValueError: broken check"
    assert audit["nextRun"] == (started + timedelta(hours=1)).isoformat()


@pytest.mark.django_db
def test_an_expired_lease_means_nothing_runs_and_no_next_run_is_promised(client):
    services.lease_claim(name="scheduler", holder="web-2:4242:abc", term=timedelta(seconds=12))
    services.job_state_save(
        job="relay_outbox", holder="web-2:4242:abc", next_run_at=now(), updated_at=now()
    )
    Lease.objects.update(expires_at=database_now() - timedelta(seconds=1))
    scheduler = health(client)
    assert scheduler["isRunning"] is False
    assert scheduler["leader"] is None
    assert scheduler["jobs"]["relay_outbox"]["nextRun"] is None


@pytest.mark.django_db(transaction=True)
def test_a_running_leader_is_visible_through_health(client):
    job = Job(name="tick", schedule=Every(timedelta(seconds=30)), func=lambda: {"ticks": 1})
    active = fast_runner([job])
    active.start()
    try:
        wait_until(lambda: health(client)["jobs"].get("tick", {}).get("lastResult") == "ok")
        scheduler = health(client)
        assert scheduler["isRunning"] is True
        assert scheduler["leader"] == active.holder
        tick = scheduler["jobs"]["tick"]
        assert tick["lastCounts"] == {"ticks": 1}
        assert tick["nextRun"] > tick["lastRun"]
    finally:
        active.stop(timeout=10)
    assert health(client)["isRunning"] is False  # released on stop
