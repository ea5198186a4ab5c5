"""Two-sided, pretix style: with the capacity lock off, 32 concurrent auto-assignments put
somebody over capacity; with it on, nobody ever is. Real threads (and real processes) against
the real database — a file for SQLite, the test server for PostgreSQL."""

import threading

import pytest
from django.db import connection, transaction

from switchboard.accounts.models import Organization, User
from switchboard.bookings import lock_objects, services
from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import employees_with_workload
from switchboard.catalog.models import Service
from switchboard.common.errors import Conflict
from switchboard.common.tenancy import cross_org
from switchboard.staff.models import StaffMember
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.concurrency_worker import book_in_threads, process_main
from tests.bookings.factories import START, car_wash, staff_with
from tests.support.processes import worker_context
from tests.support.wait import TIMEOUT

WORKERS = 32
PROCESSES = 4
CAPACITY = 2
STAFF = 3


def setup_business():
    org = OrganizationFactory(slug="rush-hour")
    operator = MembershipFactory(organization=org, role="operator").user
    service = car_wash(org)
    crew = [staff_with(org, "employee", capacity=CAPACITY) for _ in range(STAFF)]
    return org, {"org": org.pk, "service": service.pk, "operator": operator.pk}, crew


def outcome(org):
    loads = [s.current_assignments for s in employees_with_workload(org)]
    assigned = Booking.objects.filter(organization=org, assignee__isnull=False).count()
    return loads, assigned, Booking.objects.filter(organization=org).count()


def check(org, locked):
    loads, assigned, made = outcome(org)
    assert made == WORKERS  # every booking is made, assigned or not
    if locked:
        assert max(loads) <= CAPACITY, loads
        assert assigned == STAFF * CAPACITY  # and every free place was used
    else:
        # The race is real: several threads trusted the same stale count.
        assert max(loads) > CAPACITY, loads


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [False, True], ids=["lock-off-races", "lock-on-holds"])
def test_32_threads_auto_assign_at_once(locked, monkeypatch):
    org, ids, _ = setup_business()
    monkeypatch.setattr(lock_objects, "CAPACITY_LOCK", locked)
    assert book_in_threads(ids=ids, offset=0, threads=WORKERS) == 0
    check(org, locked)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [False, True], ids=["lock-off-races", "lock-on-holds"])
def test_4_processes_auto_assign_at_once(locked):
    org, ids, _ = setup_business()
    context = worker_context()
    barrier = context.Barrier(PROCESSES)
    per_process = WORKERS // PROCESSES
    processes = [
        context.Process(
            target=process_main,
            args=(
                connection.settings_dict["NAME"],
                locked,
                ids,
                n * per_process,
                per_process,
                barrier,
            ),
        )
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    check(org, locked)


@pytest.mark.django_db(transaction=True)
def test_a_lock_held_too_long_is_a_clear_answer_not_a_hang(monkeypatch):
    """PostgreSQL: a staff row locked past LOCK_TIMEOUT is a 409 "busy, try again" and the
    booking is not made. SQLite: the IMMEDIATE transaction queues the writer behind the
    holder, which then books normally."""
    org, ids, crew = setup_business()
    monkeypatch.setattr(lock_objects, "LOCK_TIMEOUT", "200ms")
    holding, release = threading.Event(), threading.Event()
    order = []

    def hold_the_crew():
        with cross_org(), transaction.atomic():  # a thread starts with no scope
            list(StaffMember.objects.select_for_update().filter(pk__in=[s.pk for s in crew]))
            holding.set()
            release.wait(TIMEOUT)
            order.append("holder commits")  # inside the transaction: before the lock goes
        connection.close()

    holder = threading.Thread(target=hold_the_crew)
    holder.start()
    assert holding.wait(TIMEOUT)
    try:
        if connection.vendor == "postgresql":
            with pytest.raises(Conflict, match="busy"):
                book_now(ids)
            assert not Booking.objects.filter(organization=org).exists()
        else:
            threading.Timer(0.5, release.set).start()
            assert book_now(ids).assignee is not None
            order.append("booked")
            # The booking waited for the holder, however long either took.
            assert order == ["holder commits", "booked"]
    finally:
        release.set()
        holder.join()


def book_now(ids):
    return services.booking_create(
        organization=Organization.objects.get(pk=ids["org"]),
        service=Service.objects.get(pk=ids["service"]),
        starts_at=START,
        customer_name="Late",
        auto_assign=True,
        allow_past=True,
        acting_user=User.objects.get(pk=ids["operator"]),
    )
