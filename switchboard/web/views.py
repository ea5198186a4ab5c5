"""Server-rendered pages. Views read through selectors and never write on their own."""

from collections import Counter
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from switchboard.accounts.models import Role
from switchboard.accounts.permissions import acting_role, may
from switchboard.accounts.selectors import membership_for, memberships_list, organizations_for_user
from switchboard.common.errors import NotFound
from switchboard.common.tenancy import org_scope
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import departments_list, staff_for_user, staff_list


def org_page(action: str | None = None, methods=("GET", "HEAD")):
    """Login, then membership (404 for anyone else), then the row `action` of the permission
    table (403; no action: any member), then method (405); the page then runs in the
    organisation's tenancy scope."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, org_slug, *args, **kwargs):
            try:
                membership = membership_for(request.user, org_slug)
            except NotFound as exc:
                raise Http404 from exc
            role = acting_role(membership.organization, request.user)
            if action is not None and not may(role, action):
                raise PermissionDenied
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            # Pages render inside the view (`render`), so the whole page is in the scope.
            with org_scope(membership.organization):
                return view(request, membership, *args, **kwargs)

        return wrapper

    return decorate


ROLE_PLURALS = {
    Role.OWNER: "Owners",
    Role.OPERATOR: "Operators",
    Role.STAFF: "Staff",
    Role.CUSTOMER: "Customers",
}


@login_required
def index(request):
    first = organizations_for_user(request.user).order_by("name").first()
    if first is None:
        return render(request, "web/no_organization.html")
    return redirect("org-home", org_slug=first.slug)


@org_page()
def org_home(request, membership):
    org = membership.organization
    context = {"org": org, "membership": membership, "role": membership.role}
    if membership.role == Role.OWNER:
        context |= _owner_context(org)
    elif membership.role == Role.OPERATOR:
        context |= _operator_context(org)
    elif membership.role == Role.STAFF:
        context |= _staff_context(org, request.user)
    context["realtime_channels"] = member_channels(membership, context.get("me"))
    return render(request, f"web/home_{membership.role}.html", context)


def _owner_context(org):
    roles = Counter(m.role for m in memberships_list(org).filter(is_active=True))
    staff = list(staff_list(org))
    departments = Counter(s.department.name if s.department else "No department" for s in staff)
    return {
        "role_counts": [(ROLE_PLURALS[value], roles.get(value, 0)) for value in Role.values],
        "staff_count": len(staff),
        "department_counts": sorted(departments.items()),
    }


def _operator_context(org):
    return {"departments": departments_list(org), "staff": staff_list(org)}


def _staff_context(org, user):
    me = staff_for_user(org, user)
    colleagues = []
    if me is not None and me.department_id:
        colleagues = staff_list(org, department=me.department.slug).exclude(pk=me.pk)
    return {"me": me, "colleagues": colleagues}


@org_page("member.view")
def staff_table(request, membership):
    """The operator's staff table, filtered by department (an htmx partial)."""
    department = request.GET.get("department") or None
    staff = staff_list(membership.organization, department=department)
    return render(request, "web/_staff_table.html", {"staff": staff})
