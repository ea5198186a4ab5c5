"""The nearest available driver, fast: one hand-written query per search box.

The same rule as `status.py` (on duty and not on a break, not driving, no offer in flight)
and the same fresh-position rule as `selectors.available_positions`, in plain SQL that
SQLite and PostgreSQL both run: building the equivalent ORM query costs more than running
it, and this search runs for every auto-assignment and every pending pickup on the board.
`tests/dispatch/test_stateful.py` checks that both say the same after every step.
"""

from django.db import connection

from switchboard.bookings.workflows import WORKFLOWS
from switchboard.staff.models import StaffMember


def _driving() -> tuple[str, list]:
    parts, params = [], []
    for wf in WORKFLOWS.values():
        if wf.driver_active:
            states = sorted(wf.driver_active)
            parts.append(f"(b.workflow = %s AND b.status IN ({', '.join(['%s'] * len(states))}))")
            params += [wf.name, *states]
    return " OR ".join(parts) or "1 = 0", params


DRIVING_SQL, DRIVING_PARAMS = _driving()

SQL = f"""
SELECT p.staff_id, p.lat, p.lng,
       (p.lat - %s) * (p.lat - %s) + (p.lng - %s) * (p.lng - %s) * %s AS flat
FROM dispatch_driverposition p
JOIN staff_staffmember s ON s.id = p.staff_id
WHERE p.organization_id = %s AND p.at >= %s
  AND p.lat BETWEEN %s AND %s AND p.lng BETWEEN %s AND %s
  AND s.is_active = %s
  AND EXISTS (SELECT 1 FROM staff_staffmember_skills ss
              JOIN staff_skill k ON k.id = ss.skill_id
              WHERE ss.staffmember_id = s.id AND k.slug = 'driver')
  AND EXISTS (SELECT 1 FROM staff_clocklog l
              WHERE l.staff_id = s.id AND l.clock_out_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM staff_break r
                                WHERE r.log_id = l.id AND r.ended_at IS NULL))
  AND NOT EXISTS (SELECT 1 FROM bookings_booking b
                  WHERE b.driver_id = s.id AND ({DRIVING_SQL}))
  AND NOT EXISTS (SELECT 1 FROM dispatch_pickupoffer o
                  WHERE o.driver_id = s.id AND o.answer = 'pending' AND o.expires_at > %s)
  {{exclude}}
ORDER BY flat, p.staff_id
LIMIT %s
"""


def positions_in_box(organization_id, *, lat, lng, box, scale, fresh_after, at, exclude, limit):
    """[(staff_id, lat, lng)] of available drivers in `box` (lat_lo, lat_hi, lng_lo,
    lng_hi), by flat-earth distance to (lat, lng)."""
    exclude = sorted(set(exclude))
    clause = f"AND p.staff_id NOT IN ({', '.join(['%s'] * len(exclude))})" if exclude else ""
    ops = connection.ops
    params = [lat, lat, lng, lng, scale, organization_id]
    params += [ops.adapt_datetimefield_value(fresh_after), *box, True, *DRIVING_PARAMS]
    params += [ops.adapt_datetimefield_value(at), *exclude, limit]
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(exclude=clause), params)
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def staff_by_id(ids) -> dict[int, StaffMember]:
    rows = StaffMember.objects.select_related("user").filter(pk__in=list(ids)).order_by()
    return {person.pk: person for person in rows}
