import pytest

from switchboard.bookings.selectors import employees_with_workload


@pytest.fixture
def workload(org):
    """`workload(staff)` -> (current_assignments, availability_status), read fresh."""

    def read(staff):
        row = employees_with_workload(org, is_active=None).get(pk=staff.pk)
        return row.current_assignments, row.availability_status

    return read
