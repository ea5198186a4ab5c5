"""Driver status, derived from attendance, offers and bookings: never stored.

In this order: `off_duty` (not clocked in, or on a break: never offered work), `busy` (the
driver of a booking in one of its workflow's driver states), `offered` (a pending offer
that has not expired), `available`.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from switchboard.bookings.models import Booking
from switchboard.bookings.selectors import driver_counts
from switchboard.dispatch.models import Answer, PickupOffer
from switchboard.staff.attendance.models import Break, ClockLog
from switchboard.staff.models import StaffMember

OFF_DUTY, AVAILABLE, OFFERED, BUSY = "off_duty", "available", "offered", "busy"
STATUSES = (AVAILABLE, OFFERED, BUSY, OFF_DUTY)
DRIVER_SKILL = "driver"


def drivers(organization) -> QuerySet:
    """The organisation's active staff with the `driver` skill."""
    return StaffMember.objects.filter(
        organization=organization, is_active=True, skills__slug=DRIVER_SKILL
    ).distinct()


def on_duty_q(staff_ref) -> Exists:
    open_break = Break.objects.filter(log=OuterRef("pk"), ended_at__isnull=True)
    return Exists(
        ClockLog.objects.filter(staff=staff_ref, clock_out_at__isnull=True).exclude(
            Exists(open_break)
        )
    )


def busy_q(staff_ref) -> Exists:
    return Exists(Booking.objects.filter(Q(driver=staff_ref) & driver_counts()))


def offered_q(staff_ref, at: datetime) -> Exists:
    return Exists(
        PickupOffer.objects.filter(driver=staff_ref, answer=Answer.PENDING, expires_at__gt=at)
    )


def with_status_flags(staff: QuerySet, at: datetime) -> QuerySet:
    """Annotate `on_duty`, `is_busy`, `is_offered`: three EXISTS, one query."""
    ref = OuterRef("pk")
    return staff.annotate(
        on_duty=on_duty_q(ref), is_busy=busy_q(ref), is_offered=offered_q(ref, at)
    )


def status_from(on_duty: bool, busy: bool, offered: bool) -> str:
    if not on_duty:
        return OFF_DUTY
    if busy:
        return BUSY
    if offered:
        return OFFERED
    return AVAILABLE


def available(staff: QuerySet, at: datetime) -> QuerySet:
    """Only those who may be offered work now."""
    ref = OuterRef("pk")
    return staff.filter(on_duty_q(ref)).exclude(busy_q(ref)).exclude(offered_q(ref, at))


def driver_status(staff, at: datetime) -> str:
    row = with_status_flags(StaffMember.objects.filter(pk=staff.pk), at).get()
    return status_from(row.on_duty, row.is_busy, row.is_offered)


def flags_of(staff_id, at: datetime, *, except_booking=None) -> tuple[bool, bool, bool]:
    """(on duty, busy, offered) of one staff member, read now; an offer of
    `except_booking` does not count (the driver may take the pickup they are offered)."""
    offers = PickupOffer.objects.filter(
        driver_id=staff_id, answer=Answer.PENDING, expires_at__gt=at
    )
    if except_booking is not None:
        offers = offers.exclude(booking_id=except_booking)
    row = (
        StaffMember.objects.filter(pk=staff_id)
        .annotate(on_duty=on_duty_q(staff_id), is_busy=busy_q(staff_id), is_offered=Exists(offers))
        .values_list("on_duty", "is_busy", "is_offered")
        .first()
    )
    return tuple(row) if row else (False, False, False)


def is_driver(staff) -> bool:
    return staff.is_active and staff.skills.filter(slug=DRIVER_SKILL).exists()
