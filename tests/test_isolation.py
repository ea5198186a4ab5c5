"""Tenant isolation, proven for every organisation-scoped route in the URL configuration.

The routes are discovered by walking the resolver, so a new endpoint is covered the day it
is added. A member of another organisation must get exactly what a request for an
organisation that does not exist gets (404, same body); an anonymous caller gets 401/403
from the API and a redirect to the login page from web pages.
"""

from datetime import date, time

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from switchboard.accounts.models import Membership
from switchboard.bookings.models import Booking
from switchboard.slots.models import AvailabilityException, ProviderAvailability
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.bookings.factories import book
from tests.catalog.factories import ResourceFactory, ServiceFactory
from tests.dispatch.factories import an_offer
from tests.staff.attendance_actions import a_shift, closed_log
from tests.staff.factories import DepartmentFactory, StaffMemberFactory
from tests.staff.kiosk_actions import a_kiosk
from tests.support.shared import fresh, shared_rows
from tests.webhooks.permission_actions import a_delivery, an_alert

METHODS = ["get", "post", "put", "patch", "delete"]

# API routes that are deliberately not under an organisation.
UNSCOPED_API_ROUTES = {
    "api-token",
    "organization-list",
    # The signed-in person's own invitations, and the one-time token's answers
    # (tests/accounts/test_invitations.py).
    "invitation-list",
    "invitation-accept",
    "invitation-decline",
    "schema",
    "swagger-ui",
    "realtime-auth",
    "realtime-user-auth",
    "realtime-events",
}

# Kiosk pages: a device's token authenticates them, not a login; without one they answer
# 404, as for an organisation that does not exist (tests/web/test_kiosk.py).
DEVICE_PAGES = {"org-kiosk", "org-kiosk-pair"}
# The public booking page is open to anyone only once its owner switches it on; until then
# an anonymous visitor gets the same 404 as for an organisation that does not exist.
DEVICE_PAGES |= {"org-book", "org-book-times"}

# Org-scoped API routes a customer may reach; every other one is internal (403).
CUSTOMER_VISIBLE = {
    "organization-detail",
    # A customer lists, reads and cancels their own bookings only, in a reduced shape
    # (tests/bookings/test_api.py proves they see no one else's and no internal fields).
    "booking-list",
    "booking-detail",
    # Customers see the slots they may book: times, seats, the provider's name.
    "slot-list",
}


# Web pages whose `pk` names a booking (the front desk's booking pages).
PAGE_MODELS = {
    name: Booking
    for name in (
        "org-booking",
        "org-booking-move",
        "org-booking-notes",
        "org-booking-reschedule",
        "org-booking-assign",
        "org-booking-driver",
        "org-booking-addon",
    )
}


def _walk(patterns, prefix="", namespace="", kwargs=frozenset()):
    for pattern in patterns:
        names = kwargs | set(pattern.pattern.regex.groupindex)
        route = prefix + str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, ns, names)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", frozenset(names), route, pattern


def routes():
    """(name, kwargs) -> (route, pattern) for every named route."""
    seen = {}
    for name, kwargs, route, pattern in _walk(get_resolver().url_patterns):
        seen.setdefault((name, kwargs), (route, pattern))
    return seen


def org_routes():
    return sorted(
        (name, kwargs, pattern)
        for (name, kwargs), (_, pattern) in routes().items()
        if "org_slug" in kwargs
    )


def _model_of(pattern):
    view = getattr(pattern.callback, "cls", None)
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def _object_in(model, org):
    if model is Membership:
        return Membership.objects.filter(organization=org).first()
    return model.objects.filter(organization=org).first()


def build_url(name, kwargs, pattern, org, slug=None):
    values = {"org_slug": slug or org.slug}
    if "token" in kwargs:
        values["token"] = "not-a-token"  # a kiosk's one-time link, with no real token
    for kwarg in kwargs - {"org_slug", "token"}:
        model = _model_of(pattern) or PAGE_MODELS.get(name)
        assert kwarg == "pk" and model is not None, (
            f"The isolation test cannot fill '{kwarg}' for route '{name}': teach build_url."
        )
        obj = _object_in(model, org)
        assert obj is not None, f"Create a {model.__name__} for the isolation fixture."
        values[kwarg] = obj.pk
    return reverse(name, kwargs=values)


