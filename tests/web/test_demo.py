from django.core.management import call_command

from switchboard.accounts.models import Membership, Organization, User
from switchboard.staff.models import StaffMember
from switchboard.web.demo import DEMO_ORGS


def counts():
    return [m.objects.count() for m in (Organization, User, Membership, StaffMember)]


def test_seed_demo_is_idempotent_and_covers_every_role(db, capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[0] == len(DEMO_ORGS) == 4
    out = capsys.readouterr().out
    for org in Organization.objects.all():
        roles = set(Membership.objects.filter(organization=org).values_list("role", flat=True))
        assert {"owner", "operator", "staff"} <= roles
        assert org.name in out
    assert "switchboard-demo" in out
