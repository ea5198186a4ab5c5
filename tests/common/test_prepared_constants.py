"""On PostgreSQL a prepared read's own constants are written into its SQL, so the server can
keep one generic plan instead of planning the workload reads again at every run (the plans
themselves: tests/bookings/test_query_plans.py)."""

import pytest
from django.db import connection

from switchboard.common.prepared import Prepared
from switchboard.staff.models import StaffMember
from tests.bookings.factories import staff_with

# The text of a constant that SQL quoting and the driver's placeholders could both trip on.
AWKWARD = "O'Brien's 100% %s wash"


def awkward_named(*, organization, capacity):
    return StaffMember.objects.for_org(organization).filter(
        display_name=AWKWARD, capacity=capacity, is_active=True
    )


@pytest.fixture
def named(org):
    person = staff_with(org, "employee", capacity=2)
    person.display_name = AWKWARD
    person.save()
    plain = staff_with(org, "employee", capacity=2)
    return person, plain


def test_constants_with_quotes_and_percent_signs_read_what_the_orm_reads(org, other_org, named):
    read = Prepared(awkward_named)
    person, _ = named
    for _ in range(2):  # compiled, then run again from the compiled SQL
        assert [s.pk for s in read(organization=org, capacity=2)] == [person.pk]
    assert read(organization=org, capacity=3) == []
    assert read(organization=other_org, capacity=2) == []


def test_only_the_arguments_are_parameters_on_postgresql(org, named):
    read = Prepared(awkward_named)
    read(organization=org, capacity=2)
    [(_, _, sql, slots)] = read._compiled.values()
    constants = [slot[1] for slot in slots if slot[0] == "const"]
    if connection.vendor == "postgresql":
        assert constants == []
        assert "'O''Brien''s 100%% %%s wash'" in sql
        assert {slot[1] for slot in slots} == {"organization", "capacity"}
    else:  # SQLite plans each statement cheaply: the ORM's own SQL, constants as parameters
        assert AWKWARD in constants
