"""The runner in this process, on the real database, with short lease timings."""

import threading
import time
from datetime import timedelta

import pytest

from switchboard.scheduler import registry, runner
from switchboard.scheduler.models import JobRun, JobState, Lease
from switchboard.scheduler.registry import Job
from switchboard.scheduler.schedules import Continuous, Every
from tests.scheduler.helpers import Tracker, assert_runs_never_overlap, fast_runner, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def every(seconds):
    return Every(timedelta(seconds=seconds))


@pytest.fixture
def started():
    """Start runners and always stop them, so no thread outlives its test."""
    runners = []

    def start(active):
        runners.append(active)
        active.start()
        return active

    yield start
    for active in runners:
        active.stop(timeout=10)


def test_runs_due_jobs_records_each_run_and_releases_the_lease_on_stop(started):
    tracker = Tracker()
    job = Job(name="tick", schedule=every(0.1), func=lambda: tracker.run(result={"ticks": 2}))
    active = started(fast_runner([job]))
    wait_until(lambda: JobRun.objects.filter(job="tick").count() >= 3)
    active.stop(timeout=10)

    runs = list(JobRun.objects.filter(job="tick"))
    assert {run.result for run in runs} == {"ok"}
    assert {run.holder for run in runs} == {active.holder}
    assert all(run.counts == {"ticks": 2} and run.runs == 1 for run in runs)
    state = JobState.objects.get(job="tick")
    assert state.last_result == "ok"
    assert state.last_counts == {"ticks": 2}
    assert state.last_started_at == max(run.started_at for run in runs)
    assert state.next_run_at > state.last_started_at
    assert Lease.objects.get(name="scheduler").holder == ""
    assert not active.is_alive()


def test_a_failing_job_is_recorded_with_its_error_and_the_others_keep_running(started):
    def boom():
        raise ValueError("no luck today")

    tick = Job(name="tick", schedule=every(0.1), func=lambda: {"ticks": 1})
    failing = Job(name="boom", schedule=every(3600), func=boom)
    started(fast_runner([failing, tick]))
    failed = wait_until(lambda: JobRun.objects.filter(job="boom").first())
    wait_until(
        lambda: JobRun.objects.filter(job="tick", started_at__gt=failed.finished_at).count() >= 5
    )

    assert failed.result == "error"
    assert "ValueError: no luck today" in failed.error
    assert failed.counts == {}
    state = JobState.objects.get(job="boom")
    assert state.last_result == "error"
    assert "no luck today" in state.last_error
    assert not JobRun.objects.filter(job="tick", result="error").exists()
    # An hourly job that failed is retried soon, backing off (1 s, 2 s, ...), not in an
    # hour: the third run arrives within the bounded wait, each after its back-off.
    wait_until(lambda: JobRun.objects.filter(job="boom").count() >= 3, timeout=30)
    retries = list(JobRun.objects.filter(job="boom").order_by("started_at"))
    assert retries[1].started_at >= retries[0].finished_at + timedelta(seconds=1)
    assert retries[2].started_at >= retries[1].finished_at + timedelta(seconds=2)


def test_jobs_never_overlap_even_when_woken_from_many_threads(started):
    per_job = {name: Tracker() for name in ("first", "second", "third")}
    overall = Tracker()  # sees any two job bodies running at once

    def body(name):
        per_job[name].run()
        return overall.run(0.02)

    jobs = [
        Job(name=name, schedule=every(0.05), func=lambda name=name: body(name)) for name in per_job
    ]
    active = started(fast_runner(jobs))
    wait_until(lambda: active.is_leader)
    stop_waking = threading.Event()

    def keep_waking():
        while not stop_waking.is_set():
            for job in jobs:
                active.wake(job.name)

    wakers = [threading.Thread(target=keep_waking) for _ in range(4)]
    for thread in wakers:
        thread.start()
    try:
        # However long that takes on a busy machine: enough runs of every job to race.
        wait_until(lambda: all(t.calls >= 5 for t in per_job.values()), timeout=60)
    finally:
        stop_waking.set()
        for thread in wakers:
            thread.join()
    active.stop(timeout=10)

    assert overall.max_active == 1
    runs = assert_runs_never_overlap()
    assert len(runs) == overall.calls
    assert {run.job for run in runs} == {"first", "second", "third"}


def test_a_frequent_job_records_working_runs_and_keeps_its_summary_fresh(started):
    pending = {"count": 0}
    calls = Tracker()

    def relay_like():
        done, pending["count"] = pending["count"], 0
        return calls.run(result={"published": done})

    job = registry.Job(
        name="relay_like",
        schedule=Continuous(poll=timedelta(milliseconds=50)),
        func=relay_like,
        record_idle_runs=False,
    )
    active = started(fast_runner([job]))
    wait_until(lambda: calls.calls >= 10)
    first_summary = wait_until(
        lambda: JobState.objects.filter(job="relay_like", last_started_at__isnull=False).first()
    )
    assert not JobRun.objects.filter(job="relay_like").exists()  # idle ticks leave no rows

    pending["count"] = 7
    active.wake("relay_like")
    run = wait_until(lambda: JobRun.objects.filter(job="relay_like").first())
    assert run.counts == {"published": 7}
    assert run.result == "ok"
    assert run.runs == 1
    later = wait_until(
        lambda: JobState.objects.filter(
            job="relay_like", last_started_at__gt=first_summary.last_started_at
        ).first()
    )
    assert later.last_result == "ok"
    assert calls.calls > 10
    assert JobRun.objects.filter(job="relay_like").count() == 1


