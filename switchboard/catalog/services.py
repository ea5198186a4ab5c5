"""Every write to services and resources goes through these functions."""

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.common.errors import Conflict, InvalidInput
from switchboard.common.hooks import Hooks
from switchboard.common.tenancy import org_scoped
from switchboard.staff.models import Skill, StaffMember

logger = logging.getLogger(__name__)

SLOT_FIELDS = (
    "slot_interval_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "slot_capacity",
)
SERVICE_FIELDS = (
    "name",
    "workflow",
    "duration_minutes",
    "price",
    "skill",
    "providers",
    "is_active",
    *SLOT_FIELDS,
)
# What changes the slots a service offers: the slots app regenerates on these.
SLOT_SHAPING_FIELDS = frozenset(
    {*SLOT_FIELDS, "duration_minutes", "skill", "providers", "is_active"}
)
RESOURCE_FIELDS = ("name", "kind", "in_maintenance", "is_active")
MAX_DURATION_MINUTES = 60 * 24 * 60  # a reservation may run for weeks, not for years
MAX_NOTICE_MINUTES = 60 * 24 * 366
MAX_HORIZON_DAYS = 366
MAX_SLOT_CAPACITY = 10_000

# Run inside `service_update`'s transaction with the changed service when something that
# shapes its slots changed; the slots app (above this one) regenerates the window.
slot_settings_changed = Hooks("catalog.slot_settings_changed")


# Services


def _check_service_values(values: dict) -> None:
    errors = {}
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = "A name is required."
    if "workflow" in values and values["workflow"] not in Workflow.values:
        errors["workflow"] = f"'{values['workflow']}' is not a workflow."
    duration = values.get("duration_minutes")
    if duration is not None and not 0 < duration <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = f"A duration is 1 to {MAX_DURATION_MINUTES} minutes."
    if values.get("price") is not None and Decimal(values["price"]) < 0:
        errors["price"] = "A price cannot be negative."
    errors.update(_slot_setting_errors(values))
    if errors:
        raise InvalidInput(errors)


def _slot_setting_errors(values: dict) -> dict:
    limits = {
        "buffer_before_minutes": (0, MAX_DURATION_MINUTES, "A buffer is 0 to {hi} minutes."),
        "buffer_after_minutes": (0, MAX_DURATION_MINUTES, "A buffer is 0 to {hi} minutes."),
        "min_notice_minutes": (0, MAX_NOTICE_MINUTES, "A notice is 0 to {hi} minutes."),
        "slot_interval_minutes": (1, MAX_DURATION_MINUTES, "An interval is 1 to {hi} minutes."),
        "horizon_days": (1, MAX_HORIZON_DAYS, "A horizon is 1 to {hi} days."),
        "slot_capacity": (1, MAX_SLOT_CAPACITY, "A slot has 1 to {hi} seats."),
    }
    errors = {}
    for field, (lo, hi, message) in limits.items():
        value = values.get(field)
        if value is not None and not lo <= value <= hi:
            errors[field] = message.format(hi=hi)
    if values.get("slot_capacity", 1) is None:
        errors["slot_capacity"] = "A slot has at least one seat."
    return errors


def _skill(organization, slug: str | None) -> Skill | None:
    if not slug:
        return None
    value = slugify(slug)
    if not value:
        raise InvalidInput({"skill": f"'{slug}' is not a valid skill name."})
    return Skill.objects.get_or_create(organization=organization, slug=value)[0]


def _check_providers(organization, providers) -> list[StaffMember]:
    providers = list(providers)
    for staff in providers:
        if staff.organization_id != organization.pk or not staff.is_active:
            raise InvalidInput({"providers": f"Staff member {staff.pk} is not active here."})
    return providers


def _check_unique_name(model, organization, name, exclude_pk=None):
    taken = model.objects.for_org(organization).filter(name=name).exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput({"name": "This name is taken."})


