"""The one job runner: a lease thread that keeps leadership, and a job thread per lane
that runs that lane's due jobs one at a time while this process leads.

Jobs are in the `main` lane unless registered with another (the outbox relay has its own),
so that a long job (a sweep of thousands of sessions) does not hold events back. The main
lane takes and leaves office; the others run only while it holds it.

Leadership is a lease row (`lease.LeaseKeeper`), renewed every few seconds from its own
thread, so a long job cannot make the holder lose the lease by accident. Running and
recording one job is `execution`. The process-wide runner is started with the served
application (`switchboard.lifespan`) or by `manage.py run_scheduler`; `wake(name)` makes a
job due now.
"""

import logging
import threading

from django.conf import settings
from django.db import connection, connections

from switchboard.common.clock import now
from switchboard.common.tenancy import cross_org
from switchboard.scheduler import registry, services
from switchboard.scheduler.execution import Plan, Recorder, execute, next_run_after
from switchboard.scheduler.lease import LEASE_NAME, LeaseKeeper, process_identity
from switchboard.scheduler.models import JobState
from switchboard.scheduler.registry import Job

logger = logging.getLogger(__name__)

__all__ = ["LEASE_NAME", "Runner", "current", "start", "stop", "wake"]

# The job thread looks at the clock at least this often, so a clock change, a deadline
# created meanwhile or a lost lease is noticed within it.
MAX_SLEEP = 1.0
MAIN_LANE = "main"


def _config(key):
    return settings.SCHEDULER[key]


