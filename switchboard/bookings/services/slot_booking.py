"""Booking a slot: who may, the times it gives, and its seats under the lock.

The slot row (and its provider's) is locked, its active bookings recounted, and only then
is the booking written: never over the slot's capacity (docs/slots.md).
"""

import logging
from datetime import timedelta

from django.db import transaction

from switchboard.accounts.permissions import CUSTOMER, acting_role, may, require
from switchboard.bookings import lock_objects
from switchboard.bookings.slot_sources import busy_intervals
from switchboard.common.clock import now
from switchboard.common.errors import Conflict, Forbidden, InvalidInput
from switchboard.common.tenancy import org_scope
from switchboard.slots import services as slot_services
from switchboard.slots.events import emit_slot_updated
from switchboard.slots.selectors import slot_row
from switchboard.slots.sources import counts_of

logger = logging.getLogger(__name__)


def check_who(organization, acting_user, *, customer, extras: dict):
    """The customer the booking is for. Managers book for anyone (`bookings.create`);
    other members book a slot (`bookings.book_slot`) for themselves as customers, or,
    as staff, for a named walk-in, without the managers' extras."""
    role = acting_role(organization, acting_user)
    if may(role, "bookings.create"):
        return customer
    require(organization, acting_user, "bookings.book_slot")
    if any(extras.values()):
        raise Forbidden()
    return acting_user if role == CUSTOMER else customer


def slot_times(slot, service):
    if service is not None and service.pk != slot.service_id:
        raise InvalidInput({"service": "The slot is for another service."})
    return slot.service, slot.starts_at, slot.ends_at


def check_assignee(slot, assignee) -> None:
    if assignee is not None and assignee.pk != slot.provider_id:
        raise InvalidInput({"assignee": "A slot's booking is done by the slot's provider."})


def seats_taken_before(slot) -> int:
    """The count read before the transaction: all an unlocked booking has to go on."""
    if lock_objects.SLOT_LOCK:
        return 0
    return counts_of(type(slot).objects.filter(pk=slot.pk)).get(slot.pk, 0)


def _provider_busy(organization, slot) -> bool:
    service = slot.service
    lo = slot.starts_at - timedelta(minutes=service.buffer_before_minutes)
    hi = slot.ends_at + timedelta(minutes=service.buffer_after_minutes)
    found: dict = {}
    busy_intervals(organization, [slot.provider_id], lo - timedelta(days=2), None, found)
    return any(
        b.lo < hi
        and b.hi > lo
        and (b.service_id, b.slot_start) != (slot.service_id, slot.starts_at)
        for b in found.get(slot.provider_id, [])
    )


def hold(organization, slot, *, stale_count: int):
    """Under the transaction: lock, recount, refuse a full, started or too-near slot, or
    a provider busy then with another booking. Returns the locked slot."""
    slot = lock_objects.lock_slot(slot.pk)
    if lock_objects.SLOT_LOCK:
        booked = counts_of(type(slot).objects.filter(pk=slot.pk)).get(slot.pk, 0)
    else:
        booked = stale_count
    if booked >= slot.capacity:
        raise Conflict("This slot is full.", slot_id=slot.pk, capacity=slot.capacity, booked=booked)
    notice = timedelta(minutes=slot.service.min_notice_minutes)
    if slot.starts_at < now() + notice:
        raise Conflict("This slot can no longer be booked.", slot_id=slot.pk)
    if lock_objects.SLOT_LOCK and _provider_busy(organization, slot):
        raise Conflict("The provider is busy at that time.", slot_id=slot.pk)
    return slot


def announce(organization, slot) -> None:
    """In the transaction: the slot's seats as they are now. After commit: the provider's
    window again, so overlapping slots of their other services go."""
    emit_slot_updated(organization, slot_row(slot))
    provider = slot.provider
    transaction.on_commit(lambda: refresh_provider(organization, provider))


def refresh_provider(organization, provider) -> None:
    try:
        with org_scope(organization):
            slot_services.regenerate(organization, provider=provider)
    except Exception:
        # The booking is made; the daily run will tidy the window.
        logger.exception("slot_refresh_failed org=%s provider=%s", organization.slug, provider.pk)
