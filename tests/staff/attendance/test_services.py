"""Punches, breaks, double taps, refusals, corrections and forgotten clock-outs."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from switchboard.common import clock
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from switchboard.staff.attendance import roster, selectors, services
from switchboard.staff.attendance.models import Break, ClockLog, ClockLogCorrection
from switchboard.staff.jobs import close_forgotten_logs
from tests.staff.factories import StaffMemberFactory

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def me(org):
    return StaffMemberFactory(organization=org)


def punch(service, me, **kwargs):
    return service(organization=me.organization, acting_user=me.user, **kwargs)


def test_a_day_clock_in_break_clock_out(me):
    with clock.frozen_at(T0):
        assert punch(services.staff_clock_in, me)["status"] == "on_duty"
        clock.advance(timedelta(hours=2))
        status = punch(services.staff_break_toggle, me)
        assert status["status"] == "on_break"
        assert status["break_start"] == T0 + timedelta(hours=2)
        clock.advance(timedelta(minutes=30))
        assert selectors.current_status(me)["total_break_minutes"] == 30
        assert punch(services.staff_break_toggle, me)["status"] == "on_duty"
        clock.advance(timedelta(hours=2))
        assert punch(services.staff_clock_out, me) == {
            "status": "off_duty",
            "label": "Off Duty",
            "is_on_break": False,
            "break_start": None,
            "total_break_minutes": 0,
        }
    log = ClockLog.objects.get(staff=me)
    assert log.clock_out_at == T0 + timedelta(hours=4, minutes=30)


def test_a_double_tap_answers_the_first_result_and_writes_nothing(me):
    with clock.frozen_at(T0):
        first = punch(services.staff_clock_in, me)
        clock.advance(timedelta(seconds=2))
        assert punch(services.staff_clock_in, me) == first
        clock.advance(timedelta(seconds=10))
        with pytest.raises(Conflict) as refused:
            punch(services.staff_clock_in, me)
    assert refused.value.extra["current_status"]["status"] == "on_duty"
    assert ClockLog.objects.filter(staff=me).count() == 1


def test_a_punch_that_does_not_fit_is_a_conflict_with_the_status(me):
    with clock.frozen_at(T0):
        for service in (services.staff_clock_out, services.staff_break_start):
            with pytest.raises(Conflict) as refused:
                punch(service, me)
            assert refused.value.extra["current_status"]["status"] == "off_duty"
    assert not ClockLog.objects.exists()


def test_clocking_out_ends_an_open_break(me):
    with clock.frozen_at(T0):
        punch(services.staff_clock_in, me)
        clock.advance(timedelta(hours=1))
        punch(services.staff_break_start, me)
        clock.advance(timedelta(minutes=10))
        punch(services.staff_clock_out, me)
    assert Break.objects.get().ended_at == T0 + timedelta(hours=1, minutes=10)


def test_staff_punch_only_for_themselves(org, me, owner):
    other = StaffMemberFactory(organization=org)
    with pytest.raises(Forbidden):
        punch(services.staff_clock_in, me, staff=other)
    services.staff_clock_in(organization=org, acting_user=owner, staff=other)
    assert selectors.duty_status(other) == "on_duty"


def test_a_forgotten_log_is_closed_at_the_shift_end_for_review(org, me, owner):
    roster.shift_create(
        organization=org,
        acting_user=owner,
        staff=me,
        date=date(2026, 6, 1),
        start_time=time(9),
        end_time=time(17),
    )
    with clock.frozen_at(T0):  # 09:00 in Dublin (summer time)
        punch(services.staff_clock_in, me)
        clock.advance(timedelta(hours=8, minutes=30))
        assert close_forgotten_logs() == {"closed": 0}  # within the late allowance
        clock.advance(timedelta(hours=1))
        assert close_forgotten_logs() == {"closed": 1}
        assert close_forgotten_logs() == {"closed": 0}
    log = ClockLog.objects.get()
    assert (log.clock_out_at, log.auto_closed, log.needs_review) == (
        T0 + timedelta(hours=8),
        True,
        True,
    )


def test_a_clock_in_the_next_day_opens_a_new_log(me):
    with clock.frozen_at(T0):
        punch(services.staff_clock_in, me)
        clock.advance(timedelta(days=1))
        assert punch(services.staff_clock_in, me)["status"] == "on_duty"
    first, second = ClockLog.objects.order_by("clock_in_at")
    assert first.auto_closed and first.clock_out_at == T0 + timedelta(hours=16)
    assert second.clock_in_at == T0 + timedelta(days=1) and second.clock_out_at is None


def test_a_correction_keeps_who_when_why_and_the_old_values(org, me, owner):
    with clock.frozen_at(T0):
        punch(services.staff_clock_in, me)
        clock.advance(timedelta(hours=8))
        punch(services.staff_clock_out, me)
        log = ClockLog.objects.get()
        with pytest.raises(InvalidInput):
            services.clock_log_correct(log=log, acting_user=owner, reason=" ")
        with pytest.raises(Forbidden):
            services.clock_log_correct(log=log, acting_user=me.user, reason="mine")
        services.clock_log_correct(
            log=log, acting_user=owner, reason="came early", clock_in_at=T0 - timedelta(hours=1)
        )
    audit = ClockLogCorrection.objects.get()
    assert (audit.by, audit.reason, audit.old_clock_in_at) == (owner, "came early", T0)
    assert audit.new_clock_in_at == T0 - timedelta(hours=1)
    assert ClockLog.objects.get().clock_in_at == T0 - timedelta(hours=1)


def test_overlapping_shifts_of_one_person_are_refused(org, me, owner):
    values = {"staff": me, "date": date(2026, 6, 1), "start_time": time(22), "end_time": time(6)}
    roster.shift_create(organization=org, acting_user=owner, **values)
    morning = {**values, "date": date(2026, 6, 2), "start_time": time(5), "end_time": time(9)}
    with pytest.raises(Conflict):
        roster.shift_create(organization=org, acting_user=owner, **morning)
    roster.shift_create(organization=org, acting_user=owner, **{**morning, "start_time": time(6)})


def test_a_bulk_update_is_all_or_nothing(org, me, owner):
    day = {"staff": me, "date": date(2026, 6, 1), "start_time": time(9), "end_time": time(17)}
    kept = roster.shift_create(organization=org, acting_user=owner, **day)
    with pytest.raises(Conflict):
        roster.roster_bulk_update(
            organization=org,
            acting_user=owner,
            create=[{**day, "date": date(2026, 6, 2)}, day],
            delete=[],
        )
    assert list(selectors.shifts_list(org)) == [kept]


def test_copy_week(org, me, owner):
    day = {"staff": me, "date": date(2026, 6, 2), "start_time": time(9), "end_time": time(17)}
    roster.shift_create(organization=org, acting_user=owner, **day)
    copies = roster.roster_copy_week(
        organization=org,
        acting_user=owner,
        source_week=date(2026, 6, 1),
        target_week=date(2026, 6, 8),
    )
    assert [c.date for c in copies] == [date(2026, 6, 9)]
    with pytest.raises(Conflict):
        roster.roster_copy_week(
            organization=org,
            acting_user=owner,
            source_week=date(2026, 6, 1),
            target_week=date(2026, 6, 8),
        )