@org_scoped
@transaction.atomic
def service_create(
    *,
    organization: Organization,
    name: str,
    workflow: str = Workflow.STANDARD,
    duration_minutes: int = 60,
    price: Decimal | int = 0,
    skill: str | None = None,
    providers=(),
    acting_user: User | None,
    **slot_settings,
) -> Service:
    """Create a service; `slot_settings` are any of SLOT_FIELDS (docs/slots.md)."""
    permissions.require(organization, acting_user, "service.create")
    unknown = set(slot_settings) - set(SLOT_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field is unknown." for field in unknown})
    values = {
        "name": name,
        "workflow": workflow,
        "duration_minutes": duration_minutes,
        "price": price,
        **slot_settings,
    }
    _check_service_values(values)
    _check_unique_name(Service, organization, name)
    service = Service.objects.create(
        organization=organization, skill=_skill(organization, skill), **values
    )
    service.providers.set(_check_providers(organization, providers))
    slot_settings_changed.run(service)
    logger.info("service_created org=%s service=%s", organization.slug, service.pk)
    return service


@org_scoped
@transaction.atomic
def service_update(*, service: Service, acting_user: User | None, **changes) -> Service:
    """Change a service. Bookings keep the workflow they were made with."""
    permissions.require(service.organization, acting_user, "service.update")
    unknown = set(changes) - set(SERVICE_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    _check_service_values(changes)
    if "name" in changes:
        _check_unique_name(Service, service.organization, changes["name"], service.pk)
    if "skill" in changes:
        service.skill = _skill(service.organization, changes["skill"])
    for field in SERVICE_FIELDS:
        if field in changes and field not in ("skill", "providers"):
            setattr(service, field, changes[field])
    service.save()
    if "providers" in changes:
        service.providers.set(_check_providers(service.organization, changes["providers"]))
    if SLOT_SHAPING_FIELDS & set(changes):
        slot_settings_changed.run(service)
    return service


@org_scoped
def service_deactivate(*, service: Service, acting_user: User | None) -> Service:
    return service_update(service=service, acting_user=acting_user, is_active=False)


# Resources


def _check_resource_values(values: dict) -> None:
    errors = {}
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = "A name is required."
    if "kind" in values and not slugify(values["kind"]):
        errors["kind"] = "A kind is required (wash_bay, parking_space, room, pc…)."
    if errors:
        raise InvalidInput(errors)


@org_scoped
@transaction.atomic
def resource_create(
    *,
    organization: Organization,
    name: str,
    kind: str,
    in_maintenance: bool = False,
    acting_user: User | None,
) -> Resource:
    permissions.require(organization, acting_user, "resource.create")
    _check_resource_values({"name": name, "kind": kind})
    _check_unique_name(Resource, organization, name)
    resource = Resource.objects.create(
        organization=organization,
        name=name,
        kind=slugify(kind).replace("-", "_"),
        in_maintenance=in_maintenance,
    )
    logger.info("resource_created org=%s resource=%s", organization.slug, resource.pk)
    return resource


@org_scoped
@transaction.atomic
def resource_update(*, resource: Resource, acting_user: User | None, **changes) -> Resource:
    permissions.require(resource.organization, acting_user, "resource.update")
    unknown = set(changes) - set(RESOURCE_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    _check_resource_values(changes)
    if "name" in changes:
        _check_unique_name(Resource, resource.organization, changes["name"], resource.pk)
    if "kind" in changes:
        changes = {**changes, "kind": slugify(changes["kind"]).replace("-", "_")}
    for field, value in changes.items():
        setattr(resource, field, value)
    resource.save(update_fields=list(changes) or None)
    return resource


@org_scoped
def resource_deactivate(*, resource: Resource, acting_user: User | None) -> Resource:
    return resource_update(resource=resource, acting_user=acting_user, is_active=False)


@org_scoped
@transaction.atomic
def resource_delete(*, resource: Resource, acting_user: User | None) -> None:
    """Delete a resource that no booking refers to; one with history is deactivated instead."""
    permissions.require(resource.organization, acting_user, "resource.delete")
    try:
        resource.delete()
    except ProtectedError as exc:
        raise Conflict("Bookings refer to this resource; deactivate it instead.") from exc
