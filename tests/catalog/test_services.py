import pytest

from switchboard.bookings import services as bookings
from switchboard.catalog import services
from switchboard.catalog.models import Resource, Service
from switchboard.catalog.selectors import is_qualified, qualified_staff
from switchboard.common.errors import Conflict, InvalidInput
from tests.bookings.factories import book, car_wash, staff_with
from tests.catalog.factories import ResourceFactory


def test_a_service_needs_a_skill_and_may_name_its_providers(org, owner):
    a, b = staff_with(org, "therapist"), staff_with(org, "therapist")
    cook = staff_with(org, "cook")
    service = services.service_create(
        organization=org,
        name="Massage",
        workflow="home_service",
        duration_minutes=90,
        price="1500.00",
        skill="Therapist",
        acting_user=owner,
    )
    assert service.skill.slug == "therapist"
    assert set(qualified_staff(service)) == {a, b} and not is_qualified(service, cook)
    services.service_update(service=service, providers=[b], acting_user=owner)
    assert list(qualified_staff(service)) == [b]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"duration_minutes": -30}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"buffer_after_minutes": -1}, "buffer_after_minutes"),
        ({"price": -5}, "price"),
        ({"workflow": "teleport"}, "workflow"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_service_values_are_400_and_change_nothing(org, owner, values, field):
    with pytest.raises(InvalidInput) as refused:
        services.service_create(organization=org, acting_user=owner, **({"name": "Wash"} | values))
    assert field in refused.value.fields
    assert not Service.objects.exists()


def test_names_are_unique_within_an_organisation(org, other_org, owner):
    services.service_create(organization=org, name="Wash", acting_user=owner)
    services.service_create(organization=other_org, name="Wash", acting_user=None)
    with pytest.raises(InvalidInput):
        services.service_create(organization=org, name="Wash", acting_user=owner)
    services.resource_create(organization=org, name="PC01", kind="pc", acting_user=owner)
    with pytest.raises(InvalidInput):
        services.resource_create(organization=org, name="PC01", kind="pc", acting_user=owner)


def test_providers_must_be_active_staff_of_the_organisation(org, other_org, owner):
    foreign = staff_with(other_org, "employee")
    with pytest.raises(InvalidInput):
        services.service_create(
            organization=org, name="Wash", providers=[foreign], acting_user=owner
        )
    assert not Service.objects.exists()


def test_a_resource_kind_is_normalised_and_maintenance_can_be_set(org, owner):
    bay = services.resource_create(
        organization=org, name="Bay 1", kind="Wash-Bay", acting_user=owner
    )
    assert bay.kind == "wash_bay" and not bay.in_maintenance
    services.resource_update(resource=bay, in_maintenance=True, acting_user=owner)
    bay.refresh_from_db()
    assert bay.in_maintenance


def test_a_resource_with_bookings_is_kept(org, owner, operator):
    bay = ResourceFactory(organization=org)
    book(org, car_wash(org), operator, resource=bay)
    with pytest.raises(Conflict):
        services.resource_delete(resource=bay, acting_user=owner)
    assert Resource.objects.filter(pk=bay.pk).exists()
    free = ResourceFactory(organization=org)
    services.resource_delete(resource=free, acting_user=owner)
    assert not Resource.objects.filter(pk=free.pk).exists()


def test_changing_a_services_workflow_leaves_bookings_in_theirs(org, owner, operator):
    service = car_wash(org)
    booking = book(org, service, operator)
    services.service_update(service=service, workflow="reservation", acting_user=owner)
    booking.refresh_from_db()
    assert booking.workflow == "standard"
    bookings.booking_transition(booking=booking, status="confirmed", acting_user=operator)
