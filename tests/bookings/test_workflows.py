"""The workflows are data: their tables are well formed and say what DESIGN.md says."""

import itertools

import pytest

from switchboard.bookings.workflows import WORKFLOWS, Status
from switchboard.common.errors import Conflict, Forbidden
from switchboard.common.transitions import table


def reachable(wf, start):
    seen, todo = {start}, [start]
    while todo:
        for target in wf.table.next_states(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_state_is_reachable_and_every_active_state_can_finish(name):
    wf = WORKFLOWS[name]
    assert reachable(wf, wf.table.initial) == set(wf.table.states)
    for state in wf.table.active:
        assert reachable(wf, state) & wf.table.terminal, f"{name}: {state} can never end"
    for state in wf.table.terminal:
        assert wf.table.next_states(state) == []


def test_the_built_in_workflows_and_their_active_states():
    assert set(WORKFLOWS) == {"standard", "reservation", "addon", "home_service", "session"}
    assert WORKFLOWS["standard"].table.active == {"pending", "confirmed", "in_progress"}
    assert WORKFLOWS["reservation"].table.active == {"booked", "active"}
    assert WORKFLOWS["reservation"].table.terminal == {"completed", "cancelled", "expired"}
    assert WORKFLOWS["session"].table.initial == "active"
    assert WORKFLOWS["session"].table.next_states("active") == ["completed", "cancelled"]
    assert WORKFLOWS["addon"].parent_workflows == ("reservation",)


def test_home_service_holds_seed_002s_whole_pickup_chain():
    wf = WORKFLOWS["home_service"].table
    chain = [
        "confirmed",
        "pickup_requested",
        "driver_assigned_pickup",
        "driver_en_route_pickup",
        "driver_arrived_pickup",
        "therapist_picked_up",
        "en_route",
        "arrived",
        "in_progress",
        "completed",
    ]
    for source, target in itertools.pairwise(chain):
        assert target in wf.next_states(source), f"{source} -> {target}"
    assert "rejected" in wf.next_states("pending") and "pending" in wf.next_states("rejected")
    assert "cancelled" in wf.next_states("pending", "customer")
    assert "pickup_requested" in wf.next_states("driver_assigned_pickup", "staff")
    assert WORKFLOWS["home_service"].driver_active == {
        "driver_assigned_pickup",
        "driver_en_route_pickup",
        "driver_arrived_pickup",
        "therapist_picked_up",
        "en_route",
    }
    assert not wf.is_active("rejected") and not wf.is_terminal("rejected")


def test_every_status_of_every_workflow_is_a_known_status():
    for wf in WORKFLOWS.values():
        assert set(wf.table.states) <= set(Status.values)


def test_a_move_outside_the_table_names_the_status_and_the_allowed_moves():
    wf = WORKFLOWS["standard"].table
    with pytest.raises(Conflict) as refused:
        wf.check("pending", "completed", "operator")
    assert refused.value.status_code == 409
    assert refused.value.as_dict()["status"] == "pending"
    assert refused.value.as_dict()["allowed"] == ["confirmed", "cancelled"]


def test_a_move_in_the_table_for_another_role_is_forbidden():
    wf = WORKFLOWS["standard"].table
    wf.check("pending", "cancelled", "customer")
    with pytest.raises(Forbidden):
        wf.check("pending", "confirmed", "customer")
    assert wf.next_states("pending", "customer") == ["cancelled"]


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"initial": "a", "edges": {"a": {"b": ["x"]}}, "terminal": ["a"]}, "has a way out"),
        ({"initial": "a", "edges": {}, "active": ["a"], "terminal": ["a"]}, "both active"),
    ],
)
def test_a_malformed_table_is_refused_when_it_is_defined(spec, problem):
    with pytest.raises(ValueError, match=problem):
        table("broken", **spec)
