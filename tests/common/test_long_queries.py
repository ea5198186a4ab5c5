"""psycopg parses the placeholders of the derived-workload reads once, not on every run:
they are over its stock limits for its parse cache (4,096 characters, 50 parameters)."""

from django.db import connection
from psycopg import _queries

from switchboard.bookings.selectors import _workload_rows, staff_with_workload
from switchboard.common.tenancy import org_scope
from tests.bookings.factories import staff_with


def test_the_workload_read_is_within_the_raised_limits(org):
    people = [staff_with(org, "employee") for _ in range(2)]
    with org_scope(org):
        sql, params = _workload_rows(
            organization=org.pk, ids=[p.pk for p in people]
        ).query.sql_with_params()
    assert len(params) > 50 or len(sql) > 4096  # what the stock limits would not cache
    assert len(params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
    assert len(sql) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    if connection.vendor == "postgresql":
        staff_with_workload(org, [people[0].pk])
        hits = _queries._query2pg.cache_info().hits
        staff_with_workload(org, [people[1].pk])
        assert _queries._query2pg.cache_info().hits > hits
