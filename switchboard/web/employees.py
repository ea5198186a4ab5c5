"""The owner's Employees page (seed 000): workload, capacity, busy/available, and a modal of
each person's active assignments. Views read through selectors and write through services.

Until the page subscribes to live events, an action in the modal answers with the fresh modal
and an `HX-Trigger: workload-changed` header, on which the table reloads itself.
"""

from django.http import Http404
from django.shortcuts import render

from switchboard.accounts.permissions import acting_role
from switchboard.bookings import services
from switchboard.bookings.selectors import (
    active_assignments,
    bookings_list,
    employees_with_workload,
)
from switchboard.bookings.workflows import workflow
from switchboard.common.errors import DomainError, InvalidInput, NotFound
from switchboard.common.filters import parse_id
from switchboard.staff.channels import member_channels
from switchboard.web.views import org_page

WORKLOAD_CHANGED = "workload-changed"


def _table_context(org):
    return {
        "org": org,
        "employees": employees_with_workload(org).order_by("user__first_name", "pk"),
    }


@org_page("bookings.assignments_of_others")
def employees_page(request, membership):
    org = membership.organization
    context = {"membership": membership, "role": membership.role} | _table_context(org)
    # Workload and profiles arrive on the organisation channel, bookings on the managers'.
    context["realtime_channels"] = member_channels(membership)
    return render(request, "web/employees.html", context)


@org_page("bookings.assignments_of_others")
def employee_table(request, membership):
    return render(request, "web/_employee_table.html", _table_context(membership.organization))


def _staff_id(value) -> int:
    number = parse_id(value)
    if number is None:
        raise Http404("No such staff member.")
    return number


def _modal(request, membership, staff_id, *, error=""):
    org = membership.organization
    staff = employees_with_workload(org, is_active=None).filter(pk=staff_id).first()
    if staff is None:
        raise Http404("No such staff member.")
    role = acting_role(org, request.user)
    rows = [
        (booking, workflow(booking.workflow).table.next_states(booking.status, role))
        for booking in active_assignments(org, staff).order_by("starts_at", "pk")
    ]
    context = {"org": org, "staff": staff, "rows": rows, "error": error}
    return render(request, "web/_assignment_modal.html", context)


@org_page("bookings.assignments_of_others")
def employee_assignments(request, membership):
    return _modal(request, membership, _staff_id(request.GET.get("staff")))


def _describe(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return " ".join(message for messages in exc.fields.values() for message in messages)
    return exc.message


@org_page("bookings.assignments_of_others", methods=("POST",))
def assignment_move(request, membership):
    """Move one of the modal's bookings to another status, then show the modal again."""
    staff_id = _staff_id(request.POST.get("staff"))
    booking = (
        bookings_list(membership.organization)
        .filter(pk=_staff_id(request.POST.get("booking")))
        .first()
    )
    if booking is None:
        raise Http404("No such booking.")
    error = ""
    try:
        services.booking_transition(
            booking=booking, status=request.POST.get("status", ""), acting_user=request.user
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        error = _describe(exc)
    response = _modal(request, membership, staff_id, error=error)
    if not error:
        response["HX-Trigger"] = WORKLOAD_CHANGED
    return response
