import pytest
from django.core.management import CommandError, call_command

from switchboard.bookings.models import Booking
from tests.bookings.factories import book, car_wash, staff_with


def test_sync_employee_workload_prints_sources_and_finds_nothing_to_fix(org, operator, capsys):
    washer = staff_with(org, "employee", capacity=1)
    book(org, car_wash(org), operator, assignee=washer)
    before = list(Booking.objects.values())
    call_command("sync_employee_workload", "--dry-run", "--organization", org.slug)
    out = capsys.readouterr().out
    assert f"{washer.full_name} (ID: {washer.pk})" in out
    assert "Standalone bookings: 1" in out and "Add-on services: 0" in out
    assert "Total active: 1 (capacity 1)" in out and "Status: busy" in out
    assert "Checked 1 employee(s)" in out and "Nothing to fix" in out
    assert list(Booking.objects.values()) == before


def test_an_unknown_organisation_is_an_error(db):
    with pytest.raises(CommandError):
        call_command("sync_employee_workload", "--organization", "nope")
