"""The attendance invariants held by the database as well as the services: no two logs of
one person overlap, a break lies inside its log. On PostgreSQL the guards of migration
staff/0006 refuse a write that skips the services; SQLite relies on the services alone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from switchboard.common import clock
from switchboard.staff.attendance import services
from switchboard.staff.attendance.models import Break, ClockLog, ClockLogCorrection
from tests.staff.factories import StaffMemberFactory

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def me(org):
    return StaffMemberFactory(organization=org)


def log(me, start, hours):
    return ClockLog.objects.create(
        organization=me.organization,
        staff=me,
        clock_in_at=start,
        clock_out_at=start + timedelta(hours=hours) if hours else None,
    )


def state():
    return [
        list(model.objects.order_by("pk").values())
        for model in (ClockLog, Break, ClockLogCorrection)
    ]


def refused_or_saved(write) -> bool:
    """True when the database refused `write` (PostgreSQL), False when it saved it."""
    if not POSTGRES:
        write()
        return False
    with pytest.raises(IntegrityError), transaction.atomic():
        write()
    return True


def test_the_database_refuses_overlapping_logs_of_one_person(me):
    log(me, T0, 8)
    log(me, T0 + timedelta(hours=8), 2)  # [in, out): back to back is no overlap
    other = StaffMemberFactory(organization=me.organization)
    log(other, T0 + timedelta(hours=1), 2)
    refused = refused_or_saved(lambda: log(me, T0 + timedelta(hours=7), 2))
    assert refused == POSTGRES
    assert ClockLog.objects.filter(staff=me).count() == (2 if POSTGRES else 3)


def test_the_database_refuses_a_log_overlapping_an_open_one(me):
    log(me, T0, 0)
    assert refused_or_saved(lambda: log(me, T0 + timedelta(days=3), 2)) == POSTGRES


def test_the_database_keeps_breaks_inside_their_log(me):
    day = log(me, T0, 8)
    Break.objects.create(
        log=day, started_at=T0 + timedelta(hours=2), ended_at=T0 + timedelta(hours=3)
    )
    early = lambda: Break.objects.create(  # noqa: E731
        log=day, started_at=T0 - timedelta(hours=1), ended_at=T0 + timedelta(hours=1)
    )
    late = lambda: Break.objects.create(  # noqa: E731
        log=day, started_at=T0 + timedelta(hours=7), ended_at=T0 + timedelta(hours=9)
    )
    open_on_closed = lambda: Break.objects.create(  # noqa: E731
        log=day, started_at=T0 + timedelta(hours=5)
    )
    shrink = lambda: ClockLog.objects.filter(pk=day.pk).update(  # noqa: E731
        clock_out_at=T0 + timedelta(hours=2, minutes=30)
    )
    for write in (early, late, open_on_closed, shrink):
        assert refused_or_saved(write) == POSTGRES


def test_a_correction_that_would_overlap_is_a_409_and_changes_nothing(api, org, me, owner):
    with clock.frozen_at(T0 + timedelta(days=2)):
        first, second = log(me, T0, 8), log(me, T0 + timedelta(hours=9), 4)
        before = state()
        answer = api.as_user(owner).post(
            f"/api/orgs/{org.slug}/attendance/logs/{second.pk}/correct/",
            {"reason": "came early", "clock_in_at": (T0 + timedelta(hours=7)).isoformat()},
            format="json",
        )
    assert answer.status_code == 409, answer.json()
    assert "overlap" in answer.json()["detail"]
    assert state() == before and first.pk != second.pk


def test_a_violation_the_services_missed_is_a_409_not_a_500(org, me, owner, monkeypatch):
    """Should the services' re-check ever miss an overlap, PostgreSQL's constraint still
    refuses it, and the correction answers 409 with nothing written."""
    monkeypatch.setattr(services, "_check_correction", lambda *args: None)
    with clock.frozen_at(T0 + timedelta(days=2)):
        log(me, T0, 8)
        second = log(me, T0 + timedelta(hours=9), 4)
        before = state()
        correct = lambda: services.clock_log_correct(  # noqa: E731
            log=second, acting_user=owner, reason="x", clock_in_at=T0 + timedelta(hours=7)
        )
        if POSTGRES:
            with pytest.raises(services.Conflict) as refused:
                correct()
            assert refused.value.status_code == 409 and "overlap" in str(refused.value)
            assert state() == before
        else:
            correct()
            assert ClockLog.objects.get(pk=second.pk).clock_in_at == T0 + timedelta(hours=7)
