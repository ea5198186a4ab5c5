"""The booking page `/o/{slug}/book/`: pick a service, a day and a free time (in the
organisation's zone), give a name and phone (or book as the logged-in customer), book.

Members always see it. Anyone else sees it only when an owner has switched the public
page on (`SlotAutomationSettings.public_booking`); otherwise it is a 404, as if the
organisation did not exist. Anonymous attempts are rate-limited per address
(`booking_limit`). The booking goes through `bookings.services.booking_create` with the
slot, which locks it and refuses a full one (409). `static/web/slots-book.js` hides a time
the moment a `slot-updated` event says it is taken: members hear it on the organisation's
channel, everyone on the public channel `public-org-{slug}` when the page is public.
The page shows free times only: never who booked, never another customer's data.
"""

import logging
from datetime import date, timedelta

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse

from switchboard.accounts.models import Organization
from switchboard.accounts.permissions import CUSTOMER
from switchboard.accounts.selectors import membership_for
from switchboard.bookings.services.booking import booking_create
from switchboard.catalog.selectors import services_list
from switchboard.common.clock import now
from switchboard.common.errors import DomainError, Forbidden, InvalidInput, NotFound
from switchboard.common.tenancy import org_scope
from switchboard.slots.models import BookingSlot
from switchboard.slots.policy import policy_of
from switchboard.slots.selectors import free_slots, slot_get
from switchboard.staff.channels import member_channels
from switchboard.staff.models import StaffMember
from switchboard.web.booking_limit import retry_after
from switchboard.web.slots_live import live_config

logger = logging.getLogger(__name__)

DAYS_SHOWN = 14
NAME_MAX = 200
PHONE_MAX = 40


class Visit:
    """Who is looking at an organisation's booking page: a member, or the public."""

    def __init__(self, request, org_slug: str):
        try:
            self.membership = membership_for(request.user, org_slug)
        except NotFound:
            self.membership = None
        self.org = (
            self.membership.organization
            if self.membership
            else Organization.objects.filter(slug=org_slug, is_active=True).first()
        )
        if self.org is None:
            raise Http404
        with org_scope(self.org):
            self.public = policy_of(self.org).public_booking
        if self.membership is None and not self.public:
            raise Http404
        self.user = request.user if self.membership else None

    @property
    def as_customer(self) -> bool:
        """A logged-in customer books for themself: no name or phone to give."""
        return self.membership is not None and self.membership.role == CUSTOMER


def _day(text, today: date) -> date:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return today
    return day if today <= day <= today + timedelta(days=DAYS_SHOWN - 1) else today


def _choice(request, org):
    """The services on offer, the chosen one (first by default) and the chosen day."""
    services = list(services_list(org).order_by("name", "pk"))
    wanted = request.GET.get("service") or request.POST.get("service") or ""
    chosen = next((s for s in services if str(s.pk) == wanted), services[0] if services else None)
    today = now().astimezone(org.tzinfo).date()
    day = _day(request.GET.get("day") or request.POST.get("day"), today)
    return services, chosen, today, day


def _provider_labels(ids) -> dict[int, str]:
    """What the page calls a provider: their display name, else their first name; never a
    login name or a surname the business did not choose to show."""
    rows = StaffMember.objects.filter(pk__in=set(ids)).values_list(
        "pk", "display_name", "user__first_name"
    )
    return {pk: display or first for pk, display, first in rows}


def _times(org, service, day) -> list[dict]:
    if service is None:
        return []
    zone = org.tzinfo
    rows = free_slots(org, service=service, day=day)
    labels = _provider_labels(row.provider_id for row in rows)
    return [
        {
            "id": row.id,
            "at": row.starts_at.astimezone(zone).strftime("%H:%M"),
            "provider": labels.get(row.provider_id, ""),
            "remaining": row.remaining,
        }
        for row in rows
    ]


def _context(request, visit: Visit, **extra) -> dict:
    org = visit.org
    services, service, today, day = _choice(request, org)
    slug = {"org_slug": org.slug}
    context = {
        "org": org,
        "membership": visit.membership,
        "role": visit.membership.role if visit.membership else None,
        "visit": visit,
        "services": services,
        "service": service,
        "day": day,
        "days": [today + timedelta(days=n) for n in range(DAYS_SHOWN)],
        "times": _times(org, service, day),
        "errors": {},
        "values": {},
        "urls": {
            "page": reverse("org-book", kwargs=slug),
            "times": reverse("org-book-times", kwargs=slug),
        },
    }
    return context | extra


