"""A staff member's position: the latest one kept, a bounded trail while on a task, the
driver's row sent to the board (throttled), and the arrival notices, once per pickup."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from switchboard.accounts.models import User
from switchboard.accounts.permissions import MANAGERS_AND_JOBS, require
from switchboard.common.clock import now
from switchboard.common.errors import Forbidden, InvalidInput
from switchboard.common.tenancy import in_scope, org_scoped
from switchboard.dispatch.eta import eta, haversine_m
from switchboard.dispatch.events import emit_driver_arrival
from switchboard.dispatch.models import DriverPosition, PickupRequest, PositionPoint
from switchboard.dispatch.selectors import current_tasks, settings_for
from switchboard.dispatch.services.assign import check_location
from switchboard.dispatch.services.updates import send_driver_update
from switchboard.staff.models import StaffMember
from switchboard.staff.selectors import staff_for_user

logger = logging.getLogger(__name__)

# A device clock a little ahead is tolerated; further ahead is a bad input.
FUTURE_TOLERANCE = timedelta(seconds=60)
# Before these, the driver is still on the way to the therapist.
APPROACHING = ("driver_assigned_pickup", "driver_en_route_pickup")


def _check(lat, lng, accuracy, heading, at, current) -> None:
    if lat is None or lng is None:
        raise InvalidInput({"location": "Give lat and lng."})
    check_location(lat, lng)
    if accuracy is not None and accuracy < 0:
        raise InvalidInput({"accuracy": "Must not be negative."})
    if heading is not None and not 0 <= heading <= 360:
        raise InvalidInput({"heading": "Must be between 0 and 360 degrees."})
    if at > current + FUTURE_TOLERANCE:
        raise InvalidInput({"at": "A position cannot be from the future."})


@org_scoped
def position_record(
    *,
    organization,
    staff: StaffMember,
    lat: float,
    lng: float,
    acting_user: User | None,
    accuracy: float | None = None,
    heading: float | None = None,
    at=None,
) -> DriverPosition:
    """A staff member reports where they are (their own position; jobs and managers may
    record anyone's). An older report than the one kept is stored in the trail only."""
    current = now()
    at = at or current
    role = require(organization, acting_user, "dispatch.position_own")
    staff = in_scope(staff)
    if role not in MANAGERS_AND_JOBS:
        me = staff_for_user(organization, acting_user)
        if me is None or me.pk != staff.pk:
            raise Forbidden("Staff can only share their own position.")
    _check(lat, lng, accuracy, heading, at, current)
    values = {"lat": lat, "lng": lng, "accuracy": accuracy, "heading": heading, "at": at}
    with transaction.atomic():
        position = DriverPosition.objects.select_for_update().filter(staff=staff).first()
        if position is None:
            position = DriverPosition.objects.create(
                organization=organization, staff=staff, **values
            )
        elif at >= position.at:
            for name, value in values.items():
                setattr(position, name, value)
            position.save(update_fields=list(values))
        task = current_tasks([staff.pk]).get(staff.pk)
        if task is not None:
            _keep_trail(organization, staff, task, values)
            _arrival(task, staff, position)
        send_driver_update(organization, staff.pk, at=current)
    return position


def _keep_trail(organization, staff, task, values) -> None:
    PositionPoint.objects.create(organization=organization, staff=staff, booking=task, **values)
    limit = settings.DISPATCH["HISTORY_LIMIT"]
    trail = PositionPoint.objects.filter(staff=staff, booking=task)
    old = trail.order_by("-at", "-pk").values_list("pk", flat=True)[limit:]
    if old:
        PositionPoint.objects.filter(pk__in=list(old)).delete()


def _arrival(task, driver, position) -> None:
    """'Arriving' when the ETA drops under the threshold, 'arrived' within the radius:
    each once per pickup (a conditional update decides, whatever the races)."""
    pickup = getattr(task, "pickup", None)
    if task.status not in APPROACHING or pickup is None or not pickup.has_location:
        return
    config = settings_for(task.organization)
    value = eta(config, position.lat, position.lng, pickup.lat, pickup.lng)
    straight = haversine_m(position.lat, position.lng, pickup.lat, pickup.lng)
    at = now()
    once = PickupRequest.objects.filter(pk=pickup.pk)
    arriving = value.minutes <= config.arriving_eta_minutes
    if arriving and once.filter(arriving_notified_at__isnull=True).update(arriving_notified_at=at):
        emit_driver_arrival(task, driver, "arriving", value.minutes)
    arrived = straight <= config.arrived_radius_m
    if arrived and once.filter(arrived_suggested_at__isnull=True).update(arrived_suggested_at=at):
        emit_driver_arrival(task, driver, "arrived", value.minutes)
