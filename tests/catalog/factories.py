import factory

from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.staff.models import Skill
from tests.accounts.factories import OrganizationFactory


def skill(org, slug: str) -> Skill:
    return Skill.objects.get_or_create(organization=org, slug=slug)[0]


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    workflow = Workflow.STANDARD
    duration_minutes = 60
    price = 100


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Bay {n}")
    kind = "wash_bay"
