"""The OpenAPI schema tells the truth: schemathesis exercises every operation as the owner,
operator, staff member and customer of a seeded demo organisation, and every answer must be
a documented status with a body that matches the schema, never a server error."""

import itertools

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from switchboard.accounts.models import Membership, Organization
from switchboard.accounts.services import api_token_issue
from switchboard.bookings.models import Booking
from switchboard.catalog.models import Resource, Service
from switchboard.slots.models import AvailabilityException, ProviderAvailability
from switchboard.staff.models import Department, StaffMember
from switchboard.web.demo import seed_demo
from tests.accounts.factories import MembershipFactory

MAX_EXAMPLES = 5
ROLES = ("owner", "operator", "staff", "customer")
ORGS = ("sparkle-wash", "pixel-cafe", "royal-care", "hotel-killarney")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Which model a path's `{pk}` names, so that half the cases reach a real object.
PK_MODELS = {
    "/members/": Membership,
    "/departments/": Department,
    "/staff/": StaffMember,
    "/employees/": StaffMember,
    "/services/": Service,
    "/resources/": Resource,
    "/bookings/": Booking,
    "/sessions/": Booking,
    "/availability/exceptions/": AvailabilityException,
    "/availability/": ProviderAvailability,
}

# Generating the schema reads no database, so it can be loaded when the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# Valid and invalid requests, a bounded budget per operation: each answer must be
# documented and conform. (The coverage phase alone would take minutes.)
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
)


@pytest.fixture
def in_test_transaction():
    """Keep the test's connection open across requests, as Django's test client does: the
    WSGI handler would close it when each request finishes."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo organisations, a customer in each, and an API token per role: written once
    for the module (each operation's own writes roll back), flushed at the end."""
    with django_db_blocker.unblock():
        seed_demo()
        tokens = {}
        for org in Organization.objects.filter(slug__in=ORGS):
            MembershipFactory(organization=org, role="customer")
            for role in ROLES:
                member = Membership.objects.filter(organization=org, role=role).first()
                tokens[org.slug, role] = api_token_issue(user=member.user)[1]
        yield tokens
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(seeded, db, in_test_transaction):
    return seeded


def _real_pk(path: str, slug: str, turn: int):
    model = next((m for prefix, m in PK_MODELS.items() if prefix in path), None)
    if model is None or turn % 2:
        return None
    field = "organization__slug"
    return (
        model.objects.filter(**{field: slug})
        .order_by("pk")
        .values_list("pk", flat=True)[turn % 3 :]
        .first()
    )


turns = itertools.count()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_matches_the_schema(case, demo):
    turn = next(turns)
    slug = ORGS[turn % len(ORGS)]
    if "org_slug" in (case.path_parameters or {}):
        case.path_parameters["org_slug"] = slug
        if "id" in case.path_parameters:
            given = case.path_parameters["id"]
            valid = isinstance(given, int) and not isinstance(given, bool) and 0 < given < 2**63
            # An id that is not a number matches no route: Django's own 404 page, not the API.
            case.path_parameters["id"] = _real_pk(case.path, slug, turn) or (given if valid else 1)
    for role in ROLES:
        headers = {"Authorization": f"Token {demo[slug, role]}"}
        case.call_and_validate(headers=headers, checks=CHECKS)


def test_the_schema_documents_the_shared_error_answers(client, db):
    document = client.get("/api/schema/", {"format": "json"}).json()
    assert {"Error", "ValidationErrors", "Conflict"} <= set(document["components"]["schemas"])
    paths = document["paths"]
    transition = paths["/api/orgs/{org_slug}/bookings/{id}/transitions/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "413"} <= set(transition)
    assert {"400", "429"} <= set(paths["/api/auth/token/"]["post"]["responses"])
    history = paths["/api/orgs/{org_slug}/bookings/{id}/transitions/"]["get"]["responses"]
    assert history["200"]["content"]["application/json"]["schema"]["type"] == "array"
