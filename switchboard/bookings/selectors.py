"""Reads. Workload is derived here, by one query, from the bookings themselves.

Whom a booking occupies (the rule the whole app and docs/bookings.md share):

- a booking of a workflow that is not an add-on occupies its **assignee** while its status
  is an active state of its workflow;
- it also occupies its **driver** while its status is one of the workflow's driver states;
- an **add-on** occupies its assignee while its own status is active *and* its parent is in
  an active state of the parent's workflow (a reservation: `booked` or `active`).

`current_assignments` is the number of bookings that occupy a staff member; the staff member
is `busy` when that number is at or over their capacity, else `available`.
"""

import operator
from datetime import date
from functools import reduce

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from switchboard.accounts.permissions import CUSTOMER, MANAGERS, STAFF, acting_role, may
from switchboard.bookings.models import Booking, BookingTransition
from switchboard.bookings.workflows import WORKFLOWS
from switchboard.catalog.selectors import staff_qualified
from switchboard.common.errors import Forbidden, NotFound
from switchboard.common.prepared import Prepared, single_scope
from switchboard.staff.models import StaffMember
from switchboard.staff.selectors import staff_for_user

BUSY, AVAILABLE = "busy", "available"
NOTHING = Q(pk__in=[])


def _any(conditions) -> Q:
    return reduce(operator.or_, conditions, NOTHING)


def standalone_counts() -> Q:
    """Bookings (not add-ons) in an active state of their workflow: they hold the assignee."""
    return _any(
        Q(workflow=wf.name, status__in=sorted(wf.table.active))
        for wf in WORKFLOWS.values()
        if not wf.is_addon
    )


def addon_counts() -> Q:
    """Add-ons active themselves and hanging on a parent that is active: they hold the assignee."""
    return _any(
        Q(workflow=wf.name, status__in=sorted(wf.table.active)) & _parent_active(parent)
        for wf in WORKFLOWS.values()
        for parent in wf.parent_workflows
    )


def _parent_active(parent_workflow: str) -> Q:
    # One row by key: as a self-join, PostgreSQL hashed the whole table per person counted.
    parents = Booking._base_manager.filter(
        pk=OuterRef("parent_id"),
        workflow=parent_workflow,
        status__in=sorted(WORKFLOWS[parent_workflow].table.active),
    )
    return Q(Exists(parents))


def driver_counts() -> Q:
    """Bookings in one of their workflow's driver states: they hold the driver."""
    return _any(
        Q(workflow=wf.name, status__in=sorted(wf.driver_active))
        for wf in WORKFLOWS.values()
        if wf.driver_active
    )


class _CountOf(Func):
    """COUNT(*) as a plain function, so that a filtered subquery returns one number and
    Django adds no GROUP BY."""

    template = "COUNT(*)"
    output_field = IntegerField()


def any_active_status() -> list[str]:
    """Every status active in some workflow: the (x, status) indexes narrow by it."""
    return sorted(set().union(*(wf.table.active for wf in WORKFLOWS.values())))


def _held_as_assignee(staff_ref) -> Q:
    return Q(assignee=staff_ref, status__in=any_active_status())


def _held_as_driver(staff_ref) -> Q:
    driving = set().union(*(wf.driver_active for wf in WORKFLOWS.values()))
    return Q(driver=staff_ref, status__in=sorted(driving))


def occupying(staff_ref) -> Q:
    """Bookings that occupy `staff_ref` (a staff id, instance or OuterRef): the whole rule."""
    as_assignee = _held_as_assignee(staff_ref) & (standalone_counts() | addon_counts())
    return as_assignee | (_held_as_driver(staff_ref) & driver_counts())


