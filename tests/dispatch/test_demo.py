"""The demo home-service business has drivers on duty with positions and a pickup waiting;
seeding again adds nothing and leaves the user's own changes alone."""

from django.core.management import call_command

from switchboard.accounts.models import Organization
from switchboard.dispatch.models import DriverPosition, PickupRequest
from switchboard.dispatch.selectors import driver_rows, pending_pickups
from switchboard.staff.attendance import services as attendance
from switchboard.staff.models import StaffMember


def test_the_demo_drivers_are_on_the_board(db):
    call_command("seed_demo", quiet_logins=True)
    org = Organization.objects.get(slug="royal-care")
    rows = driver_rows(org)
    assert [r["status"] for r in rows] == ["available", "available"]
    assert all(r["position_fresh"] for r in rows)
    [waiting] = pending_pickups(org)
    assert {c["staff_id"] for c in waiting["candidates"]} == {r["staff_id"] for r in rows}
    # The user clocks a driver out; seeding again neither clocks them back in nor fails.
    driver_id = rows[0]["staff_id"]
    attendance.staff_clock_out(
        organization=org, acting_user=None, staff=StaffMember.objects.get(pk=driver_id)
    )
    call_command("seed_demo", quiet_logins=True)
    assert DriverPosition.objects.filter(organization=org).count() == 2
    assert PickupRequest.objects.filter(organization=org).count() == 1
    statuses = {r["staff_id"]: r["status"] for r in driver_rows(org)}
    assert statuses[driver_id] == "off_duty"
