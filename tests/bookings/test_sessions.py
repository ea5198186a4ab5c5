"""Timed sessions: start, extend, end, cancel; derived resource status; bad input."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from switchboard.bookings import services
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.sessions_selectors import resource_board
from switchboard.catalog.models import Workflow
from switchboard.common.clock import advance, frozen_at
from tests.bookings.factories import session_service
from tests.catalog.factories import ResourceFactory

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


@pytest.fixture
def pc(org):
    session_service(org)
    return ResourceFactory(organization=org, name="PC01", kind="pc")


def board_row(org, resource):
    return next(row for row in resource_board(org) if row.pk == resource.pk)


def url(org, tail):
    return f"/api/orgs/{org.slug}/{tail}"


def start(api, user, org, resource, minutes=60, **extra):
    body = {"resource": resource.pk, "minutes": minutes, **extra}
    return api.as_user(user).post(url(org, "sessions/"), body, format="json")


def test_a_started_session_makes_the_resource_active_until_its_end(
    api, org, operator, pc, capture_events
):
    with frozen_at(T0):
        events = capture_events()
        response = start(api, operator, org, pc, minutes=60)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["state"] == "active" and body["remaining_seconds"] == 3600
        assert body["ends_at"].startswith("2026-03-02T19:00:00")
        row = board_row(org, pc)
        assert (row.status, row.active_booking_id) == ("active", body["id"])
        assert {"booking-updated", "resource-status-updated"} <= {e.event for e in events.rows}
        status_event = events.named("resource-status-updated")[0].payload
        assert status_event["status"] == "active"
        assert status_event["remaining_seconds"] == 3600
        advance(timedelta(minutes=59, seconds=59))
        assert board_row(org, pc).status == "active"
        advance(timedelta(seconds=1))
        # Its end has passed: free, though nothing has written anything yet.
        assert board_row(org, pc).status == "available"
        assert Booking.objects.get(pk=body["id"]).status == "active"


def test_the_board_endpoint_gives_status_end_and_seconds_left(api, org, operator, pc):
    idle = ResourceFactory(organization=org, name="PC02", kind="pc")
    broken = ResourceFactory(organization=org, name="PC03", kind="pc", in_maintenance=True)
    with frozen_at(T0):
        services.session_start(organization=org, resource=pc, minutes=30, acting_user=operator)
        advance(timedelta(minutes=10))
        rows = api.as_user(operator).get(url(org, "resource-board/")).json()["resources"]
    by_id = {row["resource_id"]: row for row in rows}
    assert by_id[pc.pk]["status"] == "active"
    assert by_id[pc.pk]["remaining_seconds"] == 20 * 60
    assert (by_id[idle.pk]["status"], by_id[idle.pk]["ends_at"]) == ("available", None)
    assert by_id[broken.pk]["status"] == "maintenance"


def test_starting_on_a_busy_resource_is_409_and_changes_nothing(
    api, org, operator, pc, capture_events
):
    with frozen_at(T0):
        first = services.session_start(
            organization=org, resource=pc, minutes=60, acting_user=operator
        )
        events = capture_events()
        rows = BookingTransition.objects.count()
        response = start(api, operator, org, pc, minutes=15)
    assert response.status_code == 409
    assert response.json()["booking_id"] == first.pk
    assert Booking.objects.count() == 1
    assert BookingTransition.objects.count() == rows
    assert events.rows == []


def test_a_maintenance_resource_cannot_start_a_session(api, org, operator, pc):
    pc.in_maintenance = True
    pc.save(update_fields=["in_maintenance"])
    response = start(api, operator, org, pc)
    assert response.status_code == 409
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, "abc", 1.5, None])
def test_bad_durations_are_400_and_change_nothing(api, org, operator, pc, minutes, capture_events):
    events = capture_events()
    response = start(api, operator, org, pc, minutes=minutes)
    assert response.status_code == 400, response.content
    assert "minutes" in response.json()
    assert Booking.objects.count() == 0
    assert events.rows == []


def test_the_limit_is_a_setting(api, org, operator, pc, settings):
    settings.SESSIONS = settings.SESSIONS | {"MAX_MINUTES": 30}
    assert start(api, operator, org, pc, minutes=31).status_code == 400
    assert start(api, operator, org, pc, minutes=30).status_code == 201


def test_another_organisations_resource_or_session_is_404(
    api, org, other_org, operator, pc, outsider
):
    theirs = ResourceFactory(organization=other_org, name="PC09", kind="pc")
    session_service(other_org)
    their_session = services.session_start(
        organization=other_org, resource=theirs, minutes=30, acting_user=outsider
    )
    assert start(api, operator, org, theirs).status_code == 404
    for action in ("extend", "end", "cancel"):
        response = api.as_user(operator).post(
            url(org, f"sessions/{their_session.pk}/{action}"), {"minutes": 5}, format="json"
        )
        assert response.status_code == 404, action
    their_session.refresh_from_db()
    assert their_session.status == "active"
    assert Booking.objects.filter(organization=org).count() == 0


def test_staff_and_customers_cannot_start_sessions(api, org, staff_user, customer, pc):
    assert start(api, staff_user, org, pc).status_code == 403
    assert start(api, customer, org, pc).status_code == 403
    assert Booking.objects.count() == 0


def test_extend_moves_the_end_and_tells_the_board(api, org, operator, pc, capture_events):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=30, acting_user=operator
        )
        events = capture_events()
        response = api.as_user(operator).post(
            url(org, f"sessions/{session.pk}/extend/"), {"minutes": 15}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["ends_at"].startswith("2026-03-02T18:45:00")
        assert events.named("resource-status-updated")[0].payload["remaining_seconds"] == 45 * 60
        booking_event = events.named("booking-updated")[0].payload
        assert booking_event["changed"] == ["ends_at"]
        row = BookingTransition.objects.filter(booking_ref=session.pk).last()
        assert row.data["extended_minutes"] == 15


def test_extending_into_the_next_booking_is_409(api, org, operator, pc):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=30, acting_user=operator
        )
        services.session_start(
            organization=org,
            resource=pc,
            minutes=30,
            starts_at=T0 + timedelta(minutes=40),
            acting_user=operator,
        )
        response = api.as_user(operator).post(
            url(org, f"sessions/{session.pk}/extend/"), {"minutes": 15}, format="json"
        )
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.ends_at == T0 + timedelta(minutes=30)


def test_extending_a_finished_session_is_409_with_its_status(api, org, operator, pc):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=30, acting_user=operator
        )
        advance(timedelta(minutes=5))
        services.session_end(booking=session, acting_user=operator)
        response = api.as_user(operator).post(
            url(org, f"sessions/{session.pk}/extend/"), {"minutes": 15}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["status"] == "completed"


def test_extending_after_the_end_but_before_the_sweep_is_409_completed(api, org, operator, pc):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=30, acting_user=operator
        )
        advance(timedelta(minutes=30, seconds=1))
        response = api.as_user(operator).post(
            url(org, f"sessions/{session.pk}/extend/"), {"minutes": 15}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["status"] == "completed"
    session.refresh_from_db()
    assert session.ends_at == T0 + timedelta(minutes=30)


def test_ending_early_completes_and_frees_the_resource(api, org, operator, pc, capture_events):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=60, acting_user=operator
        )
        advance(timedelta(minutes=20))
        events = capture_events()
        response = api.as_user(operator).post(url(org, f"sessions/{session.pk}/end/"), {})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "completed"
        assert board_row(org, pc).status == "available"
    session.refresh_from_db()
    assert session.ends_at == T0 + timedelta(minutes=20)
    completed = events.named("session-completed")[0].payload
    assert (completed["booking_id"], completed["reason"]) == (session.pk, "ended")
    assert events.named("resource-status-updated")[0].payload["status"] == "available"
    assert {e.event for e in events.rows} >= {"booking-updated"}


def test_cancel_is_for_managers_and_frees_the_resource(api, org, operator, staff_user, pc):
    with frozen_at(T0):
        session = services.session_start(
            organization=org, resource=pc, minutes=60, acting_user=operator
        )
        refused = api.as_user(staff_user).post(url(org, f"sessions/{session.pk}/cancel/"), {})
        assert refused.status_code == 403
        response = api.as_user(operator).post(url(org, f"sessions/{session.pk}/cancel/"), {})
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert board_row(org, pc).status == "available"
        again = api.as_user(operator).post(url(org, f"sessions/{session.pk}/cancel/"), {})
    assert again.status_code == 409
    assert again.json()["status"] == "cancelled"


def test_a_session_may_cross_midnight(org, operator, pc):
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    with frozen_at(late):
        session = services.session_start(
            organization=org, resource=pc, minutes=90, acting_user=operator
        )
        advance(timedelta(hours=1))  # 00:30 the next day
        assert board_row(org, pc).status == "active"
        assert board_row(org, pc).active_booking_id == session.pk
        advance(timedelta(minutes=30))
        assert board_row(org, pc).status == "available"
    assert session.ends_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def test_a_session_booked_ahead_holds_the_resource_from_its_start(org, operator, pc):
    with frozen_at(T0):
        ahead = services.session_start(
            organization=org,
            resource=pc,
            minutes=60,
            starts_at=T0 + timedelta(hours=1),
            acting_user=operator,
        )
        assert board_row(org, pc).status == "available"
        advance(timedelta(hours=1))
        assert board_row(org, pc).active_booking_id == ahead.pk


def test_postgresql_forbids_overlapping_open_sessions_in_the_database(org, operator, pc):
    """Behind the lock: on PostgreSQL the exclusion constraint refuses a write that skips
    the services; SQLite has no such constraint and relies on the lock and re-check."""
    first = services.session_start(
        organization=org,
        resource=pc,
        minutes=60,
        starts_at=T0,
        allow_past=True,
        acting_user=operator,
    )
    overlapping = Booking(
        organization=org,
        service=first.service,
        workflow=Workflow.SESSION,
        status="active",
        customer_name="Raw",
        starts_at=T0 + timedelta(minutes=30),
        ends_at=T0 + timedelta(minutes=90),
        resource=pc,
    )
    back_to_back = Booking(
        organization=org,
        service=first.service,
        workflow=Workflow.SESSION,
        status="active",
        customer_name="Raw",
        starts_at=T0 + timedelta(minutes=60),
        ends_at=T0 + timedelta(minutes=90),
        resource=pc,
    )
    back_to_back.save()  # [start, end) ranges: a session may start when the last one ends
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            overlapping.save()
        assert not Booking.objects.filter(customer_name="Raw", starts_at=overlapping.starts_at)
    else:
        overlapping.save()
        assert Booking.objects.filter(pk=overlapping.pk).exists()
