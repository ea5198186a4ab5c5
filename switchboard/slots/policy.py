"""The effective automation settings of an organisation: `settings.TIME_SLOT_AUTOMATION`
with the organisation's overrides (`SlotAutomationSettings`, null fields inherit)."""

from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.utils.dateparse import parse_time

from switchboard.slots.models import SlotAutomationSettings

# model field -> settings key
KEYS = {
    "enabled": "ENABLED",
    "days_ahead": "DAYS_AHEAD",
    "cleanup_expired": "CLEANUP_EXPIRED",
    "preserve_booked_expired": "PRESERVE_BOOKED_EXPIRED",
    "daily_maintenance_time": "DAILY_MAINTENANCE_TIME",
    "max_slots_per_service": "MAX_SLOTS_PER_SERVICE",
    "batch_size": "BATCH_SIZE",
}


@dataclass(frozen=True)
class Policy:
    enabled: bool
    days_ahead: int
    cleanup_expired: bool
    preserve_booked_expired: bool
    daily_maintenance_time: time
    max_slots_per_service: int
    batch_size: int
    weekly_days_ahead: int
    weekly_weekday: int
    public_booking: bool

    def as_dict(self) -> dict:
        values = {field: getattr(self, field) for field in self.__dataclass_fields__}
        values["daily_maintenance_time"] = self.daily_maintenance_time.strftime("%H:%M")
        return values


def overrides_of(organization) -> SlotAutomationSettings | None:
    return SlotAutomationSettings.objects.filter(organization=organization).first()


def policy_of(organization, row: SlotAutomationSettings | None = None) -> Policy:
    base = settings.TIME_SLOT_AUTOMATION
    row = row if row is not None else overrides_of(organization)
    values = {}
    for field, key in KEYS.items():
        own = getattr(row, field, None) if row is not None else None
        values[field] = base[key] if own is None else own
    if isinstance(values["daily_maintenance_time"], str):
        values["daily_maintenance_time"] = parse_time(values["daily_maintenance_time"])
    return Policy(
        **values,
        weekly_days_ahead=base.get("WEEKLY_DAYS_AHEAD", 45),
        weekly_weekday=base.get("WEEKLY_WEEKDAY", 6),
        public_booking=bool(row and row.public_booking),
    )
