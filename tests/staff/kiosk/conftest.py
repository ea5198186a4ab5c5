import pytest

from switchboard.staff.kiosk import services
from switchboard.staff.services import staff_set_pin
from tests.staff.factories import StaffMemberFactory

PIN = "2468"


@pytest.fixture
def kiosk(org):
    """A registered kiosk of `org` and its token."""
    return services.kiosk_register(organization=org, acting_user=None, name="Front door")


@pytest.fixture
def person(org):
    staff = StaffMemberFactory(organization=org, badge_code="B-100")
    staff_set_pin(staff=staff, pin=PIN, acting_user=None)
    return staff
