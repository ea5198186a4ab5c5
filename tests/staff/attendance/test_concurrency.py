"""Concurrent punches for one person, with real threads and real processes against the real
database (a file for SQLite, the test server for PostgreSQL): one change, never two open
logs."""

import contextlib
import itertools
import random
import threading
import traceback

import pytest
from django.db import connection

from switchboard.common.errors import Conflict
from switchboard.common.tenancy import cross_org
from switchboard.staff.attendance import services
from switchboard.staff.attendance.models import Break, ClockLog
from tests.accounts.factories import OrganizationFactory
from tests.staff.factories import StaffMemberFactory
from tests.support.processes import worker_context

THREADS = 16
PUNCHES = (
    services.staff_clock_in,
    services.staff_clock_out,
    services.staff_break_toggle,
    services.staff_break_start,
    services.staff_break_end,
)


def in_threads(work, count=THREADS) -> tuple[list, list]:
    """Run `work(n)` in `count` threads released at once: (answers, failures)."""
    start_line = threading.Barrier(count)
    answers, failures = [], []

    def one(n):
        try:
            start_line.wait()
            answers.append(work(n))
        except Conflict as refused:
            answers.append(refused)
        except Exception:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    workers = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers, failures


def _person():
    org = OrganizationFactory(slug="night-desk")
    me = StaffMemberFactory(organization=org)
    return org, me


@pytest.mark.django_db(transaction=True)
def test_concurrent_clock_ins_make_one_log():
    org, me = _person()
    answers, failures = in_threads(
        lambda n: services.staff_clock_in(organization=org, acting_user=me.user)
    )
    assert failures == []
    with cross_org():
        assert ClockLog.objects.filter(staff=me).count() == 1
    # The others came within the repeat window: they answer what the first one left.
    statuses = {a["status"] if isinstance(a, dict) else "refused" for a in answers}
    assert statuses <= {"on_duty", "refused"} and len(answers) == THREADS


@pytest.mark.django_db(transaction=True)
def test_random_concurrent_punches_never_make_two_open_logs():
    org, me = _person()
    rng = random.Random(10)
    plan = [[rng.choice(PUNCHES) for _ in range(4)] for _ in range(THREADS)]

    def work(n):
        for punch in plan[n]:
            with contextlib.suppress(Conflict):
                punch(organization=org, acting_user=me.user)

    _, failures = in_threads(work)
    assert failures == [], failures[0]
    check_invariants(me)


PROCESSES = 4


@pytest.mark.django_db(transaction=True)
def test_punches_from_several_processes_never_make_two_open_logs():
    from tests.staff.attendance.concurrency_worker import process_main

    org, me = _person()
    context = worker_context()
    barrier = context.Barrier(PROCESSES)
    name = connection.settings_dict["NAME"]
    processes = [
        context.Process(
            target=process_main, args=(name, org.pk, me.pk, seed, THREADS // PROCESSES, barrier)
        )
        for seed in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    with cross_org():
        assert ClockLog.objects.filter(staff=me).exists()
    check_invariants(me)


def check_invariants(me):
    with cross_org():
        logs = list(ClockLog.objects.filter(staff=me).order_by("clock_in_at"))
        assert sum(log.clock_out_at is None for log in logs) <= 1
        for earlier, later in itertools.pairwise(logs):
            assert earlier.clock_out_at <= later.clock_in_at
        for log in logs:
            assert Break.objects.filter(log=log, ended_at__isnull=True).count() <= (
                1 if log.clock_out_at is None else 0
            )
