"""Kiosk devices and punches through the services: the token is kept only as a hash, a
revoked device is refused, wrong PINs are limited per person and per device, badges find
only their own organisation's staff."""

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.common import clock
from switchboard.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from switchboard.staff.attendance.models import ClockLog
from switchboard.staff.kiosk import services
from switchboard.staff.kiosk.models import KioskDevice, KioskPinFailure
from switchboard.staff.services import staff_set_pin
from tests.staff.factories import StaffMemberFactory
from tests.staff.kiosk.conftest import PIN

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def punch(device, staff, pin=PIN, action="clock_in", source="kiosk_pin"):
    return services.kiosk_punch(device=device, staff=staff, pin=pin, action=action, source=source)


def test_the_token_is_stored_only_as_its_hash(org, owner):
    device, token = services.kiosk_register(organization=org, acting_user=owner, name="Door")
    stored = KioskDevice.objects.get(pk=device.pk)
    assert token not in stored.token_hash and len(token) >= 40
    assert stored.token_hash == services.token_hash(token)
    assert services.kiosk_device(org, token) == stored
    assert services.kiosk_device(org, token + "x") is None


def test_only_owners_register_and_a_bad_name_changes_nothing(org, operator, owner):
    with pytest.raises(Forbidden):
        services.kiosk_register(organization=org, acting_user=operator, name="Door")
    with pytest.raises(InvalidInput):
        services.kiosk_register(organization=org, acting_user=owner, name="  ")
    assert not KioskDevice.objects.exists()


def test_a_token_is_not_a_kiosk_of_another_organisation(org, other_org, kiosk):
    assert services.kiosk_device(other_org, kiosk[1]) is None


def test_a_revoked_device_is_refused(org, owner, kiosk):
    device, token = kiosk
    services.kiosk_revoke(device=device, acting_user=owner)
    assert services.kiosk_device(org, token) is None
    with pytest.raises(NotFound):
        services.kiosk_pair(organization=org, token=token)


def test_the_registration_link_works_once(org, kiosk):
    _device, token = kiosk
    assert services.kiosk_pair(organization=org, token=token).paired_at is not None
    with pytest.raises(Conflict):
        services.kiosk_pair(organization=org, token=token)


def test_a_kiosk_punch_records_the_source_and_the_device(kiosk, person):
    device, _ = kiosk
    assert punch(device, person, source="kiosk_badge")["status"] == "on_duty"
    log = ClockLog.objects.get(staff=person)
    assert (log.source, log.device_id, log.punched_by_id) == ("kiosk_badge", device.pk, None)
    assert punch(device, person, action="start_break")["status"] == "on_break"


def test_a_punch_that_does_not_fit_is_a_conflict_with_the_status(kiosk, person):
    with pytest.raises(Conflict) as caught:
        punch(kiosk[0], person, action="clock_out")
    assert caught.value.extra["current_status"]["status"] == "off_duty"


def test_a_wrong_pin_changes_nothing_but_the_count(kiosk, person):
    with pytest.raises(InvalidInput) as caught:
        punch(kiosk[0], person, pin="0000")
    assert "4 tries left" in caught.value.fields["pin"][0]
    assert not ClockLog.objects.exists()
    assert KioskPinFailure.objects.count() == 1


def test_five_wrong_pins_lock_the_person_on_the_device_for_the_window(org, kiosk, person):
    device = kiosk[0]
    other_device, _ = services.kiosk_register(organization=org, acting_user=None, name="Back")
    with clock.frozen_at(T0):
        for _ in range(services.PERSON_LIMIT - 1):
            with pytest.raises(InvalidInput):
                punch(device, person, pin="0000")
        with pytest.raises(services.TooManyAttempts):
            punch(device, person, pin="0000")
        # Locked even with the right PIN, on this device only.
        with pytest.raises(services.TooManyAttempts):
            punch(device, person)
        assert punch(other_device, person)["status"] == "on_duty"
        clock.advance(services.FAILURE_WINDOW + timedelta(seconds=1))
        assert punch(device, person, action="clock_out")["status"] == "off_duty"


def test_a_right_pin_clears_the_persons_failures(kiosk, person):
    for _ in range(services.PERSON_LIMIT - 1):
        with pytest.raises(InvalidInput):
            punch(kiosk[0], person, pin="0000")
    punch(kiosk[0], person)
    assert not KioskPinFailure.objects.filter(staff=person).exists()


def test_twenty_wrong_pins_lock_the_device_for_everyone(org, kiosk, person):
    device = kiosk[0]
    people = [StaffMemberFactory(organization=org) for _ in range(5)]
    for staff in people:
        staff_set_pin(staff=staff, pin="1357", acting_user=None)
    with clock.frozen_at(T0):
        for staff in people[:4]:
            for _ in range(services.PERSON_LIMIT):
                with pytest.raises((InvalidInput, services.TooManyAttempts)):
                    punch(device, staff, pin="0000")
        assert KioskPinFailure.objects.count() == services.DEVICE_LIMIT
        with pytest.raises(services.TooManyAttempts) as caught:
            punch(device, person)
        assert "kiosk" in caught.value.message
        assert not ClockLog.objects.exists()


def test_badge_lookup_finds_only_active_staff_of_the_device_organisation(
    org, other_org, kiosk, person
):
    device = kiosk[0]
    assert services.kiosk_find_staff(device, badge=" B-100 ") == person
    StaffMemberFactory(organization=other_org, badge_code="B-200")
    for badge in ("B-200", "", "nope"):
        with pytest.raises(NotFound):
            services.kiosk_find_staff(device, badge=badge)
    stranger = StaffMemberFactory(organization=other_org)
    with pytest.raises(NotFound):
        services.kiosk_find_staff(device, staff_id=stranger.pk)


def test_badge_codes_are_unique_per_organisation(org, other_org, owner, person):
    other = StaffMemberFactory(organization=org)
    with pytest.raises(Conflict):
        services.staff_set_badge(staff=other, acting_user=owner, badge_code="B-100")
    elsewhere = StaffMemberFactory(organization=other_org)
    services.staff_set_badge(staff=elsewhere, acting_user=None, badge_code="B-100")
    services.staff_set_badge(staff=other, acting_user=owner, badge_code="")
    other.refresh_from_db()
    assert other.badge_code == ""


def test_an_unknown_action_or_source_is_bad_input(kiosk, person):
    with pytest.raises(InvalidInput):
        punch(kiosk[0], person, action="teleport")
    with pytest.raises(InvalidInput):
        punch(kiosk[0], person, source="web")
    assert not ClockLog.objects.exists()


def test_someone_without_a_pin_is_told_so_and_nothing_is_counted(org, kiosk):
    staff = StaffMemberFactory(organization=org)
    with pytest.raises(InvalidInput) as caught:
        punch(kiosk[0], staff, pin="1234")
    assert "no kiosk PIN" in caught.value.fields["pin"][0]
    assert not KioskPinFailure.objects.exists() and not ClockLog.objects.exists()
