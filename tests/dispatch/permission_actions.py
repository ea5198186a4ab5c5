"""The `# dispatch` rows of the permission table, as callables (merged into the walk of
`tests/accounts/test_permissions.py`). Set-up is done by a job or an operator of its own;
staff act on their own profile, so that only the table refuses a role."""

from django.urls import reverse
from rest_framework.test import APIClient

from switchboard.accounts import permissions
from switchboard.accounts.permissions import MANAGERS, acting_role
from switchboard.common.errors import Forbidden
from switchboard.dispatch import services
from switchboard.staff.attendance import services as attendance
from tests.accounts.factories import MembershipFactory
from tests.bookings.factories import staff_with
from tests.catalog.factories import skill
from tests.dispatch.factories import driver_at, pickup_at, place
from tests.staff.factories import StaffMemberFactory
from tests.support.permissions import api_read


def _operator(org):
    return MembershipFactory(organization=org, role="operator").user


def _own_driver(org, user):
    """`user`'s own profile as a driver on duty near the pickups (any role, so that only
    the table refuses); a job's: some driver."""
    if user is None or acting_role(org, user) in MANAGERS:
        return driver_at(org, 1)
    me = StaffMemberFactory(organization=org, user=user)
    me.skills.set([skill(org, "driver")])
    attendance.staff_clock_in(organization=org, acting_user=None, staff=me)
    lat, lng = place(1)
    services.position_record(organization=org, staff=me, lat=lat, lng=lng, acting_user=None)
    return me


def _position(org, user):
    me = _own_driver(org, None) if user is None else _own_driver(org, user)
    lat, lng = place(2)
    services.position_record(organization=org, staff=me, lat=lat, lng=lng, acting_user=user)


def _assign(org, user):
    booking = pickup_at(org, _operator(org))
    services.pickup_assign(booking=booking, driver=driver_at(org, 1), acting_user=user)


def _auto_assign(org, user):
    booking = pickup_at(org, _operator(org))
    driver_at(org, 1)
    offer, _ = services.pickup_auto_assign(booking=booking, acting_user=user)
    assert offer is not None


def _answer(org, user):
    operator = _operator(org)
    booking = pickup_at(org, operator)
    _own_driver(org, user)
    offer, _ = services.pickup_auto_assign(booking=booking, acting_user=operator)
    services.offer_accept(offer=offer, acting_user=user)


def _batch(org, user):
    pickup_at(org, _operator(org))
    driver_at(org, 1)
    result = services.batch_assign(organization=org, acting_user=user, dry_run=False)
    assert len(result["applied"]) == 1


def _all_drivers(org, user):
    """dispatch.view_all: a driver who is nobody's concern of the reader is listed."""
    if user is None:
        permissions.require(org, None, "dispatch.view_all")
        return
    StaffMemberFactory(organization=org, user=user)
    other = staff_with(org, "driver")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("dispatch-drivers", kwargs={"org_slug": org.slug}))
    if response.status_code == 403:
        raise Forbidden()
    assert response.status_code == 200, response.data
    if other.pk not in [row["staff_id"] for row in response.data["results"]]:
        raise Forbidden()


DISPATCH_ACTIONS = {
    "dispatch.view": api_read("dispatch-pickups", "dispatch.view"),
    "dispatch.view_all": _all_drivers,
    "dispatch.position_own": _position,
    "dispatch.assign": _assign,
    "dispatch.auto_assign": _auto_assign,
    "dispatch.answer_offer": _answer,
    "dispatch.batch_assign": _batch,
}
