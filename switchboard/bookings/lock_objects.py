"""The row locks the bookings services take, in one fixed order: booking → resource → staff.

Capacity is claimed by lock → re-count → write. A slot booking locks the slot's provider
row, then the slot row, before the rest (`lock_slot`). On PostgreSQL the lock is
`SELECT … FOR NO KEY UPDATE` on the staff rows (all of one transaction's staff rows in a
single statement, ordered by id, so two transactions cannot wait on each other): it
serialises claims of one person and changes to their row, yet does not wait for, or hold
up, transactions that merely insert rows referring to them (a driver's position, a booking
made under another transaction's claim: their foreign-key checks take a key-share lock).
On SQLite the IMMEDIATE transaction already serialises writers and no lock statement is
needed.

`CAPACITY_LOCK` exists for the two-sided concurrency test only: switched off, the services
neither lock nor re-count, and trust the workload they read before their transaction — the
check-then-act that let seed 000's counters go over capacity. The test proves that this
really races and that, switched on, nothing ever does.
"""

from contextlib import contextmanager

from django.db import OperationalError, connection

from switchboard.bookings.models import Booking
from switchboard.catalog.models import Resource
from switchboard.catalog.selectors import staff_qualified
from switchboard.common.errors import Conflict, NotFound
from switchboard.common.prepared import Prepared, single_scope
from switchboard.common.transactions import first_time_in_transaction
from switchboard.slots.models import BookingSlot
from switchboard.staff.models import StaffMember

CAPACITY_LOCK = True
# The same for slot seats (docs/slots.md): off, a slot booking trusts the count it read
# before its transaction. For the two-sided race test only.
SLOT_LOCK = True

# Wait this long for a row another transaction holds, then answer "busy, try again".
LOCK_TIMEOUT = "5s"
LOCK_NOT_AVAILABLE = "55P03"


def _lock_timeout_set() -> None:
    """On-commit marker: this transaction has its lock timeout (set once per transaction)."""


def capacity_lock_enabled() -> bool:
    return CAPACITY_LOCK


def row_locks() -> bool:
    """Whether the database locks rows (PostgreSQL); SQLite's IMMEDIATE write transaction
    excludes every other writer instead, so a lock statement there would only cost."""
    return connection.features.has_select_for_update


@contextmanager
def _busy_is_a_conflict(what: str):
    if connection.vendor == "postgresql" and first_time_in_transaction(_lock_timeout_set):
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Conflict(f"The {what} is busy; try again.") from exc
        raise


def _booking_for_update():
    return (
        Booking.objects.select_for_update(of=("self",))
        # The people too: the change's event names them.
        .select_related("service", "parent", "organization", "assignee__user", "driver__user")
    )


def _locked_booking_rows(*, organization, pk):
    return _booking_for_update().filter(organization=organization, pk=pk)


_locked_booking = Prepared(_locked_booking_rows)


def lock_booking(pk) -> Booking:
    """The booking, re-read under its row lock (its status may have moved since)."""
    organization = single_scope()
    with _busy_is_a_conflict("booking"):
        if organization is None:  # across organisations: the plain read
            rows = list(_booking_for_update().filter(pk=pk))
        else:
            rows = _locked_booking(organization=organization, pk=pk)
    if not rows:
        raise NotFound("No such booking.")
    return rows[0]


def lock_resource(pk) -> Resource:
    with _busy_is_a_conflict("resource"):
        return Resource.objects.select_for_update().get(pk=pk)


def lock_staff(staff_ids) -> None:
    """Lock the staff rows whose capacity is about to be claimed, in id order."""
    ids = sorted(set(staff_ids))
    if not ids or not CAPACITY_LOCK or not row_locks():
        return
    organization = single_scope()
    with _busy_is_a_conflict("staff member"):
        if organization is None:  # across organisations: the plain statement
            list(_staff_for_update(organization=None, ids=ids, scoped=False))
        else:
            _locked_staff(organization=organization, ids=ids)


def lock_qualified_staff(service) -> None:
    """Lock the rows of everyone qualified for `service`, in id order: automatic assignment
    then counts and chooses among them with nobody's workload moving meanwhile."""
    if not CAPACITY_LOCK or not row_locks():
        return
    with _busy_is_a_conflict("staff member"):
        _locked_qualified(
            organization=service.organization_id, skill=service.skill_id, service=service.pk
        )


def _qualified_for_update(*, organization, skill, service):
    staff = staff_qualified(organization=organization, skill=skill, service=service)
    return staff.select_for_update(of=("self",), no_key=True).order_by("pk").values_list("pk")


_locked_qualified = Prepared(_qualified_for_update)


def _staff_for_update(*, organization, ids, scoped=True):
    staff = StaffMember.objects.select_for_update(no_key=True).filter(pk__in=ids)
    if scoped:
        staff = staff.filter(organization=organization)
    return staff.order_by("pk").values_list("pk")


_locked_staff = Prepared(_staff_for_update)


def lock_slot(pk) -> BookingSlot:
    """The slot and its provider's row, locked (provider first: two bookings of one
    provider's overlapping slots of different services serialise). A slot removed
    meanwhile is a NotFound."""
    with _busy_is_a_conflict("slot"):
        slot = BookingSlot.objects.select_related("service").filter(pk=pk).first()
        if slot is None:
            raise NotFound("No such slot.")
        if not SLOT_LOCK:
            return slot
        # NO KEY UPDATE: it serialises bookings of one provider, yet lets maintenance write
        # rows that merely refer to the provider (its run, its memo) while it holds slots;
        # a plain FOR UPDATE would wait on those and deadlock with it.
        provider = StaffMember.objects.select_for_update(no_key=True).filter(pk=slot.provider_id)
        list(provider.values_list("pk"))
        slot = (
            BookingSlot.objects.select_for_update(of=("self",))
            .select_related("service")
            .filter(pk=pk)
            .first()
        )
    if slot is None:
        raise NotFound("No such slot.")
    return slot
