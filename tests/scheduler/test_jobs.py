import ast
from datetime import timedelta
from pathlib import Path

import pytest

import switchboard.scheduler as scheduler_package
from switchboard.common.clock import now
from switchboard.scheduler import audit, jobs, registry, services
from switchboard.scheduler.models import JobRun
from switchboard.scheduler.schedules import Continuous, DailyAt, Every, NextDeadline


def test_the_built_in_jobs_are_registered_with_their_schedules():
    assert isinstance(registry.get("relay_outbox").schedule, Continuous)
    assert registry.get("relay_outbox").record_idle_runs is False
    assert registry.get("prune_outbox").schedule == DailyAt.parse("03:30", "UTC")
    assert registry.get("prune_job_runs").schedule == DailyAt.parse("03:30", "UTC")
    assert registry.get("audit_invariants").schedule == Every(timedelta(hours=1))
    assert registry.get("audit_invariants").record_idle_runs is True
    assert isinstance(registry.get("expire_sessions").schedule, NextDeadline)


def test_the_relay_and_session_expiry_each_have_a_lane_of_their_own():
    """Neither waits behind another job: lanes run side by side (test_runner.py)."""
    lanes = [job.lane for job in registry.all_jobs()]
    assert lanes.count(registry.get("relay_outbox").lane) == 1
    assert lanes.count(registry.get("expire_sessions").lane) == 1
    assert "main" not in {registry.get("relay_outbox").lane, registry.get("expire_sessions").lane}


def test_every_app_registers_its_audit_checks():
    names = {check.name for check in audit.all_checks()}
    assert {
        "outbox_skipped_events",
        "outbox_published_out_of_order",
        "outbox_stuck",
        "sessions_overdue",
    } <= names


def _switchboard_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("switchboard.")}


def test_the_scheduler_imports_no_other_app_than_common():
    """Apps declare their jobs and import the scheduler; never the other way round."""
    package = Path(scheduler_package.__file__).parent
    # `lifespan` is the project's start/stop hook list, not an app.
    allowed = ("switchboard.scheduler", "switchboard.common", "switchboard.lifespan")
    found = {
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        for name in _switchboard_imports(path)
        if not name.startswith(allowed)
    }
    assert found == set()


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
