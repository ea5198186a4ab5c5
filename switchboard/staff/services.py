"""Every write to departments and staff profiles goes through these functions."""

import logging
import re

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils.text import slugify

from switchboard.accounts import permissions
from switchboard.accounts.models import Membership, Organization, User
from switchboard.common.errors import Conflict, InvalidInput
from switchboard.common.tenancy import org_scope, org_scoped
from switchboard.staff.events import emit_staff_profile_updated
from switchboard.staff.models import Department, Skill, StaffMember

logger = logging.getLogger(__name__)

MAX_CAPACITY = 100
PIN_PATTERN = re.compile(r"^\d{4,8}$")
STAFF_FIELDS = ("department", "skills", "capacity", "phone", "display_name")


# Departments


@org_scoped
@transaction.atomic
def department_create(
    *, organization: Organization, name: str, slug: str = "", acting_user: User | None
) -> Department:
    permissions.require(organization, acting_user, "department.create")
    slug = slug or slugify(name)
    if not slug:
        raise InvalidInput({"slug": "A slug is required."})
    if Department.objects.for_org(organization).filter(slug=slug).exists():
        raise InvalidInput({"slug": "A department with this slug exists."})
    return Department.objects.create(organization=organization, name=name, slug=slug)


@org_scoped
@transaction.atomic
def department_update(*, department: Department, acting_user: User | None, **changes):
    permissions.require(department.organization, acting_user, "department.update")
    if "slug" in changes:
        taken = Department.objects.for_org(department.organization).filter(slug=changes["slug"])
        if taken.exclude(pk=department.pk).exists():
            raise InvalidInput({"slug": "A department with this slug exists."})
    for field in ("name", "slug", "is_active"):
        if field in changes:
            setattr(department, field, changes[field])
    department.save()
    return department


@org_scoped
@transaction.atomic
def department_delete(*, department: Department, acting_user: User | None) -> None:
    """Delete a department; its staff keep their profiles, without a department."""
    permissions.require(department.organization, acting_user, "department.delete")
    members = list(department.staff.select_related("user", "organization"))
    department.delete()
    for staff in members:
        staff.department = None
        emit_staff_profile_updated(staff, "updated", departments=[department])


@org_scoped
def department_deactivate(*, department: Department, acting_user: User | None) -> Department:
    return department_update(department=department, acting_user=acting_user, is_active=False)


# Staff profiles


def _validate_capacity(capacity):
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidInput({"capacity": f"Capacity must be between 0 and {MAX_CAPACITY}."})


def _check_department(organization, department):
    if department is not None and department.organization_id != organization.pk:
        raise InvalidInput({"department": "Unknown department."})


def _skills(organization, slugs) -> list[Skill]:
    cleaned = []
    for slug in slugs:
        value = slugify(slug)
        if not value:
            raise InvalidInput({"skills": f"'{slug}' is not a valid skill name."})
        cleaned.append(value)
    return [
        Skill.objects.get_or_create(organization=organization, slug=value)[0]
        for value in dict.fromkeys(cleaned)
    ]


def _staff_membership(organization, user) -> Membership:
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True
    ).first()
    if membership is None or membership.role not in permissions.WORKERS:
        raise InvalidInput({"user": "Only an active owner, operator or staff member can be staff."})
    return membership


@org_scoped
@transaction.atomic
def staff_create(
    *,
    organization: Organization,
    acting_user: User | None,
    user: User,
    department: Department | None = None,
    skills: list[str] = (),
    capacity: int | None = None,
    phone: str = "",
    display_name: str = "",
) -> StaffMember:
    """A staff profile for a member (owner, operator or staff). A person who is not a member
    yet is invited first (`accounts.invitations.member_invite`); the organisation never
    creates or edits accounts, so the name it shows is the profile's `display_name`."""
    permissions.require(organization, acting_user, "staff.create")
    _validate_capacity(capacity)
    _check_department(organization, department)
    _staff_membership(organization, user)
    if StaffMember.objects.for_org(organization).filter(user=user).exists():
        raise Conflict("This person already has a staff profile.")
    staff = StaffMember.objects.create(
        organization=organization,
        user=user,
        department=department,
        capacity=organization.default_staff_capacity if capacity is None else capacity,
        phone=phone,
        display_name=display_name.strip(),
    )
    staff.skills.set(_skills(organization, skills))
    emit_staff_profile_updated(staff, "created")
    logger.info("staff_created org=%s staff=%s", organization.slug, staff.pk)
    return staff