def test_a_wake_during_a_run_runs_the_job_again_at_once(started):
    release = threading.Event()
    starts = []

    def slow():
        starts.append(time.monotonic())
        if len(starts) == 2:
            release.wait(5)
        return {"done": 1}

    # Polls only every minute: a second run soon after can only come from the wake.
    # Polls only hourly, far beyond the bounded waits below: any run after the first that
    # arrives within them can only come from a wake.
    job = Job(name="slow", schedule=Continuous(poll=timedelta(hours=1)), func=slow)
    active = started(fast_runner([job]))
    wait_until(lambda: len(starts) == 1, timeout=30)
    active.wake("slow")
    wait_until(lambda: len(starts) == 2, timeout=30)
    active.wake("slow")  # arrives while the second run is still busy
    release.set()
    wait_until(lambda: len(starts) == 3, timeout=30)


def test_stop_finishes_the_running_job_records_it_and_releases_the_lease(started):
    entered = threading.Event()

    def long_job():
        entered.set()
        time.sleep(0.6)
        return {"finished": 1}

    job = Job(name="long", schedule=every(60), func=long_job)
    active = started(fast_runner([job]))
    assert entered.wait(10)
    active.stop(timeout=10)

    run = JobRun.objects.get(job="long")
    assert run.counts == {"finished": 1}
    assert (run.finished_at - run.started_at) >= timedelta(seconds=0.6)
    assert Lease.objects.get(name="scheduler").holder == ""


def test_only_the_lease_holder_runs_jobs_and_it_stops_at_once_when_it_loses_the_lease(started):
    job = Job(name="tick", schedule=every(0.05), func=lambda: {"ticks": 1})
    first = started(fast_runner([job], holder="first"))
    wait_until(lambda: first.is_leader)
    second = started(fast_runner([job], holder="second"))
    wait_until(lambda: JobRun.objects.filter(job="tick").count() >= 5)
    assert set(JobRun.objects.values_list("holder", flat=True)) == {"first"}
    assert not second.is_leader

    # Another process holds the lease now (as after the first one's term ran out): the
    # first stops at its next renewal, and the second may take over only when it expires.
    Lease.objects.filter(name="scheduler").update(holder="elsewhere")
    # Renewals come every 0.5 s; the slack is for a loaded machine, not for the design.
    wait_until(lambda: not first.is_leader, timeout=30)
    # The first is gone for good (else it might win the lease back once it expires); its
    # stop does not release a lease it no longer holds.
    first.stop(timeout=10)
    assert Lease.objects.get(name="scheduler").holder in ("elsewhere", "second")
    wait_until(lambda: JobRun.objects.filter(holder="second").count() >= 3, timeout=30)
    # Leadership passed, never shared: every run of the first came before the second's.
    second_began = JobRun.objects.filter(holder="second").order_by("started_at").first()
    assert not JobRun.objects.filter(
        holder="first", started_at__gte=second_began.started_at
    ).exists()
    assert_runs_never_overlap()


def test_process_wide_wake_is_a_no_op_without_a_runner():
    assert runner.current() is None
    runner.wake("relay_outbox")  # a commit in a process that runs no jobs
    assert runner.current() is None


def test_working_runs_of_a_frequent_job_are_summed_without_overlapping_other_runs(started):
    busy_calls = Tracker()
    busy = Job(
        name="busy",
        schedule=Continuous(poll=timedelta(milliseconds=20)),
        func=lambda: busy_calls.run(result={"published": 2}),
        record_idle_runs=False,
    )
    tick = Job(name="tick", schedule=every(0.15), func=lambda: {"ticks": 1})
    active = started(fast_runner([busy, tick], summary_seconds=0.5))
    wait_until(
        lambda: (
            JobRun.objects.filter(job="tick").count() >= 5
            and JobRun.objects.filter(job="busy", runs__gt=1).exists()
        ),
        timeout=60,
    )
    active.stop(timeout=10)

    runs = assert_runs_never_overlap()
    summed = [run for run in runs if run.job == "busy"]
    assert sum(run.runs for run in summed) == busy_calls.calls  # every working run counted
    assert sum(run.counts["published"] for run in summed) == 2 * busy_calls.calls
    assert max(run.runs for run in summed) > 1
    assert len(summed) < busy_calls.calls
    assert JobRun.objects.filter(job="tick").count() >= 5


def test_a_job_that_returns_no_dict_of_counts_is_recorded_as_failed(started):
    from datetime import date

    odd = Job(name="odd", schedule=every(3600), func=lambda: 42)
    dated = Job(name="dated", schedule=every(3600), func=lambda: {"day": date(2026, 5, 1)})
    started(fast_runner([odd, dated]))
    failed = wait_until(lambda: JobRun.objects.filter(job="odd").first())
    recorded = wait_until(lambda: JobRun.objects.filter(job="dated").first())
    assert failed.result == "error"
    assert "job returned int, not a dict of counts" in failed.error
    assert recorded.result == "ok"
    assert recorded.counts == {"day": "2026-05-01"}


def test_a_job_in_its_own_lane_runs_while_a_long_job_holds_the_main_lane(started):
    """The relay's lane: a wake is served at once although the main lane is busy."""
    long_started, release = threading.Event(), threading.Event()
    relayed = threading.Event()

    def long_job():
        long_started.set()
        release.wait(30)
        return {"swept": 1}

    def relay_job():
        if long_started.is_set() and not release.is_set():
            relayed.set()
        return {"published": 0}

    jobs = [
        Job(name="long", schedule=every(3600), func=long_job),
        Job(name="relay", schedule=Continuous(poll=timedelta(hours=1)), func=relay_job, lane="x"),
    ]
    active = started(fast_runner(jobs))
    try:
        assert long_started.wait(10)
        active.wake("relay")
        assert relayed.wait(10)  # ran while the long job still held the main lane
    finally:
        release.set()
    active.stop(timeout=10)
    assert not active.is_alive()
    assert JobRun.objects.filter(job="long", result="ok").count() == 1
