"""`/o/{slug}/bookings/{id}/`: one booking. Its details and next moves, its notes, a new
time or resource (rescheduling, re-checked under lock by `booking_reschedule`), who does
it (and who drives), its add-ons and its full audit trail.

Each form posts to its own address and calls one service; a refusal re-renders the page
with the message beside the form's field (400/403/409) and changes nothing. The live part
(`_booking_live.html`) reloads when an event about the booking or its add-ons arrives.
"""

import logging
from datetime import datetime, timedelta

from django.shortcuts import redirect, render

from switchboard.accounts.permissions import MANAGERS, WORKERS, acting_role, may
from switchboard.bookings import services
from switchboard.bookings.selectors import bookings_visible, employee_get, transitions_of
from switchboard.bookings.workflows import PARENT_WORKFLOWS, workflow
from switchboard.catalog.models import Workflow
from switchboard.catalog.selectors import resource_get, service_get
from switchboard.common.errors import DomainError, NotFound
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import staff_for_user
from switchboard.web.bookings_forms import (
    AUTO,
    NOBODY,
    AddonForm,
    AssignForm,
    DriverForm,
    NotesForm,
    RescheduleForm,
    put_error,
)
from switchboard.web.bookings_moves import next_moves, visible_booking
from switchboard.web.views import org_page

logger = logging.getLogger(__name__)


def _forms(org, b, bound=None):
    """Every form of the page, filled from the booking, the one just posted left bound."""
    start = b.starts_at.astimezone(org.tzinfo)
    minutes = int((b.ends_at - b.starts_at).total_seconds() // 60)
    forms = {
        "notes_form": NotesForm(org, initial={"notes": b.notes}),
        "reschedule_form": RescheduleForm(
            org,
            initial={
                "date": start.date(),
                "time": start.time().replace(second=0, microsecond=0),
                "minutes": minutes,
                "resource": b.resource_id,
            },
        ),
        "assign_form": AssignForm(
            org, initial={"assignee": str(b.assignee_id) if b.assignee_id else NOBODY}
        ),
        "driver_form": DriverForm(
            org, initial={"driver": str(b.driver_id) if b.driver_id else NOBODY}
        ),
    }
    if b.workflow in PARENT_WORKFLOWS:
        forms["addon_form"] = AddonForm(org, b, initial={"assignee": AUTO})
    if bound is not None:
        forms[bound[0]] = bound[1]
    return forms


def _context(request, membership, b, bound=None):
    org = membership.organization
    role = acting_role(org, request.user)
    wf = workflow(b.workflow)
    me = staff_for_user(org, request.user)
    context = {
        "org": org,
        "membership": membership,
        "role": role,
        "b": b,
        "moves": next_moves(b, role),
        "is_manager": role in MANAGERS,
        "is_worker": role in WORKERS,
        "is_active": wf.table.is_active(b.status),
        "has_driver": wf.has_driver,
        "is_session": b.workflow == Workflow.SESSION,
        "addons": bookings_visible(org, request.user).filter(parent=b).order_by("starts_at"),
        "trail": _trail(b) if may(role, "bookings.transitions") else None,
        "realtime_channels": member_channels(membership, me),
    }
    if role in WORKERS:
        context |= _forms(org, b, bound)
    return context


def _trail(b):
    """The audit rows, a reschedule's new start read back as a time to show locally."""
    rows = list(transitions_of(b))
    for row in rows:
        moved = (row.data or {}).get("rescheduled_to")
        row.moved_to = datetime.fromisoformat(moved[0]) if moved else None
    return rows


@org_page("bookings.retrieve")
def booking_page(request, membership, pk):
    b = visible_booking(membership, request.user, pk)
    context = _context(request, membership, b)
    template = "web/_booking_live.html" if request.GET.get("partial") else "web/booking.html"
    return render(request, template, context)


def _posted(form_name, form_class, perform, *, action):
    """A POST view: bind the form, call the service, redirect; or show the refusal."""

    @org_page(action, methods=("POST",))
    def view(request, membership, pk):
        org = membership.organization
        b = visible_booking(membership, request.user, pk)
        args = (org, b) if form_class is AddonForm else (org,)
        form = form_class(*args, request.POST)
        status = 400
        if form.is_valid():
            try:
                perform(org, b, form, request.user)
            except NotFound as exc:
                form.add_error(None, exc.message)
            except DomainError as exc:
                put_error(form, exc)
                status = exc.status_code
                logger.info("booking_%s_refused booking=%s status=%s", form_name, pk, status)
            else:
                return redirect("org-booking", org_slug=org.slug, pk=pk)
        b = visible_booking(membership, request.user, pk)
        context = _context(request, membership, b, bound=(form_name, form))
        return render(request, "web/booking.html", context, status=status)

    return view


def _person(org, value):
    return None if value in (AUTO, NOBODY) else employee_get(org, int(value))


def _save_notes(org, b, form, user):
    services.booking_update(booking=b, notes=form.cleaned_data["notes"], acting_user=user)


def _reschedule(org, b, form, user):
    data = form.cleaned_data
    services.booking_reschedule(
        booking=b,
        starts_at=form.starts_at(),
        ends_at=form.starts_at() + timedelta(minutes=data["minutes"]),
        resource=resource_get(org, data["resource"]) if data["resource"] else None,
        acting_user=user,
    )


def _assign(org, b, form, user):
    value = form.cleaned_data["assignee"]
    if value == NOBODY:
        if b.assignee_id is not None:
            services.booking_unassign(booking=b, acting_user=user)
        return
    if value == AUTO:
        # Automatic assignment picks among the free; a current assignee is let go first.
        if b.assignee_id is not None:
            b = services.booking_unassign(booking=b, acting_user=user)
        services.booking_auto_assign(booking=b, acting_user=user)
        return
    services.booking_assign(booking=b, assignee=_person(org, value), acting_user=user)


def _set_driver(org, b, form, user):
    driver = _person(org, form.cleaned_data["driver"])
    services.booking_set_driver(booking=b, driver=driver, acting_user=user)


def _add_addon(org, parent, form, user):
    data = form.cleaned_data
    services.booking_create(
        organization=org,
        service=service_get(org, data["service"]),
        starts_at=parent.starts_at,
        parent=parent,
        assignee=_person(org, data["assignee"]),
        auto_assign=data["assignee"] == AUTO,
        notes=data["notes"],
        acting_user=user,
    )


booking_notes = _posted("notes_form", NotesForm, _save_notes, action="bookings.update")
booking_reschedule = _posted(
    "reschedule_form", RescheduleForm, _reschedule, action="bookings.reschedule"
)
booking_assign = _posted("assign_form", AssignForm, _assign, action="bookings.assign")
booking_driver = _posted("driver_form", DriverForm, _set_driver, action="bookings.set_driver")
booking_addon = _posted("addon_form", AddonForm, _add_addon, action="bookings.create")