@org_scoped
@transaction.atomic
def staff_update(*, staff: StaffMember, acting_user: User | None, **changes) -> StaffMember:
    permissions.require(staff.organization, acting_user, "staff.update")
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise InvalidInput({field: "This field cannot be changed." for field in unknown})
    _validate_capacity(changes.get("capacity"))
    previous_department = staff.department
    if "department" in changes:
        _check_department(staff.organization, changes["department"])
    if "display_name" in changes:
        changes = {**changes, "display_name": changes["display_name"].strip()}
    for field in ("department", "capacity", "phone", "display_name"):
        if field in changes:
            setattr(staff, field, changes[field])
    staff.save()
    if "skills" in changes:
        staff.skills.set(_skills(staff.organization, changes["skills"]))
    emit_staff_profile_updated(staff, "updated", departments=[previous_department])
    return staff


@org_scoped
@transaction.atomic
def staff_deactivate(*, staff: StaffMember, acting_user: User | None) -> StaffMember:
    """Take a profile off the active list; history that refers to it stays intact."""
    permissions.require(staff.organization, acting_user, "staff.deactivate")
    if not staff.is_active:
        return staff
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    emit_staff_profile_updated(staff, "deleted")
    return staff


@org_scoped
@transaction.atomic
def staff_reactivate(*, staff: StaffMember, acting_user: User | None) -> StaffMember:
    permissions.require(staff.organization, acting_user, "staff.update")
    if staff.is_active:
        return staff
    _staff_membership(staff.organization, staff.user)
    staff.is_active = True
    staff.save(update_fields=["is_active"])
    emit_staff_profile_updated(staff, "created")
    return staff


@org_scoped
@transaction.atomic
def staff_delete(*, staff: StaffMember, acting_user: User | None) -> None:
    """Remove a profile for good (the admin's delete). Dashboards hear `deleted`."""
    permissions.require(staff.organization, acting_user, "staff.delete")
    emit_staff_profile_updated(staff, "deleted")
    staff.delete()


@org_scoped
@transaction.atomic
def staff_set_pin(*, staff: StaffMember, pin: str | None, acting_user: User | None):
    """Set (or clear, with None) the kiosk PIN; only its hash is kept. A staff member may
    set their own; managers set anyone's."""
    own = acting_user is not None and staff.user_id == acting_user.pk
    permissions.require(
        staff.organization, acting_user, "staff.set_own_pin" if own else "staff.set_pin"
    )
    if pin is not None and not PIN_PATTERN.match(pin):
        raise InvalidInput({"pin": "A PIN is 4 to 8 digits."})
    staff.kiosk_pin_hash = make_password(pin) if pin else ""
    staff.save(update_fields=["kiosk_pin_hash"])
    return staff


@org_scoped
def staff_check_pin(*, staff: StaffMember, pin: str) -> bool:
    return bool(staff.kiosk_pin_hash) and check_password(pin, staff.kiosk_pin_hash)


def end_profile_with_membership(*, membership: Membership, acting_user: User | None) -> None:
    """A person who leaves the organisation is no longer staff there: their profile is
    deactivated with the membership, so automatic assignment never picks them again."""
    with org_scope(membership.organization):
        profile = StaffMember.objects.filter(user_id=membership.user_id, is_active=True).first()
        if profile is not None:
            # The membership change was authorised already; the profile follows as a job.
            staff_deactivate(staff=profile, acting_user=None)
