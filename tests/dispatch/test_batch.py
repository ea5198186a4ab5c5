"""Batch assignment: the solver's plan equals brute force on small random instances and
is never worse than greedy on larger ones (by the rule: most urgent pickups served, then
most pickups, then the least total ETA); applying it re-checks each pair."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.dispatch import batch
from switchboard.dispatch import services as dispatch
from switchboard.dispatch.services import batch as batch_service
from tests.dispatch.factories import driver_at, pickup_at


@st.composite
def instances(draw, max_pickups, max_drivers):
    rows = draw(st.integers(0, max_pickups))
    cols = draw(st.integers(0, max_drivers))
    seconds = np.array(
        draw(st.lists(st.integers(0, 3600), min_size=rows * cols, max_size=rows * cols)),
        dtype=float,
    ).reshape(rows, cols)
    allowed = np.array(
        draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols)), dtype=bool
    ).reshape(rows, cols)
    allowed |= draw(st.booleans())  # often every pair is allowed
    urgent = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), dtype=bool)
    return seconds, allowed, urgent


def brute_force(seconds, allowed, urgent):
    """The best key over every plan: each pickup gets one driver or none, no driver twice."""
    rows, cols = seconds.shape
    best = (0, 0, 0)
    for choice in itertools.product(range(-1, cols), repeat=rows):
        used = [c for c in choice if c >= 0]
        if len(used) != len(set(used)):
            continue
        pairs = [(r, c) for r, c in enumerate(choice) if c >= 0]
        if all(allowed[r, c] for r, c in pairs):
            best = min(best, batch.key(seconds, urgent, pairs))
    return best


def valid(pairs, allowed):
    drivers = [c for _, c in pairs]
    pickups = [r for r, _ in pairs]
    return (
        len(set(drivers)) == len(drivers)
        and len(set(pickups)) == len(pickups)
        and all(allowed[r, c] for r, c in pairs)
    )


@settings(max_examples=60, deadline=None)
@given(instances(max_pickups=4, max_drivers=4))
def test_the_plan_equals_brute_force_on_small_instances(problem):
    seconds, allowed, urgent = problem
    plan = batch.optimal(seconds, allowed, urgent)
    assert valid(plan, allowed)
    assert batch.key(seconds, urgent, plan) == brute_force(seconds, allowed, urgent)


@settings(max_examples=25, deadline=None)
@given(instances(max_pickups=25, max_drivers=25))
def test_the_plan_is_never_worse_than_greedy(problem):
    seconds, allowed, urgent = problem
    plan = batch.optimal(seconds, allowed, urgent)
    order = sorted(range(len(urgent)), key=lambda i: (not urgent[i], i))
    plain = batch.greedy(seconds, allowed, order)
    assert valid(plan, allowed) and valid(plain, allowed)
    assert batch.key(seconds, urgent, plan) <= batch.key(seconds, urgent, plain)


def test_greedy_can_be_beaten(org):
    # Pickup 0 takes driver 0 (10 s) and leaves pickup 1 the far driver (100 s); the best
    # plan gives pickup 0 driver 1 (11 s) and pickup 1 driver 0 (12 s).
    seconds = np.array([[10.0, 11.0], [12.0, 100.0]])
    allowed = np.ones((2, 2), dtype=bool)
    urgent = np.zeros(2, dtype=bool)
    plan = batch.optimal(seconds, allowed, urgent)
    assert batch.total(seconds, plan) == 23
    assert batch.total(seconds, batch.greedy(seconds, allowed, [0, 1])) == 110


def test_applying_reports_a_pair_that_changed_meanwhile(org, operator, frozen, monkeypatch):
    first, second = driver_at(org, 1), driver_at(org, 2)
    one, two = pickup_at(org, operator, 1), pickup_at(org, operator, 2)
    plan = batch_service.batch_plan(org)
    assert {(p["booking_id"], p["driver_id"]) for p in plan["plan"]} == {
        (one.pk, first.pk),
        (two.pk, second.pk),
    }
    real_plan = batch_service.batch_plan

    def plan_then_someone_is_faster(organization, *, at=None):
        result = real_plan(organization, at=at)
        # Between the plan and its application an operator gives `first` a new pickup.
        dispatch.pickup_assign(
            booking=pickup_at(org, operator, 1.1), driver=first, acting_user=operator
        )
        return result

    monkeypatch.setattr(batch_service, "batch_plan", plan_then_someone_is_faster)
    done = dispatch.batch_assign(organization=org, acting_user=operator, dry_run=False)
    assert [p["booking_id"] for p in done["applied"]] == [two.pk]
    [changed] = done["changed"]
    assert (changed["booking_id"], changed["driver_id"]) == (one.pk, first.pk)
    assert "already on a pickup" in changed["reason"]
    one.refresh_from_db()
    assert (one.status, one.driver_id) == ("pickup_requested", None)
