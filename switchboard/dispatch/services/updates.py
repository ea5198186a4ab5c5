"""`driver-update`: a driver's row as the board shows it, throttled per driver.

A change of status (assigned, offered, freed) always goes out; a position alone goes out
at most once per `driver_update_interval_seconds` per driver. The time of the last one is
kept on the driver's position row, so the throttle holds across processes.
"""

from datetime import timedelta

from switchboard.dispatch.events import emit_driver_update
from switchboard.dispatch.models import DriverPosition
from switchboard.dispatch.selectors import driver_rows, settings_for


def send_driver_update(organization, driver_id, *, at, force: bool = False) -> bool:
    """Emit the driver's row unless throttled; True when it went out."""
    position = DriverPosition.objects.filter(staff_id=driver_id).first()
    if not force and position is not None and position.update_sent_at is not None:
        interval = timedelta(seconds=settings_for(organization).driver_update_interval_seconds)
        if at - position.update_sent_at < interval:
            return False
    rows = driver_rows(organization, at=at, staff_ids=[driver_id])
    if not rows:
        return False
    row = rows[0]
    task = row["current_task"]
    emit_driver_update(organization, row, therapist_id=task["therapist_id"] if task else None)
    if position is not None:
        DriverPosition.objects.filter(pk=position.pk).update(update_sent_at=at)
    return True


def send_driver_updates(organization, driver_ids, *, at) -> int:
    """Every given driver's row, read in one go and sent (status changes: never held)."""
    rows = driver_rows(organization, at=at, staff_ids=list(driver_ids))
    for row in rows:
        task = row["current_task"]
        emit_driver_update(organization, row, therapist_id=task["therapist_id"] if task else None)
    DriverPosition.objects.filter(staff_id__in=list(driver_ids)).update(update_sent_at=at)
    return len(rows)