def a_window(org):
    """A weekly window and a holiday (slots: availability and its exceptions)."""
    staff = StaffMemberFactory(organization=org)
    ProviderAvailability.objects.create(
        organization=org, staff=staff, weekday=0, start_time=time(9), end_time=time(17)
    )
    AvailabilityException.objects.create(organization=org, date=date(2026, 12, 25))


def _populate():
    org = OrganizationFactory(slug="acme", name="Acme")
    other = OrganizationFactory(slug="globex", name="Globex")
    owner = MembershipFactory(organization=org, role="owner").user
    customer = MembershipFactory(organization=org, role="customer").user
    outsider = MembershipFactory(organization=other, role="owner").user
    department = DepartmentFactory(organization=org)
    StaffMemberFactory(organization=org, department=department)
    book(
        org,
        ServiceFactory(organization=org),
        owner,
        customer=customer,
        resource=ResourceFactory(organization=org),
    )
    closed_log(org), a_shift(org), a_kiosk(org), a_delivery(org), an_alert(org)
    an_offer(org, owner), a_window(org)
    return {"org": org, "customer": customer, "outsider": outsider}


@pytest.fixture(scope="module")
def populated(django_db_setup, django_db_blocker):
    """One populated organisation and an outsider for the whole walk: every request here
    is refused, and each test's transaction is rolled back anyway (tests/support/shared.py)."""
    yield from shared_rows(django_db_blocker, _populate)


@pytest.fixture
def populated_org(populated, db):
    return fresh(populated["org"])


@pytest.fixture
def customer(populated, db):
    return fresh(populated["customer"])


@pytest.fixture
def outsider(populated, db):
    return fresh(populated["outsider"])


ORG_ROUTES = org_routes()
IDS = [name for name, _, _ in ORG_ROUTES]


def test_every_api_route_is_scoped_or_listed_as_unscoped():
    unscoped_api = {
        name
        for (name, kwargs), (route, _) in routes().items()
        if route.startswith("api/") and "org_slug" not in kwargs
    }
    assert unscoped_api == UNSCOPED_API_ROUTES


def test_the_walk_finds_the_org_scoped_routes():
    names = {name for name, _, _ in ORG_ROUTES}
    assert {"organization-detail", "staff-list", "staff-detail", "member-list", "org-home"} <= names


@pytest.mark.parametrize(("name", "kwargs", "pattern"), ORG_ROUTES, ids=IDS)
def test_member_of_another_org_sees_nothing(api, populated_org, outsider, name, kwargs, pattern):
    url = build_url(name, kwargs, pattern, populated_org)
    missing = build_url(name, kwargs, pattern, populated_org, slug="no-such-org")
    client = api.as_user(outsider)
    for method in METHODS:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
        control = getattr(client, method)(missing, {}, format="json")
        assert response.content == control.content, f"{method.upper()} {url} leaks existence"


@pytest.mark.parametrize(("name", "kwargs", "pattern"), ORG_ROUTES, ids=IDS)
def test_anonymous_is_refused(api, populated_org, name, kwargs, pattern):
    url = build_url(name, kwargs, pattern, populated_org)
    for method in METHODS:
        response = getattr(api, method)(url, {}, format="json")
        if url.startswith("/api/"):
            assert response.status_code in (401, 403), f"{method.upper()} {url}"
        elif name in DEVICE_PAGES:
            assert response.status_code == 404, f"{method.upper()} {url}"
        else:
            assert response.status_code == 302, f"{method.upper()} {url}"
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "kwargs", "pattern"), ORG_ROUTES, ids=IDS)
def test_customers_see_nothing_internal(api, populated_org, customer, name, kwargs, pattern):
    url = build_url(name, kwargs, pattern, populated_org)
    if name in CUSTOMER_VISIBLE or not url.startswith("/api/"):
        return
    client = api.as_user(customer)
    for method in METHODS:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403, f"{method.upper()} {url}: {response.status_code}"
