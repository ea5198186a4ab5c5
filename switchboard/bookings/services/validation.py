"""Checks of the people and things a booking names, before anything is written."""

from switchboard.bookings.workflows import BookingWorkflow
from switchboard.catalog.selectors import is_qualified
from switchboard.common.errors import InvalidInput

DRIVER_SKILL = "driver"


def check_assignee(service, staff, field: str = "assignee") -> None:
    if not staff.is_active:
        raise InvalidInput({field: "This staff member is not active."})
    if is_qualified(service, staff):
        return
    skill = service.skill
    if skill is not None and not staff.skills.filter(pk=skill.pk).exists():
        message = f"{staff.full_name} does not have the skill '{skill.slug}' this service needs."
    else:
        message = f"{staff.full_name} does not offer this service."
    raise InvalidInput({field: message})


def check_driver(wf: BookingWorkflow, staff, *, assignee_id) -> None:
    if not wf.has_driver:
        raise InvalidInput({"driver": f"A {wf.name} booking has no driver."})
    if not staff.is_active:
        raise InvalidInput({"driver": "This staff member is not active."})
    if not staff.skills.filter(slug=DRIVER_SKILL).exists():
        raise InvalidInput({"driver": f"{staff.full_name} does not have the skill 'driver'."})
    if staff.pk == assignee_id:
        raise InvalidInput({"driver": "The driver cannot be the booking's own assignee."})
