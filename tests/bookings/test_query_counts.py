"""The number of queries of the booking write path, pinned per database, so that a change
that adds one shows as a failing count here rather than as a slower benchmark later.

Counted after one warm-up call (first-use caches are not the path's cost). PostgreSQL
counts one more statement per event write: the `NOTIFY` that wakes the relay in whichever
process runs it (`realtime/wakeups.py`). When a count changes on purpose, update it here
and say why in the commit.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.bookings import services
from switchboard.common.clock import now
from tests.bookings.factories import book, car_wash, staff_with

PINNED = {
    # Before the outbox write lost its own savepoint: 20/23, 24/28 and 12/14; before the
    # qualified-staff rule became one clause of the candidates' query (no separate look
    # at the service's providers): 16/19 and 20/24; before the booking's lock read its
    # people with it, and before one NOTIFY and one lock timeout per transaction: 10/12.
    "create": {"sqlite": 14, "postgresql": 17},
    "auto_assign": {"sqlite": 17, "postgresql": 21},
    "transition": {"sqlite": 8, "postgresql": 9},
}


def assert_queries(name, queries):
    sql = "\n".join(q["sql"][:160] for q in queries.captured_queries)
    assert len(queries) == PINNED[name][connection.vendor], f"{name}:\n{sql}"


@pytest.fixture
def wash(org):
    for _ in range(3):
        staff_with(org, "employee")
    return car_wash(org)


def at(hours):
    return now() + timedelta(hours=hours)


def test_a_booking_create_with_automatic_assignment(org, operator, wash):
    book(org, wash, operator, at=at(1), auto_assign=True)
    with CaptureQueriesContext(connection) as queries:
        booking = book(org, wash, operator, at=at(2), auto_assign=True)
    assert booking.assignee_id is not None
    assert_queries("create", queries)


def test_an_auto_assign(org, operator, wash):
    first, second = (book(org, wash, operator, at=at(h)) for h in (1, 2))
    services.booking_auto_assign(booking=first, acting_user=operator)
    with CaptureQueriesContext(connection) as queries:
        booking = services.booking_auto_assign(booking=second, acting_user=operator)
    assert booking.assignee_id is not None
    assert_queries("auto_assign", queries)


def test_a_transition(org, operator, wash):
    first, second = (book(org, wash, operator, at=at(h), auto_assign=True) for h in (1, 2))
    services.booking_transition(booking=first, status="confirmed", acting_user=operator)
    with CaptureQueriesContext(connection) as queries:
        booking = services.booking_transition(
            booking=second, status="confirmed", acting_user=operator
        )
    assert booking.status == "confirmed"
    assert_queries("transition", queries)
