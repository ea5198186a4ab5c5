"""The `# bookings` and `# sessions` rows of the permission table, as callables.

Each callable performs its action as `user` (None is a job) in a situation where a role of
the row is genuinely entitled to it: staff act on their own assignments, customers on their
own bookings. So a role missing from the row is refused by the table, never by a missing
setup. Writes go through the service functions; reads through the API, except for jobs,
which have no HTTP and ask the table directly. Set-up is done by a job (`acting_user=None`).
`tests/accounts/test_permissions.py` merges `BOOKING_ACTIONS` into its walk.
"""

from datetime import timedelta

from django.urls import reverse
from rest_framework.test import APIClient

from switchboard.accounts import permissions
from switchboard.accounts.permissions import CUSTOMER, STAFF, SYSTEM, acting_role
from switchboard.bookings import services
from switchboard.bookings.workflows import Status
from switchboard.common import clock
from switchboard.common.errors import Forbidden
from tests.bookings.factories import book, car_wash, massage, parking, session_service, staff_with
from tests.catalog.factories import ResourceFactory, skill
from tests.staff.factories import StaffMemberFactory
from tests.support.permissions import api_read


def _profile(org, user, *skills):
    """`user`'s own staff profile (for a customer too, so that only the table refuses)."""
    me = StaffMemberFactory(organization=org, user=user)
    me.skills.set([skill(org, slug) for slug in skills])
    return me


def _booking_for(org, user, service=None):
    """A booking `user` may act on: assigned to their profile for staff, their own for a
    customer, anyone's for managers and jobs."""
    service = service or car_wash(org)
    role = acting_role(org, user)
    if role == STAFF:
        return book(org, service, None, assignee=_profile(org, user, service.skill.slug))
    if role == CUSTOMER:
        return book(org, service, None, customer=user)
    return book(org, service, None)


def _assigned(org, service=None):
    service = service or car_wash(org)
    return book(org, service, None, assignee=staff_with(org, service.skill.slug))


def _update(org, user):
    booking = _booking_for(org, user)
    if acting_role(org, user) == CUSTOMER:
        done = services.booking_update(booking=booking, status=Status.CANCELLED, acting_user=user)
        assert done.status == Status.CANCELLED
    else:
        done = services.booking_update(booking=booking, notes="Gate code 1234", acting_user=user)
        assert done.notes == "Gate code 1234"


def _transition(org, user):
    role = acting_role(org, user)
    if role == CUSTOMER:
        booking, target = _booking_for(org, user), Status.CANCELLED
    elif role == SYSTEM:
        booking, target = book(org, parking(org), None), Status.EXPIRED
    else:
        # A home massage is confirmed by its therapist (or a manager).
        booking, target = _booking_for(org, user, massage(org)), Status.CONFIRMED
    done = services.booking_transition(booking=booking, status=target, acting_user=user)
    assert done.status == target


def _assign(org, user):
    booking = book(org, car_wash(org), None)
    washer = staff_with(org, "employee")
    done = services.booking_assign(booking=booking, assignee=washer, acting_user=user)
    assert done.assignee == washer


def _auto_assign(org, user):
    washer = staff_with(org, "employee")
    booking = book(org, car_wash(org), None)
    done = services.booking_auto_assign(booking=booking, acting_user=user)
    assert done.assignee == washer


def _set_driver(org, user):
    booking = _assigned(org, massage(org))
    driver = staff_with(org, "driver")
    done = services.booking_set_driver(booking=booking, driver=driver, acting_user=user)
    assert done.driver == driver


def _unassign(org, user):
    done = services.booking_unassign(booking=_assigned(org), acting_user=user)
    assert done.assignee is None


def _delete(org, user):
    services.booking_delete(booking=_assigned(org), acting_user=user)


def _session(org):
    """A running session on a PC of its own, started by a job."""
    session_service(org)
    pc = ResourceFactory(organization=org, kind="pc")
    return services.session_start(organization=org, resource=pc, minutes=30, acting_user=None)


def _session_start(org, user):
    session_service(org)
    pc = ResourceFactory(organization=org, kind="pc")
    started = services.session_start(organization=org, resource=pc, minutes=30, acting_user=user)
    assert started.status == Status.ACTIVE


def _session_extend(org, user):
    session = _session(org)
    longer = services.session_extend(booking=session, minutes=15, acting_user=user)
    assert longer.ends_at > session.ends_at


def _session_end(org, user):
    ended = services.session_end(booking=_session(org), acting_user=user)
    assert ended.status == Status.COMPLETED


def _session_cancel(org, user):
    cancelled = services.session_cancel(booking=_session(org), acting_user=user)
    assert cancelled.status == Status.CANCELLED


def _sessions_sync(org, user):
    services.sessions_sync(organization=org, acting_user=user)


def _listed(org, user):
    """bookings.list: the reader's own booking (or assignment) is among the results."""
    if user is None:
        permissions.require(org, None, "bookings.list")
        return
    mine = _booking_for(org, user)
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("booking-list", kwargs={"org_slug": org.slug}))
    if response.status_code == 403:
        raise Forbidden()
    assert response.status_code == 200, response.data
    assert mine.pk in [row["id"] for row in response.data["results"]]


BOOKING_ACTIONS = {
    # bookings: writes
    "bookings.create": lambda org, user: book(org, car_wash(org), user),
    "bookings.create_past": lambda org, user: book(
        org, car_wash(org), user, at=clock.now() - timedelta(days=1), allow_past=True
    ),
    "bookings.update": _update,
    "bookings.transition": _transition,
    "bookings.assign": _assign,
    "bookings.auto_assign": _auto_assign,
    "bookings.set_driver": _set_driver,
    "bookings.unassign": _unassign,
    "bookings.delete": _delete,
    # bookings: reads
    "bookings.list": _listed,
    "bookings.retrieve": api_read("booking-detail", "bookings.retrieve", target=_booking_for),
    "bookings.transitions": api_read(
        "booking-transitions", "bookings.transitions", target=_booking_for
    ),
    "bookings.unassigned": api_read("booking-unassigned", "bookings.unassigned"),
    "bookings.employees": api_read("employee-list", "bookings.employees"),
    "bookings.assignments": api_read(
        "staff-assignments", "bookings.assignments", target=lambda org, user: _profile(org, user)
    ),
    "bookings.assignments_of_others": api_read(
        "staff-assignments",
        "bookings.assignments_of_others",
        target=lambda org, user: StaffMemberFactory(organization=org),
    ),
    # sessions
    "sessions.start": _session_start,
    "sessions.extend": _session_extend,
    "sessions.end": _session_end,
    "sessions.cancel": _session_cancel,
    "sessions.sync": _sessions_sync,
    "sessions.list": api_read("session-list", "sessions.list"),
    "sessions.resource_board": api_read("resource-board", "sessions.resource_board"),
}
