"""Event names and payloads of the staff app (seed 001's shapes)."""

from switchboard.common.clock import now
from switchboard.realtime.channels import dept_channel, org_channel
from switchboard.realtime.publish import publish

STAFF_PROFILE_UPDATED = "staff-profile-updated"


def staff_profile_payload(staff, action: str) -> dict:
    department = staff.department
    return {
        "action": action,
        "staff_id": staff.pk,
        "user_id": staff.user_id,
        "first_name": staff.user.first_name,
        "last_name": staff.user.last_name,
        "full_name": staff.full_name,
        "department": department.name if department else None,
        "department_slug": department.slug if department else None,
        "skills": sorted(skill.slug for skill in staff.skills.all()),
        "capacity": staff.capacity,
        "is_active": staff.is_active,
        "timestamp": now(),
    }


def emit_staff_profile_updated(staff, action: str, *, departments=()) -> None:
    """Org-wide, plus every department channel the change concerns (old and new)."""
    org = staff.organization
    channels = [org_channel(org.slug)]
    slugs = {d.slug for d in departments if d is not None}
    if staff.department is not None:
        slugs.add(staff.department.slug)
    channels += [dept_channel(org.slug, slug) for slug in sorted(slugs)]
    publish(org, channels, STAFF_PROFILE_UPDATED, staff_profile_payload(staff, action))