def _count(condition: Q):
    """A correlated count for the outer staff row, through the unscoped base manager: the
    outer row is already the scope's, and the scope's `organization_id = %s` here led
    SQLite to walk the organisation's bookings instead of the person's index entries."""
    bookings = Booking._base_manager.filter(condition).order_by()
    rows = bookings.annotate(n=_CountOf()).values("n")[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_load(staff: QuerySet) -> QuerySet:
    """Annotate `current_assignments`: one correlated COUNT, cheap to build and to run."""
    return staff.annotate(current_assignments=_count(occupying(OuterRef("pk"))))


def with_workload(staff: QuerySet) -> QuerySet:
    """`current_assignments`, its sources and busy/available (busy at or over capacity)."""
    return with_load(staff).annotate(
        standalone_bookings=_count(_held_as_assignee(OuterRef("pk")) & standalone_counts()),
        addon_services=_count(_held_as_assignee(OuterRef("pk")) & addon_counts()),
        driving=_count(_held_as_driver(OuterRef("pk")) & driver_counts()),
        availability_status=Case(
            When(current_assignments__gte=F("capacity"), then=Value(BUSY)),
            default=Value(AVAILABLE),
            output_field=CharField(),
        ),
    )


def employees_with_workload(
    organization,
    *,
    department: str | None = None,
    skill: str | None = None,
    availability: str | None = None,
    is_active: bool | None = True,
) -> QuerySet:
    """The Employees list: every row with its workload and status, in one query."""
    qs = with_workload(
        StaffMember.objects.for_org(organization).select_related("user", "department")
    )
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if department:
        qs = qs.filter(department__slug=department)
    if skill:
        qs = qs.filter(skills__slug=skill)
    if availability:
        qs = qs.filter(availability_status=availability)
    return qs


def employee_get(organization, pk) -> StaffMember:
    staff = employees_with_workload(organization, is_active=None).filter(pk=pk).first()
    if staff is None:
        raise NotFound("No such staff member.")
    return staff


def _load_rows(*, organization, ids=None, skill=None, service=None):
    # Given staff, or (ids None) those qualified for a service: bare numbers, no rows.
    if ids is None:
        staff = staff_qualified(organization=organization, skill=skill, service=service)
    else:
        staff = StaffMember.objects.for_org(organization).filter(pk__in=ids)
    return with_load(staff).values_list("pk", "current_assignments", "capacity")


_loads = Prepared(_load_rows)


def qualified_loads(service) -> list[tuple[int, int, int]]:
    """(staff id, current assignments, capacity) of everyone qualified for `service`."""
    args = {"skill": service.skill_id, "service": service.pk}
    return _loads(organization=service.organization_id, **args)


def workloads(staff_ids, *, organization=None) -> dict[int, tuple[int, int]]:
    """{staff id: (current assignments, capacity)} for the given staff, in one query
    (of the active scope's organisation unless one is given)."""
    organization = organization or single_scope()
    if organization is None:  # across organisations: the plain read
        rows = with_load(StaffMember.objects.filter(pk__in=list(staff_ids)))
        rows = rows.values_list("pk", "current_assignments", "capacity")
    else:
        rows = _loads(organization=organization, ids=sorted(set(staff_ids)))
    return {pk: (load, cap) for pk, load, cap in rows}


def _candidate_rows(*, organization, skill, service):
    # Unscoped for the same reason as `_count`; the (assignee, assigned_at) index answers it.
    last_assigned = (
        Booking._base_manager.filter(assignee=OuterRef("pk"), assigned_at__isnull=False)
        .order_by("-assigned_at")
        .values("assigned_at")[:1]
    )
    qs = staff_qualified(organization=organization, skill=skill, service=service)
    return (
        with_load(qs)
        .select_related("user")
        .annotate(last_assigned_at=Subquery(last_assigned))
        .order_by("current_assignments", F("last_assigned_at").asc(nulls_first=True), "pk")
    )


_candidates = Prepared(_candidate_rows)


def assignment_candidates(service) -> list[StaffMember]:
    """Qualified staff, least loaded first, then who has waited longest since an assignment.

    Full staff are included (a lock-and-recount may find them free again); the caller skips
    anyone at capacity.
    """
    return _candidates(
        organization=service.organization_id, skill=service.skill_id, service=service.pk
    )


def _workload_rows(*, organization, ids):
    return employees_with_workload(organization, is_active=None).filter(pk__in=ids).order_by("pk")


_workload_of = Prepared(_workload_rows)


def staff_with_workload(organization, staff_ids) -> list[StaffMember]:
    """These staff members (any, active or not) annotated as the Employees list is, by id."""
    return _workload_of(organization=organization, ids=sorted(set(staff_ids)))


def active_assignments(organization, staff: StaffMember) -> QuerySet:
    """What occupies `staff` now (the Employees modal): never completed or cancelled work."""
    as_driver = Q(driver=staff) & driver_counts()
    return (
        bookings_base(organization)
        .filter(occupying(staff))
        .annotate(
            held_as=Case(
                When(as_driver, then=Value("driving")),
                When(parent__isnull=False, then=Value("addon")),
                default=Value("standalone"),
                output_field=CharField(),
            )
        )
    )


def bookings_base(organization) -> QuerySet:
    return Booking.objects.for_org(organization).select_related(
        "service",
        "resource",
        "customer",
        "parent",
        "assignee__user",
        "driver__user",
    )


def _booking_rows(*, organization, pk):
    return bookings_base(organization).filter(pk=pk)


_booking_by_id = Prepared(_booking_rows)


def booking_read(organization, pk) -> Booking:
    """One booking with its related rows, as the API answers it, or NotFound."""
    rows = _booking_by_id(organization=organization, pk=pk)
    if not rows:
        raise NotFound("No such booking.")
    return rows[0]


def active_bookings() -> Q:
    """Bookings in an active state of their own workflow (whoever holds them)."""
    return _any(
        Q(workflow=wf.name, status__in=sorted(wf.table.active)) for wf in WORKFLOWS.values()
    )


def bookings_list(
    organization,
    *,
    status: str | None = None,
    assignee: int | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    active: bool | None = None,
    service: int | None = None,
    customer=None,
    held_by: StaffMember | None = None,
) -> QuerySet:
    """Bookings filtered as the list endpoint offers; `assignee="none"` means unassigned.

    `customer` narrows to one customer's bookings and `held_by` to a staff member's own
    (as assignee or driver): what customers and staff may see.
    """
    qs = bookings_base(organization)
    if status:
        qs = qs.filter(status=status)
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=assignee)
    if date_from:
        qs = qs.filter(starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(starts_at__date__lte=date_to)
    if active is True:
        qs = qs.filter(active_bookings())
    elif active is False:
        qs = qs.exclude(active_bookings())
    if service:
        qs = qs.filter(service_id=service)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if held_by is not None:
        qs = qs.filter(Q(assignee=held_by) | Q(driver=held_by))
    return qs


def bookings_visible(organization, user, **filters) -> QuerySet:
    """The bookings `user` may see, filtered like `bookings_list`: every one for owners and
    operators, their own assignments for staff, their own bookings for customers."""
    role = acting_role(organization, user)
    if role in MANAGERS:
        return bookings_list(organization, **filters)
    if role == CUSTOMER:
        return bookings_list(organization, **filters, customer=user)
    me = staff_for_user(organization, user) if role == STAFF else None
    if me is None:
        return Booking.objects.none()
    return bookings_list(organization, **filters, held_by=me)


def sees_internal_fields(organization, user) -> bool:
    """Whether `user` reads bookings with their internal fields (customers do not)."""
    return acting_role(organization, user) != CUSTOMER


def assignments_visible(organization, user, staff_pk) -> QuerySet:
    """A staff member's active assignments, for that person or a manager."""
    staff = employee_get(organization, staff_pk)
    if staff.user_id != user.pk and not may(
        acting_role(organization, user), "bookings.assignments_of_others"
    ):
        raise Forbidden("Only managers see another person's assignments.")
    return active_assignments(organization, staff)


def unassigned_bookings(organization) -> QuerySet:
    """Active bookings nobody is assigned to: the operators' to-do list."""
    return bookings_list(organization, assignee="none", active=True)


def transitions_of(booking) -> QuerySet:
    return BookingTransition.objects.filter(booking_ref=booking.pk).select_related("by")


def overlapping_bookings(resource, starts_at, ends_at, *, exclude_pk=None) -> QuerySet:
    """Active bookings of `resource` whose time overlaps [starts_at, ends_at)."""
    return (
        Booking.objects.filter(resource=resource, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .filter(active_bookings())
        .exclude(pk=exclude_pk)
    )
