"""What slots need to know about bookings, which live in the app above this one.

The bookings app registers one provider on each list from its `AppConfig.ready()`
(docs/decisions.md, "Slots below bookings"). Each hook fills the dict it is given.
"""

from datetime import datetime

from switchboard.common.hooks import Hooks

# hook(organization, staff_ids, start, end, into): for each staff id, the active bookings
# that occupy them after `start` (and before `end`, unless None), as `generation.Busy`
# (their service's buffers included).
busy_intervals = Hooks("slots.busy_intervals")

# hook(slots_queryset, into): {slot id: the number of active bookings that hold it}.
booked_counts = Hooks("slots.booked_counts")


def busy_of(organization, staff_ids, start: datetime, end: datetime | None) -> dict:
    found: dict = {pk: [] for pk in staff_ids}
    busy_intervals.run(organization, list(staff_ids), start, end, found)
    for intervals in found.values():
        intervals.sort(key=lambda item: item.hi)
    return found


def counts_of(slots) -> dict[int, int]:
    """{slot id: booked} for the slots of a queryset (absent: none)."""
    found: dict[int, int] = {}
    booked_counts.run(slots, found)
    return found
