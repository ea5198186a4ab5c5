"""The derived reads (a person's workload, a resource's status) visit current bookings by
index, never the organisation's whole history: they must not grow with every booking ever
made.

Before, the scope's own `organization_id = …` inside each correlated subquery led SQLite's
planner to walk every booking of the organisation for each staff member or resource (and the
tie-break "longest since an assignment" to sort a person's whole history). Checked on the
real planners with a history of finished and unassigned bookings.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection

from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import (
    assignment_candidates,
    staff_with_workload,
    with_workload,
)
from switchboard.bookings.sessions_selectors import resource_board
from switchboard.common.clock import now
from switchboard.common.tenancy import org_scope
from switchboard.staff.models import StaffMember
from tests.bookings.factories import car_wash, staff_with
from tests.catalog.factories import ResourceFactory

PERSON_INDEXES = {"booking_assignee_status", "booking_driver_status"}


def store(rows) -> None:
    Booking.objects.bulk_create(rows, batch_size=500)
    if connection.vendor == "postgresql":
        # As autovacuum would have; SQLite has no statistics unless ANALYZE is run, which
        # the project never does.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE bookings_booking")


@pytest.fixture
def history(org):
    """Four people with years of finished work, and many bookings nobody holds."""
    crew = [staff_with(org, "employee") for _ in range(4)]
    bays = [ResourceFactory(organization=org) for _ in range(3)]
    wash = car_wash(org)
    start = now() - timedelta(days=900)
    rows = [
        Booking(
            organization=org,
            service=wash,
            workflow="standard",
            status="completed" if n % 3 else "cancelled",
            assignee=crew[n % 4] if n % 2 else None,
            resource=bays[n % 3] if n % 4 == 0 else None,
            assigned_at=start + timedelta(hours=n) if n % 2 else None,
            customer_name="History",
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=30),
        )
        for n in range(4000)
    ]
    store(rows)
    return crew, wash


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[3] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return json.dumps(cursor.fetchone()[0])


def booking_scans(text: str) -> list[str]:
    """How each read of the bookings table is made, as the planner says it."""
    if connection.vendor == "sqlite":
        return [line for line in text.splitlines() if line.startswith(("SEARCH U", "SCAN U"))]
    nodes, found = [json.loads(text)[0]["Plan"]], []
    while nodes:
        node = nodes.pop()
        if node.get("Relation Name") == "bookings_booking":
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}")
        nodes.extend(node.get("Plans", []))
    return found


def test_the_workload_count_reads_each_persons_own_index_entries(org, history):
    crew, _ = history
    with org_scope(org):
        scans = booking_scans(plan(with_workload(StaffMember.objects.filter(pk=crew[0].pk))))
    assert scans, "the planner read no bookings at all?"
    for scan in scans:
        assert "organization" not in scan, scans
        assert "Seq Scan" not in scan and not scan.startswith("SCAN"), scans
    assert any(name in scan for scan in scans for name in PERSON_INDEXES), scans


@pytest.fixture
def backlog(org, history):
    """A peak: the history above, and a backlog of bookings nobody has been given yet
    (half the table `pending`, so the planner thinks an active status unselective)."""
    crew, wash = history
    later = now() + timedelta(days=30)
    rows = [
        Booking(
            organization=org,
            service=wash,
            workflow="standard",
            status="pending",
            customer_name="Waiting",
            starts_at=later + timedelta(minutes=n),
            ends_at=later + timedelta(minutes=n + 30),
        )
        for n in range(4000)
    ]
    store(rows)
    return crew, wash


def test_the_workload_count_at_a_peak_reads_no_whole_table(org, backlog):
    """An add-on counts while its parent is active: the parent is looked up by its key,
    never by joining the bookings table to itself (PostgreSQL hashed all of it, for every
    person counted)."""
    crew, _ = backlog
    with org_scope(org):
        staff = StaffMember.objects.filter(pk__in=[s.pk for s in crew])
        scans = booking_scans(plan(with_workload(staff)))
        loads = [s.current_assignments for s in with_workload(staff)]
    assert scans
    for scan in scans:
        assert "Seq Scan" not in scan and not scan.startswith("SCAN"), scans
    assert loads == [0, 0, 0, 0]


def prepared_plans() -> dict[str, tuple[int, int]]:
    """{statement: (generic plans, custom plans)} of this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {text: (generic, custom) for text, generic, custom in cursor.fetchall()}


def test_the_workload_reads_at_a_peak_keep_one_generic_plan(org, backlog):
    """PostgreSQL plans a prepared statement for its values five times, then keeps a generic
    plan if it looks no worse. With the workflows' status lists as parameters, the generic
    plan of the workload reads looked worse at a peak, so each run (two a booking) was
    planned afresh, at ten times the cost of running it. The lists are now in the SQL."""
    crew, wash = backlog
    ids = [s.pk for s in crew]
    with org_scope(org):
        for _ in range(12):  # enough runs on one connection for the server to weigh plans
            candidates = assignment_candidates(wash)
            loads = staff_with_workload(org, ids)
    assert sorted(s.pk for s in candidates) == ids
    assert [s.current_assignments for s in loads] == [0, 0, 0, 0]
    if connection.vendor != "postgresql":
        return  # SQLite keeps no plan between statements: the reads answered as above
    plans = {
        text: (generic, custom)
        for text, (generic, custom) in prepared_plans().items()
        if text.startswith('SELECT "staff_staffmember"') and generic + custom >= 5
    }
    assert len(plans) == 2, plans
    assert all(generic > 0 for generic, _ in plans.values()), plans


def test_the_candidates_tie_break_reads_one_index_entry(org, history):
    crew, wash = history
    with org_scope(org):
        from switchboard.bookings.selectors import _candidate_rows

        query = _candidate_rows(organization=org.pk, skill=wash.skill_id, service=wash.pk)
        scans = booking_scans(plan(query))
        candidates = assignment_candidates(wash)
    assert any("booking_assignee_assigned" in scan for scan in scans), scans
    assert all("organization" not in scan for scan in scans), scans
    # And the answer is still the rule: everyone free, the longest-waiting first.
    assert [s.current_assignments for s in candidates] == [0, 0, 0, 0]
    assert candidates[0].pk == crew[0].pk  # never assigned: waited longest


def test_the_resource_board_reads_each_resources_own_index_entries(org, history):
    with org_scope(org):
        scans = booking_scans(plan(resource_board(org)))
        board = list(resource_board(org))
    assert scans
    for scan in scans:
        assert "organization" not in scan, scans
        assert "Seq Scan" not in scan and not scan.startswith("SCAN"), scans
    assert [r.status for r in board] == ["available"] * 3  # all that history is over
