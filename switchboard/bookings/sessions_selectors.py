"""Reads of timed sessions (seed 004) and the resource status derived from bookings.

A session's `ends_at` is the truth. A session is *running* while
`starts_at <= now < ends_at` and its status is `active`; one whose end has passed is over
even before the expiry job has made that official (`completed`). A resource is *held* by
any booking in an active state of its own workflow (a session, a reservation, a standard
booking…) whose time contains now. So a resource's status — `maintenance` when flagged,
else `active` while a booking holds it, else `available` — and its `active_booking` are
computed from the rows and the clock on every read, and never stored.
"""

from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import active_bookings, any_active_status
from switchboard.bookings.workflows import Status
from switchboard.catalog.models import Resource, Service, Workflow
from switchboard.common.clock import now
from switchboard.common.errors import NotFound
from switchboard.common.prepared import Prepared

AVAILABLE, ACTIVE, MAINTENANCE = "available", "active", "maintenance"


def sessions() -> QuerySet:
    return Booking.objects.filter(workflow=Workflow.SESSION)


def open_sessions() -> QuerySet:
    """Sessions not yet made official: status `active`, whatever their `ends_at`."""
    return sessions().filter(status=Status.ACTIVE)


def running(at: datetime) -> Q:
    """The condition of a session that holds its resource at `at`."""
    return Q(workflow=Workflow.SESSION, status=Status.ACTIVE, starts_at__lte=at, ends_at__gt=at)


def holding(at: datetime) -> Q:
    """The condition of a booking that holds its resource at `at`, in any workflow."""
    return active_bookings() & Q(starts_at__lte=at, ends_at__gt=at)


def due_sessions(*, at: datetime, organization=None) -> QuerySet:
    """Sessions whose end has passed and that are not completed yet, oldest end first."""
    qs = open_sessions().filter(ends_at__lte=at)
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs.order_by("ends_at", "pk")


def next_session_end() -> datetime | None:
    """The earliest `ends_at` of an open session (it may already have passed): the expiry
    job's next deadline. Served by the partial index on open sessions' `ends_at`."""
    return open_sessions().order_by("ends_at").values_list("ends_at", flat=True).first()


def overdue_sessions(*, ended_before: datetime) -> QuerySet:
    """Open sessions that ended before `ended_before`: the sweep is late (the audit)."""
    return open_sessions().filter(ends_at__lt=ended_before).order_by("ends_at", "pk")


# The correlated reads below go through the unscoped base manager: the outer resource row
# is already the scope's, and the scope's own `organization_id = %s` would let the planner
# walk every booking of the organisation instead of the resource's (resource, status)
# index entries (the same as the workload count, bookings/selectors.py).


def _running_field(at: datetime, field: str, output):
    held = Q(resource=OuterRef("pk"), status__in=any_active_status()) & holding(at)
    rows = Booking._base_manager.filter(held).order_by("starts_at", "pk").values(field)[:1]
    return Subquery(rows, output_field=output)


def _unofficial_end(at: datetime):
    """The latest end of a session on the resource that has passed but is still `active`:
    the board shows `Expired` for it until the expiry job makes it official."""
    rows = (
        Booking._base_manager.filter(
            resource=OuterRef("pk"),
            status=Status.ACTIVE,
            workflow=Workflow.SESSION,
            ends_at__lte=at,
        )
        .order_by("-ends_at", "-pk")
        .values("ends_at")[:1]
    )
    return Subquery(rows, output_field=DateTimeField())


def with_session_status(resources: QuerySet, *, at: datetime | None = None) -> QuerySet:
    """Annotate `status`, `active_booking_id` (the booking holding it now, of any workflow),
    `active_workflow`, `session_starts_at`, `session_ends_at` (that booking's times) and
    `unofficial_end_at`, each one subquery, so a board of any size is one query."""
    at = at or now()
    return resources.annotate(
        active_booking_id=_running_field(at, "pk", IntegerField()),
        active_workflow=_running_field(at, "workflow", CharField()),
        session_starts_at=_running_field(at, "starts_at", DateTimeField()),
        session_ends_at=_running_field(at, "ends_at", DateTimeField()),
        unofficial_end_at=_unofficial_end(at),
    ).annotate(
        status=Case(
            When(in_maintenance=True, then=Value(MAINTENANCE)),
            When(active_booking_id__isnull=False, then=Value(ACTIVE)),
            default=Value(AVAILABLE),
            output_field=CharField(),
        )
    )


def resource_board(organization, *, at: datetime | None = None, kind: str | None = None):
    """Every active resource of the organisation with its derived session status."""
    qs = Resource.objects.for_org(organization).filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return with_session_status(qs, at=at).order_by("kind", "name", "pk")


def with_holders(resources) -> list:
    """The board's resources, each with `holder`: the booking holding it (customer and
    assignee loaded) or None. One more query, whatever the board's size."""
    resources = list(resources)
    ids = [r.active_booking_id for r in resources if r.active_booking_id is not None]
    found = Booking.objects.filter(pk__in=ids).select_related("customer", "assignee__user")
    by_id = {booking.pk: booking for booking in found}
    for resource in resources:
        resource.holder = by_id.get(resource.active_booking_id)
    return resources


def session_service_exists(organization) -> bool:
    """Whether a session can be started at all (the board's Start buttons)."""
    return (
        Service.objects.for_org(organization)
        .filter(workflow=Workflow.SESSION, is_active=True)
        .exists()
    )


def _status_rows(*, organization, ids, at):
    resources = Resource.objects.for_org(organization).filter(pk__in=ids)
    return with_session_status(resources, at=at).order_by("pk")


# Compiled once per number of resources: building the five subqueries anew was most of the
# expiry sweep's Python (docs/performance.md, "Round seven").
_statuses = Prepared(_status_rows)


def resources_with_status(organization, resource_ids, *, at: datetime) -> list[Resource]:
    """These resources of the organisation (any, active or not) with their derived status,
    by id, in one query."""
    return _statuses(organization=organization, ids=sorted(set(resource_ids)), at=at)


def remaining_seconds(resource, at: datetime) -> int | None:
    """Whole seconds left of the running session (rounded up), or None when free."""
    if resource.session_ends_at is None:
        return None
    left = (resource.session_ends_at - at).total_seconds()
    return max(0, int(-(-left // 1)))


def session_get(organization, pk) -> Booking:
    """A session of this organisation, or 404 (another tenant's id looks like no id)."""
    booking = (
        sessions()
        .filter(organization=organization, pk=pk)
        .select_related("service", "resource", "organization")
        .first()
    )
    if booking is None:
        raise NotFound("No such session.")
    return booking


def session_state(booking: Booking, at: datetime) -> str:
    """The session's status as of `at`: an `active` session whose end has passed is
    `completed` already, before the expiry job writes it."""
    if booking.status == Status.ACTIVE and booking.ends_at <= at:
        return Status.COMPLETED
    return booking.status


def sessions_list(organization, *, open_only: bool = False) -> QuerySet:
    qs = sessions().filter(organization=organization).select_related("service", "resource")
    if open_only:
        qs = qs.filter(status=Status.ACTIVE)
    return qs.order_by("-starts_at", "-pk")
