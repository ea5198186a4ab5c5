"""Recording a frequent job (the relay, expiry) never makes its lane queue for SQLite's
write lock: the summary and the summed runs are kept and written at a later step."""

from datetime import timedelta

import pytest
from django.db import connection

from switchboard.common.clock import now
from switchboard.scheduler.execution import Outcome, Plan, Recorder
from switchboard.scheduler.models import JobResult, JobRun, JobState
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Continuous
from tests.scheduler.helpers import another_writer_inside_a_transaction


@pytest.mark.django_db(transaction=True)
def test_a_frequent_jobs_summary_waits_for_no_write_lock_and_is_written_later():
    job = Job(
        name="relay_like",
        schedule=Continuous(poll=timedelta(seconds=1)),
        func=dict,
        record_idle_runs=False,
    )
    plan = Plan(job=job, next_run=now())
    recorder = Recorder(holder="here", summary_seconds=0)
    recorder.record(plan, Outcome(now(), now(), JobResult.OK, {"published": 3}, ""))

    with another_writer_inside_a_transaction() as release:
        recorder.flush_summaries([plan])
        assert not release.is_set()  # it did not wait for the other writer
        if connection.vendor == "sqlite":  # the write lock was taken: kept for later
            assert plan.dirty and plan.burst.runs == 1
            assert not JobRun.objects.filter(job="relay_like").exists()

    recorder.flush_summaries([plan])
    assert not plan.dirty and plan.burst.runs == 0
    run = JobRun.objects.get(job="relay_like")
    assert (run.runs, run.counts, run.result) == (1, {"published": 3}, "ok")
    assert JobState.objects.get(job="relay_like").last_counts == {"published": 3}