class Runner:
    def __init__(
        self,
        jobs: list[Job] | None = None,
        *,
        holder: str | None = None,
        lease_seconds: float | None = None,
        renew_seconds: float | None = None,
        acquire_seconds: float | None = None,
        summary_seconds: float | None = None,
    ):
        self.holder = holder or process_identity()
        self._jobs = jobs
        self.lease = LeaseKeeper(
            name=LEASE_NAME, holder=self.holder, term=lease_seconds or _config("LEASE_SECONDS")
        )
        self.renew_seconds = renew_seconds or _config("RENEW_SECONDS")
        self.acquire_seconds = acquire_seconds or _config("ACQUIRE_SECONDS")
        self.summary_seconds = summary_seconds or _config("SUMMARY_SECONDS")
        self.recorder = Recorder(holder=self.holder, summary_seconds=self.summary_seconds)
        self._cond = threading.Condition()
        self._poked: set[str] = set()
        self._lanes: list[str] = [MAIN_LANE]
        self._lane_threads: dict[str, threading.Thread] = {}
        self._plans: dict[str, Plan] = {}
        self._leading = False
        self._stopping = threading.Event()
        self._jobs_done = threading.Event()
        self._threads: list[threading.Thread] = []

    # Control, from any thread

    def start(self) -> None:
        others = sorted({job.lane for job in self._job_list()} - {MAIN_LANE})
        self._lanes = [MAIN_LANE, *others]
        self._lane_threads = {
            lane: threading.Thread(
                target=self._job_loop,
                args=(lane,),
                name="scheduler-jobs" if lane == MAIN_LANE else f"scheduler-jobs-{lane}",
                daemon=True,
            )
            for lane in self._lanes
        }
        self._threads = [
            threading.Thread(target=self._lease_loop, name="scheduler-lease", daemon=True),
            *self._lane_threads.values(),
        ]
        for thread in self._threads:
            thread.start()
        logger.info("scheduler_started holder=%s", self.holder)

    def stop(self, timeout: float | None = None) -> None:
        """Finish the running job, record it, release the lease."""
        self._stopping.set()
        self._poke()
        for thread in self._threads:
            thread.join(timeout)
        logger.info("scheduler_stopped holder=%s", self.holder)

    def is_alive(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    @property
    def is_leader(self) -> bool:
        return self._leading and self.lease.held()

    def wake(self, name: str) -> None:
        with self._cond:
            plan = self._plans.get(name)
            if plan is None:
                return
            plan.wakes += 1
            plan.next_run = min(plan.next_run, now())
            self._poked.add(self._lane_of(plan.job))
            self._cond.notify_all()

    def _poke(self) -> None:
        with self._cond:
            self._poked.update(self._lanes)
            self._cond.notify_all()

    def _sleep(self, lane: str, seconds: float) -> None:
        with self._cond:
            if lane not in self._poked and not self._stopping.is_set():
                self._cond.wait(max(0.0, min(seconds, MAX_SLEEP)))
            self._poked.discard(lane)

    def _lane_of(self, job: Job) -> str:
        # A job registered after start in a lane with no thread runs in the main lane.
        return job.lane if job.lane in self._lanes else MAIN_LANE

    def _lane_plans(self, lane: str) -> list[Plan]:
        with self._cond:
            return [p for p in self._plans.values() if self._lane_of(p.job) == lane]

    # The lease thread

    def _lease_loop(self) -> None:
        try:
            # Keep renewing until the job thread has finished its last job.
            while not self._jobs_done.is_set():
                if self._stopping.is_set() and not self.lease.held():
                    break
                was_held = self.lease.held()
                held = self.lease.claim()
                if held != was_held:
                    self._poke()
                wait = self.renew_seconds if held else self.acquire_seconds
                self._jobs_done.wait(wait)
        finally:
            self.lease.release()
            connections.close_all()

    # The job thread

    def _job_loop(self, lane: str = MAIN_LANE) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    with (
                        cross_org()
                    ):  # jobs serve every organisation; the services they call scope themselves
                        self._step(lane)
                except Exception:
                    # Whatever went wrong, the thread must not die: log, wait, go on.
                    logger.exception("scheduler_step_failed holder=%s lane=%s", self.holder, lane)
                    connection.close()
                    self._sleep(lane, MAX_SLEEP)
            if lane == MAIN_LANE:
                for other, thread in self._lane_threads.items():
                    if other != MAIN_LANE:
                        thread.join()  # their last runs are recorded before stepping down
                if self._leading:
                    self._step_down("stopping")
        finally:
            if lane == MAIN_LANE:
                self._jobs_done.set()
            connections.close_all()

    def _step(self, lane: str = MAIN_LANE) -> None:
        if lane != MAIN_LANE:
            self._step_lane(lane)
            return
        if not self.lease.held():
            if self._leading:
                self._step_down("lease lost")
            self._sleep(lane, MAX_SLEEP)
            return
        if not self._leading and not self._take_office():
            self._sleep(lane, MAX_SLEEP)
            return
        self._step_lane(lane)

    def _step_lane(self, lane: str) -> None:
        job = self._due_job(lane) if self.is_leader else None
        if job is not None:
            self._run(job, lane)
        self.recorder.flush_summaries(self._lane_plans(lane))
        if job is None:
            self._sleep(lane, self._seconds_to_next(lane))

    def _job_list(self) -> list[Job]:
        return list(self._jobs) if self._jobs is not None else registry.all_jobs()

    def _take_office(self) -> bool:
        """Plan every job from its recorded last run: a missed run is caught up once."""
        try:
            jobs = self._job_list()
            last = dict(
                JobState.objects.filter(job__in=[j.name for j in jobs]).values_list(
                    "job", "last_started_at"
                )
            )
            at = now()
            plans = {
                job.name: Plan(job=job, next_run=job.schedule.first_run(last.get(job.name), at))
                for job in jobs
            }
            for plan in plans.values():
                services.job_state_save(
                    job=plan.job.name,
                    holder=self.holder,
                    next_run_at=plan.next_run,
                    updated_at=at,
                )
        except Exception as exc:
            logger.warning("scheduler_take_office_failed error=%s", exc)
            connection.close()
            return False
        with self._cond:
            self._plans = plans
            self._leading = True
            self._poked.update(self._lanes)  # the other lanes start at once
            self._cond.notify_all()
        logger.info("scheduler_leading holder=%s jobs=%s", self.holder, ",".join(plans))
        return True

    def _step_down(self, reason: str) -> None:
        self.recorder.flush_summaries(self._plans.values(), force=True)
        with self._cond:
            self._plans = {}
            self._leading = False
        log = logger.info if self._stopping.is_set() else logger.warning
        log("scheduler_not_leading holder=%s reason=%s", self.holder, reason)

    def _due_job(self, lane: str = MAIN_LANE) -> Job | None:
        at = now()
        due = [plan for plan in self._lane_plans(lane) if plan.next_run <= at]
        if not due:
            return None
        return min(due, key=lambda plan: plan.next_run).job

    def _seconds_to_next(self, lane: str = MAIN_LANE) -> float:
        at = now()
        waits = [(plan.next_run - at).total_seconds() for plan in self._lane_plans(lane)]
        return min([MAX_SLEEP, *waits])

    def _run(self, job: Job, lane: str = MAIN_LANE) -> None:
        with self._cond:
            plan = self._plans.get(job.name)
        if plan is None:  # stepped down meanwhile
            return
        self.recorder.flush_bursts(self._lane_plans(lane), before=plan)
        with self._cond:
            wakes = plan.wakes
        outcome = execute(job, self.holder)
        next_run = next_run_after(plan, outcome)
        with self._cond:
            if plan.wakes != wakes:  # woken while running: what woke it is not done yet
                next_run = min(next_run, outcome.finished_at)
            plan.next_run = next_run
        self.recorder.record(plan, outcome)


# The process-wide runner

_runner: Runner | None = None
_runner_lock = threading.Lock()


def start(active: Runner | None = None) -> Runner:
    """Start this process's runner (a given one, or one from settings) unless one runs."""
    global _runner
    with _runner_lock:
        if _runner is None or not _runner.is_alive():
            _runner = active or Runner()
            _runner.start()
        return _runner


def stop(timeout: float | None = None) -> None:
    global _runner
    with _runner_lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.stop(timeout)


def current() -> Runner | None:
    return _runner


def wake(name: str) -> None:
    runner = _runner
    if runner is not None:
        runner.wake(name)
