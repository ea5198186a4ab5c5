"""Building blocks for slots tests: a provider offering a service, availability written
straight to the table (so a test decides when maintenance runs), local times."""

from datetime import datetime, time, timedelta

from switchboard.catalog.models import Service
from switchboard.common.tenancy import org_scope
from switchboard.slots import services
from switchboard.slots.models import AvailabilityException, BookingSlot, ProviderAvailability
from tests.bookings.factories import car_wash, staff_with


def offering(org, **service_values):
    """A provider and a service only they offer (60 minutes unless told)."""
    provider = staff_with(org, "employee")
    service = car_wash(org, **service_values)
    service.providers.set([provider])
    return provider, service


def weekly(org, staff, weekday, start, end):
    return ProviderAvailability.objects.create(
        organization=org, staff=staff, weekday=weekday, start_time=parse(start), end_time=parse(end)
    )


def every_day(org, staff, start, end):
    for weekday in range(7):
        weekly(org, staff, weekday, start, end)


def day_off(org, day, staff=None, hours=None):
    start, end = hours or (None, None)
    return AvailabilityException.objects.create(
        organization=org,
        staff=staff,
        date=day,
        is_off=hours is None,
        start_time=parse(start) if start else None,
        end_time=parse(end) if end else None,
    )


def parse(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def maintain(org, **options):
    with org_scope(org):
        return services.slots_maintain(organization=org, acting_user=None, **options)


def local_starts(org, service=None, provider=None) -> list[str]:
    """Each slot's local start, `YYYY-MM-DD HH:MM`, in order."""
    qs = BookingSlot.objects.filter(organization=org).order_by("starts_at")
    if service is not None:
        qs = qs.filter(service=service)
    if provider is not None:
        qs = qs.filter(provider=provider)
    zone = org.tzinfo
    return [f"{s.starts_at.astimezone(zone):%Y-%m-%d %H:%M}" for s in qs]


def local(org, text: str) -> datetime:
    """An aware datetime from a local `YYYY-MM-DD HH:MM` in the organisation's zone."""
    return datetime.fromisoformat(text).replace(tzinfo=org.tzinfo)


def hours(day: str, first: int, last: int, step: int = 1) -> list[str]:
    return [f"{day} {h:02d}:00" for h in range(first, last + 1, step)]


def set_zone(org, zone: str):
    org.timezone = zone
    org.save(update_fields=["timezone"])
    return org


def refresh(service: Service) -> Service:
    service.refresh_from_db()
    return service


ONE_DAY = timedelta(days=1)
