"""Another organisation's object handed to a bookings service is not found, and changes
nothing: the service runs in its own organisation's scope and looks everything up there.

One walk over every service that accepts related objects: each case hands over exactly
one object, ours or theirs. Ours must work, so the refusal of theirs is about tenancy and
nothing else.
"""

from types import SimpleNamespace

import pytest
from django.forms.models import model_to_dict

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.common.errors import NotFound
from switchboard.realtime.models import OutboxEvent
from tests.accounts.factories import MembershipFactory
from tests.bookings.factories import (
    START,
    book,
    car_wash,
    car_wash_addon,
    massage,
    parking,
    session_service,
    staff_with,
)
from tests.catalog.factories import ResourceFactory


def business(org):
    """One of everything a booking can point at, in `org`."""
    return SimpleNamespace(
        car_wash=car_wash(org),
        massage=massage(org),
        session=session_service(org),
        employee=staff_with(org, "employee"),
        driver=staff_with(org, "driver"),
        bay=ResourceFactory(organization=org, name="Bay 1"),
        pc=ResourceFactory(organization=org, name="PC01", kind="pc"),
        customer=MembershipFactory(organization=org, role="customer").user,
        reservation=book(org, parking(org), None),
    )


@pytest.fixture
def world(org, other_org, operator):
    ours, theirs = business(org), business(other_org)
    ours.addon = car_wash_addon(org)
    therapist = staff_with(org, "therapist")
    ours.wash = book(org, ours.car_wash, operator)
    ours.home = book(org, ours.massage, operator, assignee=therapist)
    return SimpleNamespace(org=org, operator=operator, ours=ours, theirs=theirs)


def _create(w, **kwargs):
    values = {
        "service": w.ours.car_wash,
        "starts_at": START,
        "customer_name": "Walk-in",
        "allow_past": True,
    }
    return services.booking_create(organization=w.org, acting_user=w.operator, **(values | kwargs))


# case name -> call(world, side): `side` supplies the one object that may be foreign.
CASES = {
    "booking_create service": lambda w, s: _create(w, service=s.car_wash),
    "booking_create resource": lambda w, s: _create(w, resource=s.bay),
    "booking_create assignee": lambda w, s: _create(w, assignee=s.employee),
    "booking_create driver": lambda w, s: _create(w, service=w.ours.massage, driver=s.driver),
    "booking_create parent": lambda w, s: _create(w, service=w.ours.addon, parent=s.reservation),
    "booking_create customer": lambda w, s: _create(w, customer=s.customer, customer_name=""),
    "booking_assign assignee": lambda w, s: services.booking_assign(
        booking=w.ours.wash, assignee=s.employee, acting_user=w.operator
    ),
    "booking_update assignee": lambda w, s: services.booking_update(
        booking=w.ours.wash, assignee=s.employee, acting_user=w.operator
    ),
    "booking_set_driver driver": lambda w, s: services.booking_set_driver(
        booking=w.ours.home, driver=s.driver, acting_user=w.operator
    ),
    "booking_update driver": lambda w, s: services.booking_update(
        booking=w.ours.home, driver=s.driver, acting_user=w.operator
    ),
    "session_start resource": lambda w, s: services.session_start(
        organization=w.org, resource=s.pc, minutes=30, acting_user=w.operator
    ),
    "session_start service": lambda w, s: services.session_start(
        organization=w.org,
        resource=w.ours.pc,
        service=s.session,
        minutes=30,
        acting_user=w.operator,
    ),
}


def state():
    """Everything a refused call must leave as it was, in every organisation."""
    return (
        [model_to_dict(b) for b in Booking.objects.order_by("pk")],
        BookingTransition.objects.count(),
        OutboxEvent.objects.count(),
    )


@pytest.mark.parametrize("case", CASES)
def test_another_organisations_object_is_not_found_and_changes_nothing(world, case):
    before = state()
    with pytest.raises(NotFound):
        CASES[case](world, world.theirs)
    assert state() == before


@pytest.mark.parametrize("case", CASES)
def test_the_same_call_with_our_own_object_works(world, case):
    before = state()
    result = CASES[case](world, world.ours)
    assert isinstance(result, Booking)
    assert state() != before
