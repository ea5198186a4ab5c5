"""The compiled resource-status read (the expiry sweep's and every session event's) answers
what the ORM's `with_session_status` answers, at every moment and for every organisation."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.bookings import services
from switchboard.bookings.sessions_selectors import resources_with_status, with_session_status
from switchboard.catalog.models import Resource
from switchboard.common.clock import frozen_at
from switchboard.common.prepared import Prepared
from switchboard.common.tenancy import org_scope
from tests.bookings.factories import parking, session_service
from tests.catalog.factories import ResourceFactory

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
FIELDS = (
    "pk",
    "status",
    "active_booking_id",
    "active_workflow",
    "session_starts_at",
    "session_ends_at",
    "unofficial_end_at",
)


def as_rows(resources):
    return [tuple(getattr(r, f) for f in FIELDS) for r in resources]


def orm_rows(ids, at):
    return as_rows(with_session_status(Resource.objects.filter(pk__in=ids), at=at).order_by("pk"))


def test_every_moment_of_a_session_and_a_reservation_reads_as_the_orm_reads(
    org, other_org, operator
):
    session_service(org)
    pcs = [ResourceFactory(organization=org, name=f"PC{i}", kind="pc") for i in range(3)]
    space = ResourceFactory(organization=org, name="P1", kind="parking_space")
    theirs = ResourceFactory(organization=other_org, name="PC9", kind="pc")
    with frozen_at(T0):
        services.session_start(organization=org, resource=pcs[0], minutes=60, acting_user=operator)
        services.booking_create(
            organization=org,
            service=parking(org),
            starts_at=T0 + timedelta(minutes=30),
            resource=space,
            customer_name="Vikram Shah",
            acting_user=operator,
        )
    pcs[2].in_maintenance = True
    pcs[2].save()
    ids = [r.pk for r in (*pcs, space)]
    moments = [T0 - timedelta(seconds=1), T0, T0 + timedelta(minutes=45), T0 + timedelta(hours=1)]
    moments += [T0 + timedelta(hours=2), T0 + timedelta(days=3)]
    # The same moments written in another zone: compared as moments, not as their text.
    moments += [at.astimezone(ZoneInfo("Asia/Kolkata")) for at in moments]
    seen = set()
    with org_scope(org):
        for at in moments:
            for some in (ids, ids[:1], [ids[0], theirs.pk]):
                rows = as_rows(resources_with_status(org, some, at=at))
                assert rows == orm_rows([i for i in some if i != theirs.pk], at)
                seen |= {row[1] for row in rows}
    # The moments cover every status, and the session's unofficial end once it has passed.
    assert seen == {"available", "active", "maintenance"}
    with org_scope(org):
        [after] = resources_with_status(org, [pcs[0].pk], at=T0 + timedelta(hours=1))
    assert after.status == "available" and after.unofficial_end_at == T0 + timedelta(hours=1)


def test_another_organisations_resources_are_never_read(org, other_org):
    theirs = ResourceFactory(organization=other_org, name="PC9", kind="pc")
    with org_scope(org):
        assert resources_with_status(org, [theirs.pk], at=T0) == []
    with org_scope(other_org):
        assert [r.pk for r in resources_with_status(other_org, [theirs.pk], at=T0)] == [theirs.pk]


def test_a_moment_is_a_parameter_of_the_compiled_sql(org, operator):
    """A later moment runs the same statement with its own value (one query, no rebuild)."""
    session_service(org)
    pc = ResourceFactory(organization=org, name="PC1", kind="pc")
    with frozen_at(T0):
        services.session_start(organization=org, resource=pc, minutes=60, acting_user=operator)

    def build(*, organization, at):
        return Resource.objects.for_org(organization).filter(
            bookings__starts_at__lte=at, bookings__ends_at__gt=at
        )

    read = Prepared(build)
    with org_scope(org):
        assert [r.pk for r in read(organization=org, at=T0 + timedelta(minutes=1))] == [pc.pk]
        with CaptureQueriesContext(connection) as queries:
            assert read(organization=org, at=T0 + timedelta(hours=1)) == []
            assert [r.pk for r in read(organization=org, at=T0)] == [pc.pk]
    assert len(queries) == 2
    assert len(read._compiled) == 1
