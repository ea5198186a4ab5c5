"""Prepared reads answer what the ORM answers, for every organisation and scope."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.bookings.selectors import (
    assignment_candidates,
    employees_with_workload,
    staff_with_workload,
    workloads,
)
from switchboard.common.clock import now
from switchboard.common.errors import NotFound
from switchboard.common.prepared import Prepared
from switchboard.common.tenancy import ScopeError, in_scope, no_scope, org_scope
from switchboard.staff.models import StaffMember
from tests.bookings.factories import book, car_wash, staff_with

ROW = ("pk", "capacity", "current_assignments", "availability_status", "standalone_bookings")


def as_rows(staff):
    return [tuple(getattr(s, f) for f in ROW) for s in staff]


@pytest.fixture
def crews(org, other_org):
    ours = [staff_with(org, "employee", capacity=c) for c in (1, 2, 3)]
    theirs = [staff_with(other_org, "employee") for _ in range(2)]
    return ours, theirs, car_wash(org)


def test_the_workload_rows_equal_the_orm_for_every_list_length(org, crews, operator):
    ours, _, wash = crews
    for hours in (1, 2):
        book(org, wash, operator, at=now() + timedelta(hours=hours), auto_assign=True)
    everyone = [s.pk for s in ours]
    for ids in ([everyone[0]], everyone[:2], everyone, list(reversed(everyone))):
        expected = employees_with_workload(org, is_active=None).filter(pk__in=ids).order_by("pk")
        assert as_rows(staff_with_workload(org, ids)) == as_rows(expected)
        assert workloads(ids, organization=org) == {
            s.pk: (s.current_assignments, s.capacity) for s in expected
        }
    assert staff_with_workload(org, []) == []


def test_a_later_call_runs_the_compiled_sql_with_its_own_values(org, crews):
    ours, _, _ = crews
    staff_with_workload(org, [ours[0].pk])
    with CaptureQueriesContext(connection) as queries:
        rows = staff_with_workload(org, [ours[1].pk])
    assert [s.pk for s in rows] == [ours[1].pk]
    assert len(queries) == 1
    # select_related rows came with it: reading the name costs no query.
    with CaptureQueriesContext(connection) as queries:
        assert rows[0].full_name
    assert len(queries) == 0


def test_another_organisations_staff_are_never_read(org, other_org, crews):
    ours, theirs, wash = crews
    mixed = [ours[0].pk, theirs[0].pk]
    assert [s.pk for s in staff_with_workload(org, mixed)] == [ours[0].pk]
    assert [s.pk for s in staff_with_workload(other_org, mixed)] == [theirs[0].pk]
    assert {s.pk for s in assignment_candidates(wash)} == {s.pk for s in ours}


def test_scopes_are_kept_as_the_orm_keeps_them(org, other_org, crews):
    ours, _, _ = crews
    ids = [ours[0].pk]
    with org_scope(other_org):
        assert staff_with_workload(org, ids) == []
    with org_scope(org):
        assert [s.pk for s in staff_with_workload(org, ids)] == ids
    with no_scope(), pytest.raises(ScopeError):
        staff_with_workload(org, ids)


def test_an_argument_given_and_none_compile_apart(org, crews):
    ours, _, _ = crews

    def build(*, organization, ids, capacity):
        qs = StaffMember.objects.for_org(organization).filter(pk__in=ids)
        if capacity is not None:
            qs = qs.filter(capacity=capacity)
        return qs.order_by("pk").values_list("pk", flat=True)

    read = Prepared(build)
    ids = [s.pk for s in ours]
    assert read(organization=org, ids=ids, capacity=None) == ids
    assert read(organization=org, ids=ids, capacity=2) == [ours[1].pk]
    assert read(organization=org, ids=ids, capacity=3) == [ours[2].pk]
    assert read(organization=org.pk, ids=ids[:1], capacity=None) == ids[:1]


def test_a_value_that_does_not_reach_the_sql_as_given_is_refused(org):
    def build(*, organization, name):
        # A CharField turns the number into text: the SQL could not be filled in again.
        return StaffMember.objects.for_org(organization).filter(display_name=name)

    with pytest.raises(TypeError, match="did not reach the SQL"):
        Prepared(build)(organization=org, name=5)


def test_an_id_no_column_can_hold_finds_nothing(org, crews, api, operator):
    assert staff_with_workload(org, [2**70]) == []
    # Through the API, an id from the URL as long as that is no booking (not a 500).
    response = api.as_user(operator).patch(
        f"/api/orgs/{org.slug}/bookings/{2**70}/", {"notes": "x"}
    )
    assert response.status_code == 404


def test_text_arguments_are_compared_as_given(org, other_org):
    from switchboard.accounts.selectors import membership_for

    def build(*, organization, name):
        return StaffMember.objects.for_org(organization).filter(display_name=name)

    read = Prepared(build)
    ada = staff_with(org, "employee")
    ada.display_name = "Ada"
    ada.save()
    assert [s.pk for s in read(organization=org, name="Ada")] == [ada.pk]
    assert read(organization=org, name="ada") == []
    assert read(organization=other_org, name="Ada") == []
    # A pattern is built from the text, so the SQL could not take another one: refused.
    with pytest.raises(TypeError, match="did not reach the SQL"):
        Prepared(
            lambda *, organization, name: StaffMember.objects.for_org(organization).filter(
                display_name__contains=name
            )
        )(organization=org, name="Ad")
    # The membership read every request makes, by the organisation's slug.
    member = org.memberships.filter(is_active=True).select_related("user").first()
    assert membership_for(member.user, org.slug).pk == member.pk
    with pytest.raises(NotFound):
        membership_for(member.user, other_org.slug)


def test_a_row_handed_to_a_service_is_read_again_in_its_scope(org, other_org, crews):
    ours, theirs, wash = crews
    with org_scope(org):
        assert in_scope(ours[0]).pk == ours[0].pk
        assert in_scope(wash).pk == wash.pk
        with pytest.raises(NotFound):
            in_scope(theirs[0])
    with org_scope(other_org), pytest.raises(NotFound):
        in_scope(wash)
    with no_scope(), pytest.raises(ScopeError):
        in_scope(wash)


def test_a_row_the_request_just_read_in_its_scope_is_not_read_again(org, other_org, crews):
    from switchboard.catalog.selectors import service_get
    from switchboard.common.tenancy import request_reads

    _, _, wash = crews

    def reads(row, scope):
        with org_scope(scope), CaptureQueriesContext(connection) as queries:
            found = in_scope(row)
        return found, len(queries)

    with request_reads():
        with org_scope(org):
            row = service_get(org, wash.pk)
        assert reads(row, org) == (row, 0)
        # Marked in this organisation's scope only: anywhere else it is read, and refused.
        with org_scope(other_org), pytest.raises(NotFound):
            in_scope(row)
        # A row read any other way is read again.
        with org_scope(org):
            plain = type(row).objects.get(pk=wash.pk)
        assert reads(plain, org)[1] == 1
    # Outside that request (a later one, or a job) the row is read again.
    found, queries = reads(row, org)
    assert found is not row and found.pk == row.pk and queries == 1
    with request_reads():
        found, queries = reads(row, org)
        assert found is not row and queries == 1
