from django.db.models import Exists, Q

from switchboard.catalog.models import Resource, Service
from switchboard.common.errors import NotFound
from switchboard.common.prepared import Prepared
from switchboard.common.tenancy import read_in_request
from switchboard.staff.models import StaffMember


def services_list(organization, *, workflow: str | None = None, is_active: bool | None = True):
    qs = Service.objects.for_org(organization).select_related("skill").prefetch_related("providers")
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if workflow:
        qs = qs.filter(workflow=workflow)
    return qs


def resources_list(organization, *, kind: str | None = None, is_active: bool | None = True):
    qs = Resource.objects.for_org(organization)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def _service_rows(*, organization, pk):
    return Service.objects.for_org(organization).select_related("skill").filter(pk=pk)


# Read by every booking made: compiled once (common/prepared.py).
_service_by_id = Prepared(_service_rows)


def service_get(organization, pk) -> Service:
    """A service of this organisation, or 404 (another tenant's id looks like no id)."""
    rows = _service_by_id(organization=organization, pk=pk) if isinstance(pk, int) else None
    if rows is None:
        rows = list(_service_rows(organization=organization, pk=pk)[:1])
    if not rows:
        raise NotFound("No such service.")
    return read_in_request(rows[0])


def resource_get(organization, pk) -> Resource:
    resource = Resource.objects.for_org(organization).filter(pk=pk).first()
    if resource is None:
        raise NotFound("No such resource.")
    return read_in_request(resource)


def qualified_staff(service: Service):
    """Active staff who may be assigned to `service`: its skill, and its providers if any."""
    return staff_qualified(
        organization=service.organization_id, skill=service.skill_id, service=service.pk
    )


def staff_qualified(*, organization, skill, service):
    """`qualified_staff` from ids alone (a prepared read builds it with stand-ins)."""
    qs = StaffMember.objects.for_org(organization).filter(is_active=True)
    if skill is not None:
        qs = qs.filter(skills=skill)
    providers = Service.providers.through.objects.filter(service_id=service)
    return qs.filter(~Exists(providers) | Q(pk__in=providers.values("staffmember_id")))


def is_qualified(service: Service, staff: StaffMember) -> bool:
    return qualified_staff(service).filter(pk=staff.pk).exists()


def qualified_pairs(organization, services, *, staff=None) -> dict[int, list[tuple[int, str]]]:
    """{service id: [(staff id, name)]} for many services in three queries: the rule of
    `qualified_staff` (skill when set; the listed providers when any), in bulk."""
    people = StaffMember.objects.for_org(organization).filter(is_active=True)
    if staff is not None:
        people = people.filter(pk=staff.pk)
    names = {
        pk: name or username
        for pk, name, username in people.values_list("pk", "display_name", "user__username")
    }
    skills: dict[int, set[int]] = {}
    through = StaffMember.skills.through.objects.filter(staffmember_id__in=list(names))
    for staff_id, skill_id in through.values_list("staffmember_id", "skill_id"):
        skills.setdefault(skill_id, set()).add(staff_id)
    listed: dict[int, set[int]] = {}
    chosen = Service.providers.through.objects.filter(service_id__in=[s.pk for s in services])
    for service_id, staff_id in chosen.values_list("service_id", "staffmember_id"):
        listed.setdefault(service_id, set()).add(staff_id)
    found = {}
    for service in services:
        ids = set(names) if service.skill_id is None else skills.get(service.skill_id, set())
        if service.pk in listed:
            ids &= listed[service.pk]
        found[service.pk] = [(pk, names[pk]) for pk in sorted(ids)]
    return found
