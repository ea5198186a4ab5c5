"""`/o/{slug}/bookings/new`: the booking form. It calls `booking_create`, the service the
API calls; a refusal is shown next to the field it concerns and nothing is made."""

import logging
from datetime import timedelta

from django.http import Http404
from django.shortcuts import redirect, render

from switchboard.accounts.selectors import memberships_list
from switchboard.bookings import services
from switchboard.bookings.selectors import employee_get
from switchboard.catalog.selectors import resource_get, service_get
from switchboard.common.clock import now
from switchboard.common.errors import DomainError, NotFound
from switchboard.staff.channels import member_channels
from switchboard.staff.selectors import staff_for_user
from switchboard.web.bookings_forms import AUTO, NOBODY, BookingForm, put_error
from switchboard.web.views import org_page

logger = logging.getLogger(__name__)


def _initial(org):
    at = now().astimezone(org.tzinfo) + timedelta(minutes=15)
    at = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
    return {"date": at.date(), "time": at.time(), "assignee": AUTO}


def _staff(org, value):
    if value in (AUTO, NOBODY):
        return None
    return employee_get(org, int(value))


def _create(org, form, user):
    data = form.cleaned_data
    customer = None
    if data["customer"]:
        membership = memberships_list(org).filter(user_id=data["customer"], is_active=True)
        customer = membership.first().user if membership.exists() else None
    return services.booking_create(
        organization=org,
        service=service_get(org, data["service"]),
        starts_at=form.starts_at(),
        customer=customer,
        customer_name=data["customer_name"].strip() if not customer else "",
        customer_phone=data["customer_phone"].strip(),
        resource=resource_get(org, data["resource"]) if data["resource"] else None,
        assignee=_staff(org, data["assignee"]),
        auto_assign=data["assignee"] == AUTO,
        notes=data["notes"],
        acting_user=user,
    )


@org_page("bookings.create", methods=("GET", "HEAD", "POST"))
def booking_new(request, membership):
    org = membership.organization
    status = 200
    if request.method == "POST":
        form = BookingForm(org, request.POST)
        status = 400
        if form.is_valid():
            try:
                booking = _create(org, form, request.user)
            except NotFound as exc:
                form.add_error(None, exc.message)
            except DomainError as exc:
                put_error(form, exc)
                status = exc.status_code
                logger.info("booking_form_refused org=%s status=%s", org.slug, status)
            else:
                return redirect("org-booking", org_slug=org.slug, pk=booking.pk)
    else:
        form = BookingForm(org, initial=_initial(org))
    context = {
        "org": org,
        "membership": membership,
        "role": membership.role,
        "form": form,
        "realtime_channels": member_channels(membership, staff_for_user(org, request.user)),
    }
    return render(request, "web/booking_new.html", context, status=status)


@org_page("bookings.create")
def customer_options(request, membership):
    """The customer select's options narrowed to a search (members by name or username)."""
    text = request.GET.get("q", "")[:100]
    if len(request.GET.get("q", "")) > 100:
        raise Http404
    members = memberships_list(membership.organization, search=text).filter(is_active=True)[:50]
    return render(request, "web/_booking_customer_options.html", {"members": members})
