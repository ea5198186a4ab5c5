"""Every write of the slots app: maintenance runs and the settings that shape slots.
Availability and exceptions are in `slots.availability`, which calls `regenerate` here."""

import logging

from django.db import transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.catalog.models import Service
from switchboard.common.clock import now
from switchboard.common.errors import InvalidInput
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.slots import maintenance
from switchboard.slots.events import emit_slots_maintained
from switchboard.slots.maintenance import MaintenanceReport, SlotChanges
from switchboard.slots.models import SlotAutomationSettings, SlotMaintenanceRun, Trigger
from switchboard.slots.policy import KEYS, policy_of
from switchboard.staff.models import StaffMember

logger = logging.getLogger(__name__)

MAX_DAYS_AHEAD = 366
SETTINGS_FIELDS = (*KEYS, "public_booking")

__all__ = ["SlotChanges", "regenerate", "service_changed", "slot_settings_update", "slots_maintain"]


def _check_days(days_ahead) -> None:
    if days_ahead is not None and not 1 <= days_ahead <= MAX_DAYS_AHEAD:
        raise InvalidInput({"days_ahead": f"Give 1 to {MAX_DAYS_AHEAD} days."})


def _record(organization, report: MaintenanceReport, *, started, trigger, provider, service):
    changes = report.changes
    SlotMaintenanceRun.objects.create(
        organization=organization,
        started_at=started,
        finished_at=now(),
        trigger=trigger,
        days_ahead=report.days_ahead,
        provider=provider,
        service=service,
        created=changes.created,
        removed=changes.removed,
        expired=changes.expired,
        updated=changes.updated,
        conflicts=changes.conflicts,
    )


def _run(organization, *, trigger, provider=None, service=None, days_ahead=None, **options):
    """One run in its own transaction (savepoint inside a caller's); a dry run is rolled
    back, so it reports exactly what a real run at that moment would change."""
    policy = policy_of(organization)
    days = days_ahead or policy.days_ahead
    started = now()
    dry_run = options.get("dry_run", False)
    with transaction.atomic():
        report = maintenance.run(
            organization,
            now=started,
            days_ahead=days,
            policy=policy,
            provider=provider,
            service=service,
            **options,
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            _record(
                organization,
                report,
                started=started,
                trigger=trigger,
                provider=provider,
                service=service,
            )
            if report.changes.changed:
                emit_slots_maintained(
                    organization, report, trigger=trigger, provider=provider, service=service
                )
    # The command logs one line for all organisations; other runs log their own.
    level = logging.DEBUG if trigger == Trigger.COMMAND else logging.INFO
    logger.log(
        level,
        "slots_maintained org=%s trigger=%s provider=%s service=%s days=%s created=%d "
        "removed=%d expired=%d updated=%d conflicts=%d dry_run=%s",
        organization.slug,
        trigger,
        getattr(provider, "pk", None),
        getattr(service, "pk", None),
        days,
        report.changes.created,
        report.changes.removed,
        report.changes.expired,
        report.changes.updated,
        report.changes.conflicts,
        dry_run,
    )
    return report


@org_scoped
def slots_maintain(
    *,
    organization: Organization,
    acting_user: User | None,
    days_ahead: int | None = None,
    provider: StaffMember | None = None,
    service: Service | None = None,
    force_cleanup: bool = False,
    dry_run: bool = False,
    full: bool = False,
    trigger: str = Trigger.COMMAND,
) -> MaintenanceReport:
    """Expire, remove what no longer fits (booked slots are kept and reported), create
    what is missing. `full` ignores the no-op memo and compares every slot."""
    permissions.require(organization, acting_user, "slots.maintain")
    _check_days(days_ahead)
    provider, service = in_scope(provider), in_scope(service)
    if trigger not in Trigger.values:
        raise InvalidInput({"trigger": f"'{trigger}' is not a trigger."})
    return _run(
        organization,
        trigger=trigger,
        provider=provider,
        service=service,
        days_ahead=days_ahead,
        force_cleanup=force_cleanup,
        dry_run=dry_run,
        full=full,
    )


def regenerate(organization, *, provider=None, service=None) -> SlotChanges:
    """What a change of availability or settings calls, inside its own transaction:
    the affected window again, through the same run as maintenance."""
    report = _run(organization, trigger=Trigger.CHANGE, provider=provider, service=service)
    return report.changes


def service_changed(service: Service) -> SlotChanges:
    """`catalog.services.slot_settings_changed`: the service's slots follow its settings."""
    return regenerate(service.organization, service=service)


def _check_settings(changes: dict) -> None:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    errors = {}
    if changes.get("days_ahead") is not None and not 1 <= changes["days_ahead"] <= 366:
        errors["days_ahead"] = f"Give 1 to {MAX_DAYS_AHEAD} days."
    for field in ("max_slots_per_service", "batch_size"):
        if changes.get(field) is not None and not 1 <= changes[field] <= 1_000_000:
            errors[field] = "Give 1 to 1000000."
    if "public_booking" in changes and changes["public_booking"] is None:
        errors["public_booking"] = "Say true or false."
    if errors:
        raise InvalidInput(errors)


@org_scoped
@transaction.atomic
def slot_settings_update(
    *, organization: Organization, acting_user: User | None, **changes
) -> SlotAutomationSettings:
    """Override the automation settings for this organisation (null: the setting's value);
    `public_booking` switches the public booking page on or off."""
    permissions.require(organization, acting_user, "slots.settings")
    _check_settings(changes)
    row, _ = SlotAutomationSettings.objects.get_or_create(organization=organization)
    for field, value in changes.items():
        setattr(row, field, value)
    row.save()
    logger.info(
        "slot_settings_updated org=%s fields=%s", organization.slug, ",".join(sorted(changes))
    )
    return row
