"""Kiosk devices through the API: owners register (the token once), list and revoke; bad
input and other organisations' rows are refused and change nothing."""

from django.urls import reverse

from switchboard.staff.kiosk import services
from switchboard.staff.kiosk.models import KioskDevice
from tests.staff.factories import StaffMemberFactory


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_an_owner_registers_a_kiosk_and_sees_its_token_once(api, org, owner):
    client = api.as_user(owner)
    response = client.post(url("kiosk-list", org), {"name": "Front door"}, format="json")
    assert response.status_code == 201
    token = response.data["token"]
    assert response.data["registration_url"].endswith(f"/o/{org.slug}/kiosk/pair/{token}/")
    device = KioskDevice.objects.get()
    assert device.token_hash == services.token_hash(token)
    listed = client.get(url("kiosk-list", org)).data
    assert [row["name"] for row in listed] == ["Front door"]
    assert "token" not in listed[0] and "token_hash" not in listed[0]


def test_a_bad_name_is_400_and_an_operator_403(api, org, owner, operator):
    response = api.as_user(owner).post(url("kiosk-list", org), {"name": ""}, format="json")
    assert response.status_code == 400 and "name" in response.data
    response = api.as_user(operator).post(url("kiosk-list", org), {"name": "X"}, format="json")
    assert response.status_code == 403
    assert not KioskDevice.objects.exists()


def test_revoke_and_another_organisations_kiosk_is_404(api, org, other_org, owner):
    device, token = services.kiosk_register(organization=org, acting_user=None, name="A")
    theirs, _ = services.kiosk_register(organization=other_org, acting_user=None, name="B")
    client = api.as_user(owner)
    response = client.post(url("kiosk-revoke", org, pk=theirs.pk))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    response = client.post(url("kiosk-revoke", org, pk=device.pk))
    assert response.status_code == 200 and response.data["is_active"] is False
    assert services.kiosk_device(org, token) is None


def test_badges_are_set_by_managers_and_unique(api, org, other_org, owner):
    first, second = StaffMemberFactory(organization=org), StaffMemberFactory(organization=org)
    stranger = StaffMemberFactory(organization=other_org)
    client = api.as_user(owner)
    body = {"staff": first.pk, "badge_code": "B-1"}
    assert client.post(url("kiosk-badge", org), body, format="json").status_code == 200
    body = {"staff": second.pk, "badge_code": "B-1"}
    assert client.post(url("kiosk-badge", org), body, format="json").status_code == 409
    body = {"staff": stranger.pk, "badge_code": "B-2"}
    assert client.post(url("kiosk-badge", org), body, format="json").status_code == 400
    second.refresh_from_db(), stranger.refresh_from_db()
    assert second.badge_code == stranger.badge_code == ""
