"""Two-sided: with the slot lock off, 32 concurrent bookings of one slot overfill it; with
it on, the slot never holds more than its capacity. Real threads (and processes) against
the real database."""

from datetime import timedelta

import pytest
from django.db import connection

from switchboard.bookings import lock_objects
from switchboard.bookings.models import Booking
from switchboard.common.clock import now
from switchboard.slots.models import BookingSlot
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.slots.concurrency_worker import book_in_threads, process_main
from tests.slots.support import offering
from tests.support.processes import worker_context

WORKERS = 32
PROCESSES = 4
CAPACITY = 3


def setup_slot():
    org = OrganizationFactory(slug="class-day")
    operator = MembershipFactory(organization=org, role="operator").user
    provider, service = offering(org, slot_capacity=CAPACITY)
    start = now() + timedelta(days=1)
    slot = BookingSlot.objects.create(
        organization=org,
        service=service,
        provider=provider,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=CAPACITY,
    )
    return org, slot, {"org": org.pk, "slot": slot.pk, "operator": operator.pk}


def check(slot, locked, made, full):
    held = Booking.objects.filter(slot=slot).count()
    assert held == made
    if locked:
        assert (made, full) == (CAPACITY, WORKERS - CAPACITY)
    else:
        # The race is real: several bookings trusted the same stale count.
        assert made > CAPACITY, made


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [False, True], ids=["lock-off-races", "lock-on-holds"])
def test_32_threads_book_one_slot_at_once(locked, monkeypatch):
    _, slot, ids = setup_slot()
    monkeypatch.setattr(lock_objects, "SLOT_LOCK", locked)
    made, full = book_in_threads(ids=ids, threads=WORKERS)
    check(slot, locked, made, full)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [False, True], ids=["lock-off-races", "lock-on-holds"])
def test_4_processes_book_one_slot_at_once(locked):
    _, slot, ids = setup_slot()
    context = worker_context()
    barrier, results = context.Barrier(PROCESSES), context.Queue()
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
                results,
            ),
        )
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    check(slot, locked, sum(a[0] for a in answers), sum(a[1] for a in answers))
