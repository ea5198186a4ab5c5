"""The kiosk: a shared screen where staff punch with their PIN, picked from the list or by
badge, and the owner's page that registers kiosks.

The kiosk is no person's login: the device is known by the token in its cookie, set when it
opens its one-time registration link. Views only translate the form; the kiosk services
check the PIN and its limits and punch through the attendance services.
"""

from functools import wraps

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from switchboard.accounts.models import Organization
from switchboard.common.clock import now
from switchboard.common.errors import DomainError, InvalidInput, NotFound
from switchboard.common.filters import parse_id
from switchboard.common.tenancy import org_scope
from switchboard.staff.attendance.selectors import current_status
from switchboard.staff.kiosk import services
from switchboard.staff.kiosk.api import registration_url
from switchboard.staff.kiosk.models import KioskDevice
from switchboard.staff.models import StaffMember
from switchboard.web.views import org_page

COOKIE = "switchboard_kiosk"
COOKIE_AGE = 5 * 365 * 24 * 3600
# What each duty status lets a person do at the kiosk, in the order of the buttons.
ACTIONS = {
    "off_duty": [("clock_in", "Clock in")],
    "on_duty": [("start_break", "Start break"), ("clock_out", "Clock out")],
    "on_break": [("end_break", "End break"), ("clock_out", "Clock out")],
}
DONE = {
    "clock_in": "Clocked in",
    "clock_out": "Clocked out",
    "start_break": "Break started",
    "end_break": "Break ended",
}


def _describe(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return " ".join(message for messages in exc.fields.values() for message in messages)
    return exc.message


def _unknown(request, status=404, error=""):
    # The same answer for an unknown organisation and a device that is not its kiosk, so
    # that neither reveals whether the organisation exists.
    return render(request, "web/kiosk_unknown.html", {"error": error}, status=status)


def kiosk_view(view):
    """Resolve the organisation and the device from its cookie (403 page without one)."""

    @wraps(view)
    def wrapper(request, org_slug):
        org = Organization.objects.filter(slug=org_slug).first()
        device = org and services.kiosk_device(org, request.COOKIES.get(COOKIE))
        if not device:
            return _unknown(request)
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        services.kiosk_seen(device)
        # Times on the kiosk are the organisation's wall-clock times.
        with org_scope(org), timezone.override(org.tzinfo):
            return view(request, org, device)

    return wrapper


def kiosk_pair(request, org_slug, token):
    """The one-time link: remember the token in this device's cookie, then open the kiosk."""
    org = Organization.objects.filter(slug=org_slug).first()
    if org is None or services.kiosk_device(org, token) is None:
        return _unknown(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        services.kiosk_pair(organization=org, token=token)
    except DomainError as exc:
        return _unknown(request, exc.status_code, exc.message)
    response = redirect("org-kiosk", org_slug=org.slug)
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_AGE,
        path=reverse("org-kiosk", args=[org.slug]),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _page(request, org, device, status=200, **context):
    people = StaffMember.objects.filter(is_active=True).select_related("user")
    base = {"org": org, "device": device, "people": people, "now": now()}
    return render(request, "web/kiosk.html", base | context, status=status)


def _panel(staff, source, **context):
    duty = current_status(staff)
    return {
        "person": staff,
        "duty": duty,
        "source": source,
        "actions": ACTIONS[duty["status"]],
    } | context


@kiosk_view
def kiosk_page(request, org, device):
    if request.method != "POST":
        return _page(request, org, device)
    if "pin" not in request.POST:
        return _identify(request, org, device)
    return _punch(request, org, device)


def _identify(request, org, device):
    badge = request.POST.get("badge")
    try:
        staff = services.kiosk_find_staff(
            device, staff_id=parse_id(request.POST.get("staff")), badge=badge
        )
    except NotFound:
        field = "badge_error" if badge is not None else "error"
        message = "Badge not recognised." if badge is not None else "No such staff member."
        return _page(request, org, device, status=404, **{field: message})
    source = "kiosk_badge" if badge is not None else "kiosk_pin"
    return _page(request, org, device, **_panel(staff, source))


def _punch(request, org, device):
    try:
        staff = services.kiosk_find_staff(device, staff_id=parse_id(request.POST.get("staff")))
    except NotFound:
        return _page(request, org, device, status=404, error="No such staff member.")
    action = request.POST.get("action", "")
    source = request.POST.get("source", "kiosk_pin")
    try:
        status = services.kiosk_punch(
            device=device, staff=staff, pin=request.POST["pin"], action=action, source=source
        )
    except DomainError as exc:
        panel = _panel(staff, source, pin_error=_describe(exc))
        return _page(request, org, device, status=exc.status_code, **panel)
    done = {"person": staff, "message": DONE[action], "status": status}
    return _page(request, org, device, done=done)


# The owner's page


@org_page("kiosk.manage", methods=("GET", "HEAD", "POST"))
def kiosks_page(request, membership):
    org = membership.organization
    context, status = {"org": org, "membership": membership, "role": membership.role}, 200
    if request.method == "POST":
        try:
            device, token = services.kiosk_register(
                organization=org, acting_user=request.user, name=request.POST.get("name", "")
            )
            context["created"] = {"device": device, "url": registration_url(request, device, token)}
        except DomainError as exc:
            context["name_error"], status = _describe(exc), exc.status_code
    context["devices"] = KioskDevice.objects.filter(organization=org)
    with timezone.override(org.tzinfo):
        return render(request, "web/kiosks.html", context, status=status)


@org_page("kiosk.manage", methods=("POST",))
def kiosk_revoke(request, membership):
    device = KioskDevice.objects.filter(pk=parse_id(request.POST.get("kiosk")) or 0).first()
    if device is None:
        raise Http404("No such kiosk.")
    services.kiosk_revoke(device=device, acting_user=request.user)
    return redirect("org-kiosks", org_slug=membership.organization.slug)
