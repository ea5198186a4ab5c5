"""The kiosk pages: the one-time link sets the device cookie, the kiosk punches with a PIN,
errors show next to what failed with their status, and a revoked device is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.kiosk import services
from switchboard.staff.kiosk.models import KioskDevice
from switchboard.web.kiosk import COOKIE
from tests.staff.kiosk.conftest import PIN, kiosk, person  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def device_client(org, kiosk):  # noqa: F811
    client = Client()
    response = client.get(reverse("org-kiosk-pair", args=[org.slug, kiosk[1]]))
    assert response.status_code == 302 and response.cookies[COOKIE].value == kiosk[1]
    return client


def kiosk_url(org):
    return reverse("org-kiosk", args=[org.slug])


def test_the_link_works_once(org, kiosk, device_client):  # noqa: F811
    again = Client().get(reverse("org-kiosk-pair", args=[org.slug, kiosk[1]]))
    assert again.status_code == 409 and b"used already" in again.content
    assert device_client.get(kiosk_url(org)).status_code == 200


def test_a_device_without_the_cookie_or_revoked_is_refused(org, kiosk, device_client):  # noqa: F811
    assert Client().get(kiosk_url(org)).status_code == 404
    services.kiosk_revoke(device=kiosk[0], acting_user=None)
    assert device_client.get(kiosk_url(org)).status_code == 404


def test_a_badge_then_the_pin_clocks_in(org, kiosk, person, device_client):  # noqa: F811
    page = device_client.post(kiosk_url(org), {"badge": "B-100"})
    assert page.status_code == 200 and b'value="kiosk_badge"' in page.content
    assert b'data-testid="punch-clock_in"' in page.content
    body = {"staff": person.pk, "pin": PIN, "action": "clock_in", "source": "kiosk_badge"}
    done = device_client.post(kiosk_url(org), body)
    assert done.status_code == 200 and b"Clocked in" in done.content
    log = ClockLog.objects.get(staff=person)
    assert (log.source, log.device_id) == ("kiosk_badge", kiosk[0].pk)
    assert KioskDevice.objects.get(pk=kiosk[0].pk).last_seen_at is not None


def test_an_unknown_badge_is_404_next_to_the_field(org, device_client):
    page = device_client.post(kiosk_url(org), {"badge": "nope"})
    assert page.status_code == 404 and b"Badge not recognised." in page.content


def test_a_wrong_pin_is_400_next_to_the_pin_and_changes_nothing(
    org,
    person,  # noqa: F811
    device_client,
):
    body = {"staff": person.pk, "pin": "0000", "action": "clock_in", "source": "kiosk_pin"}
    page = device_client.post(kiosk_url(org), body)
    assert page.status_code == 400 and b"Wrong PIN. 4 tries left." in page.content
    assert not ClockLog.objects.exists()


def test_a_locked_person_gets_429_with_a_clear_message(org, person, device_client):  # noqa: F811
    body = {"staff": person.pk, "pin": "0000", "action": "clock_in", "source": "kiosk_pin"}
    for _ in range(services.PERSON_LIMIT):
        device_client.post(kiosk_url(org), body)
    page = device_client.post(kiosk_url(org), body | {"pin": PIN})
    assert page.status_code == 429 and b"try again in 15 minutes" in page.content


def test_a_punch_that_does_not_fit_is_409(org, person, device_client):  # noqa: F811
    body = {"staff": person.pk, "pin": PIN, "action": "clock_out", "source": "kiosk_pin"}
    page = device_client.post(kiosk_url(org), body)
    assert page.status_code == 409 and b"Not clocked in." in page.content


def test_bad_ids_are_404_never_500(org, device_client, other_org):
    assert device_client.post(kiosk_url(org), {"staff": "x"}).status_code == 404
    assert device_client.post(kiosk_url(org), {"staff": "9999", "pin": "1"}).status_code == 404


def test_the_owner_registers_a_kiosk_on_the_kiosks_page(client, org, owner, operator):
    client.force_login(owner)
    page = client.post(reverse("org-kiosks", args=[org.slug]), {"name": "Lobby"})
    assert page.status_code == 200 and b"/kiosk/pair/" in page.content
    device = KioskDevice.objects.get()
    client.post(reverse("org-kiosk-revoke", args=[org.slug]), {"kiosk": device.pk})
    device.refresh_from_db()
    assert not device.is_active
    assert client.post(reverse("org-kiosks", args=[org.slug]), {"name": ""}).status_code == 400
    client.force_login(operator)
    assert client.get(reverse("org-kiosks", args=[org.slug])).status_code == 403
