"""Random punches, breaks, corrections, the forgotten clock-out job and moves of the clock.

After every step: the rows hold the invariants (one open log per person, one open break per
log, breaks inside their log, no two logs of a person overlapping), the duty status and the
break minutes that the selectors derive equal a recomputation from the rows written here,
and the state follows a shadow model of the rules (a punch that does not fit is refused,
a repeat within a few seconds changes nothing, a forgotten log is closed after 16 hours).
"""

import itertools
from datetime import UTC, datetime, timedelta

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from switchboard.common import clock
from switchboard.common.errors import Conflict, InvalidInput
from switchboard.staff.attendance import selectors, services
from switchboard.staff.attendance.models import Break, ClockLog, ClockLogCorrection
from switchboard.staff.jobs import close_forgotten_logs
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.staff.factories import StaffMemberFactory

START = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
REPEAT = timedelta(seconds=services.REPEAT_SECONDS)
FORGOTTEN = timedelta(hours=16)
PEOPLE = 2
STEPS = [timedelta(seconds=s) for s in (1, 3, 7, 60, 1800, 4 * 3600, 17 * 3600)]


class Person:
    """The shadow: what the rules say the person's state is."""

    def __init__(self, staff):
        self.staff = staff
        self.clocked_in = None  # when the open log began
        self.break_since = None
        self.last_out = self.last_break_end = None


class AttendanceMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.frozen = clock.frozen_at(START)
        self.frozen.__enter__()
        self.org = OrganizationFactory(slug="stateful-attendance")
        self.manager = MembershipFactory(organization=self.org, role="operator").user
        self.people = [Person(StaffMemberFactory(organization=self.org)) for _ in range(PEOPLE)]

    def teardown(self):
        self.frozen.__exit__(None, None, None)
        transaction.savepoint_rollback(self.savepoint)

    def _punch(self, service, person, refused: bool):
        kwargs = {"organization": self.org, "acting_user": person.staff.user}
        if refused:
            try:
                with transaction.atomic():
                    service(**kwargs)
            except Conflict as conflict:
                assert conflict.extra["current_status"] == selectors.current_status(person.staff)
                return None
            raise AssertionError(f"{service.__name__} should have been refused")
        return service(**kwargs)

    def _expire(self, person, at):
        if person.clocked_in is not None and at >= person.clocked_in + FORGOTTEN:
            person.clocked_in = person.break_since = None

    @rule(who=st.integers(0, PEOPLE - 1))
    def clock_in(self, who):
        person, at = self.people[who], clock.now()
        self._expire(person, at)
        repeat = person.clocked_in is not None and at - person.clocked_in <= REPEAT
        refused = person.clocked_in is not None and not repeat
        status = self._punch(services.staff_clock_in, person, refused)
        if status is not None and not repeat:
            person.clocked_in, person.break_since = at, None
            assert status["status"] == "on_duty"

    @rule(who=st.integers(0, PEOPLE - 1))
    def clock_out(self, who):
        person, at = self.people[who], clock.now()
        repeat = person.clocked_in is None and person.last_out and at - person.last_out <= REPEAT
        refused = not repeat and (person.clocked_in is None or at <= person.clocked_in)
        status = self._punch(services.staff_clock_out, person, refused)
        if status is not None and not repeat:
            person.clocked_in = person.break_since = None
            person.last_out = at
        if status is not None:
            assert status["status"] == "off_duty"

    @rule(who=st.integers(0, PEOPLE - 1))
    def break_start(self, who):
        person, at = self.people[who], clock.now()
        since = person.break_since
        repeat = since is not None and at - since <= REPEAT
        refused = not repeat and (
            person.clocked_in is None or since is not None or at <= person.clocked_in
        )
        status = self._punch(services.staff_break_start, person, refused)
        if status is not None:
            person.break_since = person.break_since or at
            assert status["status"] == "on_break"

    @rule(who=st.integers(0, PEOPLE - 1))
    def break_end(self, who):
        person, at = self.people[who], clock.now()
        ended = person.last_break_end
        repeat = (
            person.clocked_in is not None
            and person.break_since is None
            and ended is not None
            and ended > person.clocked_in
            and at - ended <= REPEAT
        )
        since = person.break_since
        refused = not repeat and (since is None or at <= since)
        status = self._punch(services.staff_break_end, person, refused)
        if status is not None and not repeat:
            person.break_since, person.last_break_end = None, at
        if status is not None:
            assert status["status"] == "on_duty"

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step):
        clock.advance(step)

    @rule()
    def job_runs(self):
        at = clock.now()
        close_forgotten_logs()
        for person in self.people:
            self._expire(person, at)

    @rule(who=st.integers(0, PEOPLE - 1), minutes=st.integers(-120, 120))
    def manager_corrects(self, who, minutes):
        closed = ClockLog.objects.filter(staff=self.people[who].staff, clock_out_at__isnull=False)
        log = closed.first()
        if log is None:
            return
        before = (log.clock_in_at, log.clock_out_at, ClockLogCorrection.objects.count())
        try:
            with transaction.atomic():
                services.clock_log_correct(
                    log=log,
                    acting_user=self.manager,
                    reason="forgot to punch",
                    clock_in_at=log.clock_in_at + timedelta(minutes=minutes),
                )
        except (Conflict, InvalidInput):
            log.refresh_from_db()
            assert (log.clock_in_at, log.clock_out_at, ClockLogCorrection.objects.count()) == before
            return
        assert ClockLogCorrection.objects.count() == before[2] + 1

    @invariant()
    def rows_hold_the_rules(self):
        at = clock.now()
        for person in self.people:
            logs = list(ClockLog.objects.filter(staff=person.staff).order_by("clock_in_at"))
            open_logs = [log for log in logs if log.clock_out_at is None]
            assert len(open_logs) <= 1
            for earlier, later in itertools.pairwise(logs):
                assert (
                    earlier.clock_out_at is not None and earlier.clock_out_at <= later.clock_in_at
                )
            for log in logs:
                breaks = list(Break.objects.filter(log=log))
                assert sum(b.ended_at is None for b in breaks) <= (1 if log in open_logs else 0)
                for item in breaks:
                    assert log.clock_in_at <= item.started_at
                    assert item.ended_at is None or item.ended_at <= (log.clock_out_at or at)
                    assert log.clock_out_at is None or item.started_at <= log.clock_out_at
                if log.auto_closed:
                    assert log.clock_out_at is not None
            self._status_is_recomputed(person, open_logs[0] if open_logs else None, at)

    def _status_is_recomputed(self, person, log, at):
        breaks = list(Break.objects.filter(log=log)) if log else []
        running = [b for b in breaks if b.ended_at is None]
        expected = "off_duty" if log is None else "on_break" if running else "on_duty"
        seconds = sum(((b.ended_at or at) - b.started_at).total_seconds() for b in breaks)
        status = selectors.current_status(person.staff)
        assert status["status"] == expected
        assert status["total_break_minutes"] == int(seconds / 60)
        assert status["break_start"] == (running[0].started_at if running else None)
        assert (log.clock_in_at if log else None) == person.clocked_in
        assert (running[0].started_at if running else None) == person.break_since
        [row] = [
            r for r in selectors.attendance_status(self.org) if r["staff_id"] == person.staff.pk
        ]
        assert row["current_status"] == status


def test_attendance_stays_true_whatever_the_punches(db):
    run_state_machine_as_test(
        AttendanceMachine,
        # 25 random sequences of up to 25 steps, the invariant checked after each step:
        # some 625 steps a run, on each database (the suite's time: docs/development.md).
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
