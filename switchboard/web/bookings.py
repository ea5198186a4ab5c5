"""`/o/{slug}/bookings/`: the front desk's bookings.

Owners and operators get a day view (a column per staff member or per resource, the day in
the organisation's zone) and a list view (filters, paging). Staff get the same day view
holding only their own work, customers the list of their own bookings. Every booking shows
its next moves as buttons (`bookings_moves`). `static/web/bookings.js` reloads the live
part (`_bookings_live.html`) whenever a booking event arrives on the page's channels.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import django_filters
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render

from switchboard.accounts.permissions import CUSTOMER, MANAGERS, acting_role
from switchboard.bookings.filters import BookingFilter
from switchboard.bookings.models import Booking
from switchboard.bookings.search import bookings_overlapping, bookings_search
from switchboard.bookings.selectors import bookings_visible, employees_with_workload
from switchboard.catalog.selectors import resources_list, services_list
from switchboard.common.clock import now
from switchboard.common.filters import IdFilter, text_filter
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import staff_for_user
from switchboard.web.bookings_moves import next_moves
from switchboard.web.views import org_page

PAGE_SIZE = 25


class PageFilter(BookingFilter):
    """The API's booking filters, plus what the front desk searches by. Dates here are the
    organisation's own days (the API's are UTC days)."""

    resource = IdFilter(help_text="a resource id")
    q = text_filter("customer name or phone", max_length=100)
    date = django_filters.DateFilter(help_text="the day shown in the day view")


@dataclass
class Column:
    key: str
    title: str
    subtitle: str = ""
    bookings: list = field(default_factory=list)


def day_bounds(org, day):
    start = datetime.combine(day, time(0), tzinfo=org.tzinfo)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=org.tzinfo)


def _rows(bookings, role):
    return [{"b": b, "moves": next_moves(b, role)} for b in bookings]


def staff_columns(org, bookings, role, me):
    people = [me] if role not in MANAGERS else list(employees_with_workload(org))
    columns = {
        p.pk: Column(
            str(p.pk),
            p.full_name,
            f"{p.current_assignments} of {p.capacity} busy"
            if hasattr(p, "current_assignments")
            else "",
        )
        for p in people
        if p is not None
    }
    unassigned = Column("none", "Unassigned")
    for row in bookings:
        b = row["b"]
        placed = False
        for pk in (b.assignee_id, b.driver_id):
            if pk in columns:
                columns[pk].bookings.append(row)
                placed = True
        if placed:
            continue
        if b.assignee_id is None:
            unassigned.bookings.append(row)
        else:
            # Someone no longer active still holds it: give them a column of their own.
            extra = Column(str(b.assignee_id), b.assignee.full_name, "not active")
            columns[b.assignee_id] = extra
            extra.bookings.append(row)
    ordered = list(columns.values())
    return [unassigned, *ordered] if role in MANAGERS else ordered


def resource_columns(org, bookings):
    columns = {r.pk: Column(str(r.pk), r.name, r.kind) for r in resources_list(org)}
    loose = Column("none", "No resource")
    for row in bookings:
        b = row["b"]
        if b.resource_id is None:
            loose.bookings.append(row)
            continue
        if b.resource_id not in columns:  # a resource taken out of use still holds it
            columns[b.resource_id] = Column(str(b.resource_id), b.resource.name, "not in use")
        columns[b.resource_id].bookings.append(row)
    return [loose, *columns.values()]


def _query_without(params: QueryDict, *names) -> str:
    copy = params.copy()
    for name in names:
        copy.pop(name, None)
    return copy.urlencode()


@org_page("bookings.list")
def bookings_page(request, membership):
    org = membership.organization
    role = acting_role(org, request.user)
    form = PageFilter(data=request.GET, queryset=Booking.objects.none()).form
    valid = form.is_valid()
    filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    today = now().astimezone(org.tzinfo).date()
    mode = request.GET.get("view") or ("list" if role == CUSTOMER else "day")
    if mode not in ("day", "list") or role == CUSTOMER:
        mode = "list"
    by = "resource" if request.GET.get("by") == "resource" else "staff"
    me = staff_for_user(org, request.user)
    context = {
        "org": org,
        "membership": membership,
        "role": role,
        "form": form,
        "mode": mode,
        "by": by,
        "today": today,
        "is_manager": role in MANAGERS,
        "services": services_list(org),
        "resources": resources_list(org),
        "staff": employees_with_workload(org) if role in MANAGERS else [],
        "query": request.GET.urlencode(),
        "query_no_page": _query_without(request.GET, "page", "partial"),
        "query_no_view": _query_without(request.GET, "view", "by", "page", "partial"),
        "realtime_channels": member_channels(membership, me),
    }
    if valid:
        page = request.GET.get("page")
        context |= _content(org, request.user, role, me, mode, by, filters, page)
    template = "web/_bookings_live.html" if request.GET.get("partial") else "web/bookings.html"
    return render(request, template, context, status=200 if valid else 400)


def _content(org, user, role, me, mode, by, filters, page_number):
    local = {k: filters.pop(k, None) for k in ("resource", "q", "date", "date_from", "date_to")}
    qs = bookings_visible(org, user, **filters)
    qs = bookings_search(qs, resource=local["resource"], text=local["q"] or "")
    if mode == "day":
        day = local["date"] or now().astimezone(org.tzinfo).date()
        start, end = day_bounds(org, day)
        rows = _rows(bookings_overlapping(qs, start, end).order_by("starts_at", "pk"), role)
        columns = (
            resource_columns(org, rows) if by == "resource" else staff_columns(org, rows, role, me)
        )
        return {
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "columns": columns,
            "count": len(rows),
        }
    starts_from = day_bounds(org, local["date_from"])[0] if local["date_from"] else None
    starts_before = day_bounds(org, local["date_to"])[1] if local["date_to"] else None
    qs = bookings_search(qs, starts_from=starts_from, starts_before=starts_before)
    order = ("-starts_at", "-pk") if role == CUSTOMER else ("starts_at", "pk")
    page = Paginator(qs.order_by(*order), PAGE_SIZE).get_page(page_number)
    return {"page": page, "rows": _rows(page.object_list, role), "count": page.paginator.count}
