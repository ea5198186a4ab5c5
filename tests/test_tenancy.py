"""Tenancy is structural: organisation-owned rows cannot be read outside a scope.

Test code itself runs with scopes disabled (`tests/conftest.py`); here `no_scope()` puts
application code back where a served request, a job or a command starts: with no scope.
"""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from switchboard.accounts.models import Organization
from switchboard.accounts.scoping import OrgScopedMixin
from switchboard.bookings.selectors import bookings_base, employees_with_workload
from switchboard.common.tenancy import (
    ScopeError,
    current_organization,
    no_scope,
    org_scope,
    org_scoped,
)
from switchboard.staff.models import StaffMember
from switchboard.staff.selectors import departments_list, staff_list
from switchboard.web.views import org_page
from tests.accounts.factories import UserFactory
from tests.staff.factories import DepartmentFactory, StaffMemberFactory

# Organisation-owned models that are deliberately unscoped (docs/decisions.md, "Tenancy:
# django-scopes"): how a request finds its organisation, and what the relay reads across
# organisations, and alerts, most of which belong to the installation.
UNSCOPED = {
    "accounts.Membership",
    "accounts.MembershipInvitation",
    "realtime.OutboxEvent",
    "alerts.Alert",
}


def _organisation_owned():
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "organization"), None)
        if field is not None and field.related_model is Organization:
            yield model._meta.label


@pytest.mark.parametrize("label", sorted(set(_organisation_owned()) - UNSCOPED))
def test_every_organisation_owned_model_refuses_a_query_outside_a_scope(db, label):
    model = apps.get_model(label)
    with no_scope(), pytest.raises(ScopeError):
        model.objects.count()
    with no_scope(), pytest.raises(ScopeError):
        list(model.objects.all())


def test_the_unscoped_list_names_real_organisation_owned_models():
    assert set(_organisation_owned()) >= UNSCOPED


@pytest.mark.parametrize(
    "selector", [staff_list, departments_list, employees_with_workload, bookings_base]
)
def test_a_selector_called_outside_any_scope_raises(org, selector):
    StaffMemberFactory(organization=org)
    with no_scope(), pytest.raises(ScopeError):
        list(selector(org))


def test_inside_a_scope_another_organisations_rows_do_not_exist(org, other_org):
    ours, theirs = StaffMemberFactory(organization=org), StaffMemberFactory(organization=other_org)
    with no_scope(), org_scope(org):
        assert list(StaffMember.objects.values_list("pk", flat=True)) == [ours.pk]
        assert not StaffMember.objects.filter(pk=theirs.pk).exists()
        # Even a selector asked for the other organisation finds nothing of it.
        assert list(staff_list(other_org)) == []


def test_a_service_takes_its_scope_from_its_first_argument_only(org, other_org):
    theirs = DepartmentFactory(organization=other_org)

    @org_scoped
    def service(*, organization, department):
        return current_organization(), department.organization_id

    with no_scope():
        assert service(organization=org, department=theirs) == (org, other_org.pk)
        assert service(department=theirs, organization=org)[0] == org
        with pytest.raises(TypeError):
            service(organization=None, department=theirs)


class Probe(OrgScopedMixin, APIView):
    """Reports the scope it runs in; `?fail=1` fails inside it with an unhandled error."""

    read_action = "staff.view"
    seen = []

    def get(self, request, org_slug):
        Probe.seen.append(current_organization())
        if request.query_params.get("fail"):
            StaffMember.objects.get(pk=0)
        return Response({"staff": StaffMember.objects.count()})


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [("member", "", 200), ("member", "?fail=1", 500), ("outsider", "", 404), ("customer", "", 403)],
)
def test_an_api_view_runs_in_its_organisation_and_leaves_the_scope_on_every_path(
    org, owner, outsider, customer, who, query, status
):
    StaffMemberFactory(organization=org)
    user = {"member": owner, "outsider": outsider, "customer": customer}[who]
    request = APIRequestFactory().get(f"/api/orgs/{org.slug}/probe{query}")
    force_authenticate(request, user=user)
    Probe.seen = []
    with no_scope():
        try:
            response = Probe.as_view()(request, org_slug=org.slug)
        except StaffMember.DoesNotExist:
            response = None  # DRF re-raises what it does not know: the handler makes it 500
        assert current_organization() is None
    assert (response.status_code if response else 500) == status
    if status != 200:
        return
    assert Probe.seen == [org] and response.data == {"staff": 1}


def test_a_web_page_runs_in_its_organisation_and_leaves_the_scope(org, owner):
    @org_page()
    def page(request, membership):
        return HttpResponse(str(current_organization().pk))

    request = RequestFactory().get("/o/acme/")
    request.user = owner
    with no_scope():
        assert page(request, org_slug=org.slug).content == str(org.pk).encode()
        assert current_organization() is None


def test_the_admin_reads_across_organisations(org, other_org):
    ours, theirs = StaffMemberFactory(organization=org), StaffMemberFactory(organization=other_org)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:staff_staffmember_changelist"))
    assert listing.status_code == 200
    assert ours.full_name in listing.text and theirs.full_name in listing.text
    form = client.get(reverse("admin:staff_staffmember_change", args=[theirs.pk]))
    assert form.status_code == 200
    assert client.get(reverse("admin:catalog_service_add")).status_code == 200


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("sync_employee_workload", {}),
        ("sync_sessions", {}),
        ("sync_sessions", {"organization": "acme"}),
    ],
)
def test_commands_enter_a_scope_themselves(org, command, options):
    StaffMemberFactory(organization=org)
    with no_scope():
        call_command(command, stdout=io.StringIO(), **options)
