"""Random sequences of dispatch steps; after each, every driver's derived status equals a
recount from the rows, written here from the issue's words: off duty unless clocked in
and not on a break; busy when driving a booking between assignment and arrival; offered
with a pending offer not past its deadline; else available.

Each example runs inside a savepoint that is rolled back at its end, like a TestCase.
"""

from datetime import timedelta

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from switchboard.bookings import services as bookings
from switchboard.bookings.models import Booking
from switchboard.common import clock
from switchboard.common.errors import DomainError
from switchboard.dispatch import services
from switchboard.dispatch.models import PickupOffer
from switchboard.dispatch.selectors import driver_rows, nearest_available
from switchboard.staff.attendance import services as attendance
from switchboard.staff.attendance.models import Break, ClockLog
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.dispatch.factories import NOW, driver_at, pickup_at, place

DRIVING = {
    "driver_assigned_pickup",
    "driver_en_route_pickup",
    "driver_arrived_pickup",
    "therapist_picked_up",
    "en_route",
}
NEXT = {
    "driver_assigned_pickup": "driver_en_route_pickup",
    "driver_en_route_pickup": "driver_arrived_pickup",
    "driver_arrived_pickup": "therapist_picked_up",
    "therapist_picked_up": "en_route",
    "en_route": "arrived",
}


def recount(driver_id, at) -> str:
    log = ClockLog.objects.filter(staff_id=driver_id, clock_out_at__isnull=True).first()
    if log is None or Break.objects.filter(log=log, ended_at__isnull=True).exists():
        return "off_duty"
    if Booking.objects.filter(driver_id=driver_id, status__in=DRIVING).exists():
        return "busy"
    pending = PickupOffer.objects.filter(driver_id=driver_id, answer="pending")
    if any(offer.expires_at > at for offer in pending):
        return "offered"
    return "available"


class DispatchMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.frozen = clock.frozen_at(NOW)
        self.frozen.__enter__()
        self.org = OrganizationFactory(slug="stateful-dispatch")
        self.operator = MembershipFactory(organization=self.org, role="operator").user
        self.drivers = [driver_at(self.org, km, on_duty=km != 3) for km in (1, 2, 3)]

    def teardown(self):
        self.frozen.__exit__(None, None, None)
        transaction.savepoint_rollback(self.savepoint)

    def _pick(self, rows, index):
        rows = list(rows.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    def _try(self, call, **kwargs):
        try:
            return call(**kwargs)
        except DomainError:
            return None  # refused: nothing changed, which the invariant also checks

    @rule(km=st.floats(0, 4))
    def request_pickup(self, km):
        pickup_at(self.org, self.operator, km)

    @rule(index=st.integers(0, 20))
    def auto_assign(self, index):
        booking = self._pick(Booking.objects.filter(status="pickup_requested"), index)
        if booking:
            self._try(services.pickup_auto_assign, booking=booking, acting_user=self.operator)

    @rule(index=st.integers(0, 20), which=st.integers(0, 2))
    def assign_by_hand(self, index, which):
        booking = self._pick(Booking.objects.filter(status="pickup_requested"), index)
        if booking:
            self._try(
                services.pickup_assign,
                booking=booking,
                driver=self.drivers[which],
                acting_user=self.operator,
            )

    @rule(index=st.integers(0, 20), accept=st.booleans())
    def answer(self, index, accept):
        offer = self._pick(PickupOffer.objects.filter(answer="pending"), index)
        if offer:
            call = services.offer_accept if accept else services.offer_decline
            self._try(call, offer=offer, acting_user=offer.driver.user)

    @rule(seconds=st.sampled_from([5, 30, 61]))
    def time_passes(self, seconds):
        clock.advance(timedelta(seconds=seconds))

    @rule()
    def expiry_job_runs(self):
        services.offers_expire_due()

    @rule(index=st.integers(0, 20))
    def driver_moves_on(self, index):
        booking = self._pick(Booking.objects.filter(status__in=NEXT), index)
        if booking:
            self._try(
                bookings.booking_transition,
                booking=booking,
                status=NEXT[booking.status],
                acting_user=booking.driver.user,
            )

    @rule(index=st.integers(0, 20))
    def cancel(self, index):
        booking = self._pick(Booking.objects.filter(status="pickup_requested"), index)
        if booking:
            self._try(
                bookings.booking_transition,
                booking=booking,
                status="cancelled",
                acting_user=self.operator,
            )

    @rule(which=st.integers(0, 2))
    def punch(self, which):
        driver = self.drivers[which]
        clock.advance(timedelta(minutes=1))
        if ClockLog.objects.filter(staff=driver, clock_out_at__isnull=True).exists():
            self._try(attendance.staff_break_toggle, organization=self.org, acting_user=None,
                      staff=driver)  # fmt: skip
        else:
            self._try(
                attendance.staff_clock_in, organization=self.org, acting_user=None, staff=driver
            )

    @rule(which=st.integers(0, 2), km=st.floats(0, 4))
    def driver_reports(self, which, km):
        lat, lng = place(km)
        services.position_record(
            organization=self.org, staff=self.drivers[which], lat=lat, lng=lng, acting_user=None
        )

    @invariant()
    def derived_status_is_a_recount(self):
        at = clock.now()
        for row in driver_rows(self.org, at=at):
            assert row["status"] == recount(row["staff_id"], at), row
        # The fast nearest-driver query says the same as the derived status.
        lat, lng = place(2)
        found = {p.pk for p, _ in nearest_available(self.org, lat=lat, lng=lng, at=at, limit=9)}
        fresh = {r["staff_id"] for r in driver_rows(self.org, at=at) if r["position_fresh"]}
        free = {r["staff_id"] for r in driver_rows(self.org, at=at) if r["status"] == "available"}
        assert found == fresh & free
        # One pending offer per pickup at most.
        pending = PickupOffer.objects.filter(answer="pending", expires_at__gt=at)
        assert len({o.booking_id for o in pending}) == pending.count()


def test_derived_driver_status_equals_a_recount_after_every_step(db):
    run_state_machine_as_test(
        DispatchMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
