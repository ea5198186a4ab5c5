"""Every write to bookings goes through these functions (one transaction each)."""

from switchboard.bookings.services.assignment import (
    booking_assign,
    booking_auto_assign,
    booking_set_driver,
    booking_unassign,
)
from switchboard.bookings.services.booking import (
    booking_create,
    booking_delete,
    booking_transition,
    booking_update,
)
from switchboard.bookings.services.reschedule import booking_reschedule
from switchboard.bookings.services.sessions import session_extend, session_start
from switchboard.bookings.services.sessions_end import session_cancel, session_end
from switchboard.bookings.services.sessions_sweep import sessions_complete_due, sessions_sync

__all__ = [
    "booking_assign",
    "booking_auto_assign",
    "booking_create",
    "booking_delete",
    "booking_reschedule",
    "booking_set_driver",
    "booking_transition",
    "booking_unassign",
    "booking_update",
    "session_cancel",
    "session_end",
    "session_extend",
    "session_start",
    "sessions_complete_due",
    "sessions_sync",
]