def _live(request, visit: Visit) -> dict:
    channels = member_channels(visit.membership) if visit.membership else []
    return {
        "realtime_channels": channels,
        "book_live": live_config(request, visit.org, public=visit.public),
    }


def book_page(request, org_slug):
    # The organisation is resolved before the method is checked: a 405 would tell anyone
    # that an organisation exists behind a page that is not open to them.
    visit = Visit(request, org_slug)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    with org_scope(visit.org):
        if request.method == "POST":
            return _book(request, visit)
        context = _context(request, visit) | _live(request, visit)
        return render(request, "web/book.html", context)


def book_times(request, org_slug):
    """The free times of the chosen service and day alone (reloaded live)."""
    visit = Visit(request, org_slug)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    with org_scope(visit.org):
        return render(request, "web/_book_times.html", _context(request, visit))


def _form_errors(visit: Visit, post) -> tuple[dict, dict]:
    values = {
        "customer_name": post.get("customer_name", "").strip(),
        "customer_phone": post.get("customer_phone", "").strip(),
    }
    slot = post.get("slot", "")
    values["slot"] = int(slot) if slot.isdigit() and len(slot) <= 12 else None
    errors = {}
    if values["slot"] is None:
        errors["slot"] = "Pick a time."
    if not visit.as_customer:
        if not values["customer_name"]:
            errors["customer_name"] = "Give your name."
        elif len(values["customer_name"]) > NAME_MAX:
            errors["customer_name"] = f"At most {NAME_MAX} characters."
        phone = values["customer_phone"]
        digits = sum(ch.isdigit() for ch in phone)
        if digits < 6 or len(phone) > PHONE_MAX or not set(phone) <= set("0123456789+-() ."):
            errors["customer_phone"] = "Give a phone number (digits, spaces, + - ( ) only)."
    return values, errors


SHOWN_FIELDS = ("slot", "customer_name", "customer_phone")


def _placed(errors: dict) -> dict:
    """Errors next to the field they are about; any other (service, times) above the button."""
    placed = {key: value for key, value in errors.items() if key in SHOWN_FIELDS}
    rest = [value for key, value in errors.items() if key not in SHOWN_FIELDS]
    if rest:
        placed["other"] = " ".join(rest)
    return placed


def _create(visit: Visit, slot: BookingSlot, values: dict):
    customer = visit.user if visit.as_customer else None
    return booking_create(
        organization=visit.org,
        slot=slot,
        service=slot.service,
        starts_at=slot.starts_at,
        customer=customer,
        customer_name="" if customer else values["customer_name"],
        customer_phone="" if customer else values["customer_phone"],
        acting_user=visit.user,
    )


def _book(request, visit: Visit):
    if visit.membership is None:
        wait = retry_after(visit.org, request)
        if wait is not None:
            template = (
                "web/_book_limited.html"
                if request.headers.get("HX-Request")
                else "web/book_limited.html"
            )
            context = _context(request, visit, wait=wait)
            response = render(request, template, context, status=429)
            response["Retry-After"] = str(wait)
            return response
    values, errors = _form_errors(visit, request.POST)
    status = 400
    if not errors:
        slot = slot_get(visit.org, values["slot"])
        if slot is None:
            errors["slot"] = "That time is not on offer any more: pick another."
        else:
            try:
                booking = _create(visit, slot, values)
            except InvalidInput as exc:
                errors = {field: " ".join(map(str, msgs)) for field, msgs in exc.fields.items()}
            except Forbidden as exc:
                errors, status = {"slot": exc.message}, 403
            except DomainError as exc:  # full, started, too soon: pick another time
                errors, status = {"slot": exc.message}, exc.status_code
            else:
                logger.info(
                    "slot_booked_from_page org=%s slot=%s booking=%s public=%s",
                    visit.org.slug,
                    slot.pk,
                    booking.pk,
                    visit.membership is None,
                )
                local = slot.starts_at.astimezone(visit.org.tzinfo)
                when = f"{local:%A} {local.day} {local:%B %Y, %H:%M}"
                done = {"booking": booking, "service": slot.service, "when": when}
                return render(request, "web/_book_form.html", _context(request, visit, done=done))
    errors = _placed(errors)
    context = _context(request, visit, errors=errors, values=values)
    return render(request, "web/_book_form.html", context, status=status)
