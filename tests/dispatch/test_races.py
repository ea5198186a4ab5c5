"""Two-sided races, pretix style, with real threads (and processes) on the real database.

- Operators assigning one driver to several pickups at once: with the driver lock off they
  trust a stale status and the driver ends up with several pickups; with it on, exactly one
  assignment succeeds and the others are a 409.
- A driver's accept racing the timeout job: one of them wins, never both.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from switchboard.bookings.models import Booking
from switchboard.common.errors import Conflict
from switchboard.common.tenancy import cross_org
from switchboard.dispatch import lock_objects, services
from switchboard.dispatch.models import Answer, PickupOffer
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.dispatch.factories import driver_at, pickup_at
from tests.dispatch.race_worker import assign_in_threads, process_main
from tests.support.processes import worker_context

PICKUPS = 12
PROCESSES = 3


def setup_business():
    org = OrganizationFactory(slug="rush-hour")
    operator = MembershipFactory(organization=org, role="operator").user
    driver = driver_at(org, 1)
    bookings = [pickup_at(org, operator, 0.1 * n).pk for n in range(PICKUPS)]
    return org, {"operator": operator.pk, "driver": driver.pk}, bookings


def driven(org, ids) -> int:
    return Booking.objects.filter(organization=org, driver_id=ids["driver"]).count()


def check(org, ids, locked):
    if locked:
        assert driven(org, ids) == 1
    else:
        assert driven(org, ids) > 1  # the race is real: a stale "available" was trusted


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [False, True], ids=["lock-off-races", "lock-on-holds"])
def test_operators_assigning_one_driver_at_once(locked, monkeypatch):
    org, ids, bookings = setup_business()
    monkeypatch.setattr(lock_objects, "DRIVER_LOCK", locked)
    counts = assign_in_threads(ids=ids, bookings=bookings)
    assert counts["error"] == 0
    if locked:
        assert counts == {"ok": 1, "conflict": PICKUPS - 1, "error": 0}
    check(org, ids, locked)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [False, True], ids=["lock-off-races", "lock-on-holds"])
def test_operators_in_several_processes(locked):
    org, ids, bookings = setup_business()
    context = worker_context()
    barrier = context.Barrier(PROCESSES)
    share = PICKUPS // PROCESSES
    processes = [
        context.Process(
            target=process_main,
            args=(
                connection.settings_dict["NAME"],
                locked,
                ids,
                bookings[n * share : (n + 1) * share],
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
    if locked:
        check(org, ids, locked)
    else:
        # Across processes the overlap depends on start-up timing: at least the driver is
        # given pickups, and never by an error.
        assert driven(org, ids) >= 1


def race_accept_and_expiry(offer, driver) -> dict:
    """The driver accepts a millisecond before the deadline while the job expires the
    offer a millisecond after it, both released at once."""
    just_before = offer.expires_at - timedelta(milliseconds=1)
    after = offer.expires_at + timedelta(milliseconds=1)
    start_line = threading.Barrier(2)
    results = {}

    def accept():
        start_line.wait()
        try:
            services.offer_accept(offer=offer, acting_user=driver.user, at=just_before)
            results["accept"] = "won"
        except Conflict:
            results["accept"] = "lost"
        finally:
            connection.close()

    def expire():
        start_line.wait()
        with cross_org():
            results["expire"] = services.handover.hand_over([offer.pk], at=after)
        connection.close()

    threads = [threading.Thread(target=accept), threading.Thread(target=expire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results | {"after": after}


@pytest.mark.django_db(transaction=True)
def test_an_accept_racing_the_timeout_has_one_winner():
    org = OrganizationFactory(slug="photo-finish")
    operator = MembershipFactory(organization=org, role="operator").user
    driver = driver_at(org, 1)
    for _ in range(4):
        booking = pickup_at(org, operator)
        offer, _ = services.pickup_auto_assign(booking=booking, acting_user=operator)
        results = race_accept_and_expiry(offer, driver)
        offer.refresh_from_db()
        booking.refresh_from_db()
        assert (results["accept"] == "won") != results["expire"]
        if results["accept"] == "won":
            assert offer.answer == Answer.ACCEPTED and booking.driver_id == driver.pk
            assert not services.handover.hand_over([offer.pk], at=results["after"])
            offer.refresh_from_db()
            assert offer.answer == Answer.ACCEPTED
            # Free the driver for the next round.
            Booking.objects.filter(pk=booking.pk).update(status="cancelled")
        else:
            assert offer.answer == Answer.EXPIRED and booking.driver_id is None
            assert booking.status == "pickup_requested"
        assert PickupOffer.objects.filter(booking=booking, answer=Answer.ACCEPTED).count() <= 1
