"""Kiosk devices and the punches made on them.

An owner registers a device and receives its token once; the device presents it (in a
cookie) with every request. A punch names the person (picked from the list, or by badge),
their PIN and the action; it then goes through the attendance services like any other,
with the kiosk source and the device recorded. Wrong PINs are counted per person on the
device and per device; past a limit the kiosk refuses PINs until the window has passed.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from switchboard.accounts import permissions
from switchboard.accounts.models import Organization, User
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, DomainError, InvalidInput, NotFound
from switchboard.common.tenancy import cross_org, org_scope, org_scoped
from switchboard.staff.attendance import services as attendance
from switchboard.staff.kiosk.models import KioskDevice, KioskPinFailure
from switchboard.staff.models import StaffMember
from switchboard.staff.services import staff_check_pin

FAILURE_WINDOW = timedelta(minutes=15)
PERSON_LIMIT = 5
DEVICE_LIMIT = 20
PUNCHES = {
    "clock_in": attendance.staff_clock_in,
    "clock_out": attendance.staff_clock_out,
    "start_break": attendance.staff_break_start,
    "end_break": attendance.staff_break_end,
}


class TooManyAttempts(DomainError):
    status_code = 429
    default_message = "Too many wrong PINs; try again later."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@org_scoped
@transaction.atomic
def kiosk_register(
    *, organization: Organization, acting_user: User | None, name: str
) -> tuple[KioskDevice, str]:
    """A new device and its token, which is never stored and so never shown again."""
    permissions.require(organization, acting_user, "kiosk.manage")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput({"name": "Name the kiosk (1 to 120 characters)."})
    token = secrets.token_urlsafe(32)
    device = KioskDevice.objects.create(
        organization=organization,
        name=name,
        token_hash=token_hash(token),
        registered_by=acting_user,
    )
    return device, token


@org_scoped
@transaction.atomic
def kiosk_revoke(*, device: KioskDevice, acting_user: User | None) -> KioskDevice:
    permissions.require(device.organization, acting_user, "kiosk.manage")
    device = KioskDevice.objects.select_for_update().get(pk=device.pk)
    if device.is_active:
        device.is_active, device.revoked_at = False, now()
        device.save(update_fields=["is_active", "revoked_at"])
    return device


def kiosk_device(organization: Organization, token: str | None) -> KioskDevice | None:
    """The active device of `organization` holding `token`, or None."""
    if not token:
        return None
    with org_scope(organization):
        return KioskDevice.objects.filter(token_hash=token_hash(token), is_active=True).first()


@org_scoped
@transaction.atomic
def kiosk_pair(*, organization: Organization, token: str) -> KioskDevice:
    """The device opens its one-time link: accepted once, refused afterwards."""
    found = kiosk_device(organization, token)
    if found is None:
        raise NotFound("No such kiosk.")
    device = KioskDevice.objects.select_for_update().get(pk=found.pk)
    if device.paired_at is not None:
        raise Conflict("This registration link has been used already.")
    device.paired_at = device.last_seen_at = now()
    device.save(update_fields=["paired_at", "last_seen_at"])
    return device


def kiosk_seen(device: KioskDevice) -> None:
    with cross_org():
        KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=now())


def kiosk_find_staff(device: KioskDevice, *, staff_id=None, badge: str | None = None):
    """The active staff member of the device's organisation, by id or badge code."""
    with org_scope(device.organization_id):
        people = StaffMember.objects.filter(is_active=True).select_related("user", "department")
        if badge is not None:
            found = people.filter(badge_code=badge.strip()).first() if badge.strip() else None
        else:
            found = people.filter(pk=staff_id).first() if staff_id else None
    if found is None:
        raise NotFound("No such staff member.")
    return found


def _failures(device, since):
    return KioskPinFailure.objects.filter(device=device, at__gt=since)


def _check_not_locked(device, staff, at) -> None:
    recent = _failures(device, at - FAILURE_WINDOW)
    if recent.count() >= DEVICE_LIMIT:
        raise TooManyAttempts("Too many wrong PINs on this kiosk; it is locked for 15 minutes.")
    if recent.filter(staff=staff).count() >= PERSON_LIMIT:
        raise TooManyAttempts("Too many wrong PINs for you here; try again in 15 minutes.")


def _pin_refusal(device, staff, pin) -> DomainError | None:
    """Why the PIN is refused, or None. Under the device's lock, so that wrong PINs typed
    at once on one device are counted one after another and never pass the limits; the
    failure row is committed even though the punch is then refused."""
    with transaction.atomic():
        KioskDevice.objects.select_for_update().filter(pk=device.pk).first()
        at = now()
        _check_not_locked(device, staff, at)
        if not staff.has_kiosk_pin:
            return InvalidInput({"pin": "You have no kiosk PIN yet; ask a manager to set one."})
        if staff_check_pin(staff=staff, pin=pin or ""):
            KioskPinFailure.objects.filter(device=device, staff=staff).delete()
            return None
        KioskPinFailure.objects.create(device=device, staff=staff, at=at)
        left = PERSON_LIMIT - _failures(device, at - FAILURE_WINDOW).filter(staff=staff).count()
    if left <= 0:
        return TooManyAttempts("Wrong PIN. Too many tries: wait 15 minutes.")
    return InvalidInput({"pin": f"Wrong PIN. {left} tries left."})


def kiosk_punch(
    *, device: KioskDevice, staff: StaffMember, pin: str, action: str, source: str
) -> dict:
    """Check the PIN (within the limits), then punch through the attendance services."""
    if action not in PUNCHES:
        raise InvalidInput({"action": f"One of {', '.join(PUNCHES)}."})
    if source not in ("kiosk_pin", "kiosk_badge"):
        raise InvalidInput({"source": "kiosk_pin or kiosk_badge."})
    organization = device.organization
    with org_scope(organization):
        refusal = _pin_refusal(device, staff, pin)
    if refusal is not None:
        raise refusal
    extra = {"clock_in": {"source": source, "device": device}, "clock_out": {"source": source}}
    extra = extra.get(action, {})
    return PUNCHES[action](organization=organization, acting_user=None, staff=staff, **extra)


@org_scoped
@transaction.atomic
def staff_set_badge(
    *, staff: StaffMember, acting_user: User | None, badge_code: str | None
) -> StaffMember:
    """Give a person the badge a kiosk reader types (or clear it with None or '')."""
    permissions.require(staff.organization, acting_user, "staff.update")
    code = (badge_code or "").strip()
    if len(code) > 64:
        raise InvalidInput({"badge_code": "At most 64 characters."})
    taken = StaffMember.objects.filter(badge_code=code).exclude(pk=staff.pk)
    if code and taken.exists():
        raise Conflict("Another staff member has this badge.")
    staff.badge_code = code
    staff.save(update_fields=["badge_code"])
    return staff
