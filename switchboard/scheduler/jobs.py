"""The scheduler's own jobs: pruning its run records, and running the audit checks.

Every other job is declared by the app that owns it, in that app's `jobs.py`, registered
from its `AppConfig.ready()` with `registry.register(...)` (and its audit checks with
`audit.register_check(...)`). The scheduler imports no app: apps import the scheduler.
"""

from datetime import timedelta

from django.conf import settings

from switchboard.common.clock import now
from switchboard.scheduler import audit, registry, services
from switchboard.scheduler.schedules import DailyAt, Every


def prune_job_runs() -> dict:
    retention = timedelta(days=settings.SCHEDULER["JOB_RUN_RETENTION_DAYS"])
    return {"deleted": services.job_runs_prune(older_than=now() - retention)}


def audit_invariants() -> dict:
    return audit.run_checks()


def register() -> None:
    config = settings.SCHEDULER
    registry.register(
        "prune_job_runs", DailyAt.parse(config["PRUNE_AT"], config["TIME_ZONE"]), prune_job_runs
    )
    registry.register("audit_invariants", Every(timedelta(hours=1)), audit_invariants)
