import factory

from switchboard.staff.models import Department, StaffMember
from tests.accounts.factories import MembershipFactory, OrganizationFactory


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.LazyAttribute(lambda d: d.slug.title())


class StaffMemberFactory(factory.django.DjangoModelFactory):
    """A staff profile whose user is a staff member of the same organisation."""

    class Meta:
        model = StaffMember

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.LazyAttribute(
        lambda s: MembershipFactory(organization=s.organization, role="staff").user
    )
    capacity = 3
