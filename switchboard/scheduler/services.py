"""Every write of the scheduler's bookkeeping: leases, recorded runs, job summaries.

No user acts here: these are written by the runner itself, so they take no acting user.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from switchboard.scheduler.dbclock import database_now
from switchboard.scheduler.models import JobRun, JobState, Lease

logger = logging.getLogger(__name__)

EPOCH = datetime.fromisoformat("2000-01-01T00:00:00+00:00")


def lease_claim(*, name: str, holder: str, term: timedelta) -> bool:
    """Take the lease if it is free, expired or already ours, and extend it by `term`.

    One conditional UPDATE decides: on PostgreSQL a concurrent claimer waits on the row
    and re-checks the condition; on SQLite the IMMEDIATE transaction serialises claimers.
    """
    with transaction.atomic():
        Lease.objects.get_or_create(name=name, defaults={"expires_at": EPOCH})
        at = database_now()
        claimable = Lease.objects.filter(name=name).filter(
            Q(holder=holder) | Q(holder="") | Q(expires_at__lte=at)
        )
        ours = claimable.filter(holder=holder).update(renewed_at=at, expires_at=at + term)
        if ours:
            return True
        taken = claimable.update(holder=holder, acquired_at=at, renewed_at=at, expires_at=at + term)
    if taken:
        logger.info("lease_acquired name=%s holder=%s", name, holder)
    return bool(taken)


def lease_release(*, name: str, holder: str) -> bool:
    """Give the lease up (on shutdown), so another process can take it at once."""
    with transaction.atomic():
        released = Lease.objects.filter(name=name, holder=holder).update(
            holder="", expires_at=database_now()
        )
    if released:
        logger.info("lease_released name=%s holder=%s", name, holder)
    return bool(released)


def job_run_record(
    *,
    job: str,
    holder: str,
    started_at: datetime,
    finished_at: datetime,
    result: str,
    counts: dict,
    error: str = "",
    runs: int = 1,
) -> JobRun:
    return JobRun.objects.create(
        job=job,
        holder=holder,
        started_at=started_at,
        finished_at=finished_at,
        result=result,
        counts=counts,
        error=error,
        runs=runs,
    )


def job_state_save(
    *,
    job: str,
    holder: str,
    next_run_at: datetime | None,
    updated_at: datetime,
    last_started_at: datetime | None = None,
    last_finished_at: datetime | None = None,
    last_result: str = "",
    last_counts: dict | None = None,
    last_error: str = "",
) -> JobState:
    """The summary `/health` reads. Without a run (a new leader's plan) it keeps the last."""
    fields = {"holder": holder, "next_run_at": next_run_at, "updated_at": updated_at}
    if last_started_at is not None:
        fields |= {
            "last_started_at": last_started_at,
            "last_finished_at": last_finished_at,
            "last_result": last_result,
            "last_counts": last_counts or {},
            "last_error": last_error,
        }
    state, _ = JobState.objects.update_or_create(job=job, defaults=fields)
    return state


def job_runs_prune(*, older_than: datetime, batch: int = 5000) -> int:
    """Delete recorded runs that started before `older_than`, in bounded batches.

    Each job's summary keeps its latest result and error whatever is pruned here.
    """
    deleted = 0
    while True:
        ids = list(
            JobRun.objects.filter(started_at__lt=older_than).values_list("id", flat=True)[:batch]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += JobRun.objects.filter(id__in=ids).delete()[0]
