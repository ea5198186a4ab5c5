import pytest
from django.test.client import ClientHandler
from rest_framework.test import APIClient

from switchboard.common.tenancy import cross_org, no_scope
from switchboard.realtime.models import OutboxEvent
from tests.accounts.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def test_code_reads_across_organisations(monkeypatch):
    """Test code may query any organisation's rows directly; the application may not.

    A request made with the test client starts with no scope, exactly as a served one
    does, so views and the services they call run under real tenancy; services enter
    their own organisation's scope whoever calls them.
    """
    call = ClientHandler.__call__

    def unscoped_request(self, *args, **kwargs):
        with no_scope():
            return call(self, *args, **kwargs)

    monkeypatch.setattr(ClientHandler, "__call__", unscoped_request)
    with cross_org():
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="acme", name="Acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(slug="globex", name="Globex")


def _member(org, role):
    return MembershipFactory(organization=org, role=role).user


@pytest.fixture
def owner(org):
    return _member(org, "owner")


@pytest.fixture
def operator(org):
    return _member(org, "operator")


@pytest.fixture
def staff_user(org):
    return _member(org, "staff")


@pytest.fixture
def customer(org):
    return _member(org, "customer")


@pytest.fixture
def outsider(other_org):
    """An owner of another organisation: must see nothing of `org`."""
    return _member(other_org, "owner")


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it with a session."""

    client = APIClient()

    def as_user(user):
        client.force_authenticate(user=None)
        client.force_login(user)
        return client

    client.as_user = as_user
    return client


class EventCapture:
    """The outbox rows written since the capture began: what a service emitted."""

    def __init__(self):
        self.since = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    @property
    def rows(self):
        return list(OutboxEvent.objects.filter(id__gt=self.since).order_by("id"))

    def named(self, event):
        return [row for row in self.rows if row.event == event]

    def channels(self, event):
        return sorted(row.channel for row in self.named(event))


@pytest.fixture
def capture_events(db):
    return EventCapture
