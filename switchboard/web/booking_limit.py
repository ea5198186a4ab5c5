"""The rate limit of anonymous bookings on the public booking page, per client address.

`PUBLIC_BOOKING_RATE` ("10/hour"; units second, minute, hour, day) counts every booking
attempt an anonymous visitor sends from one address to one organisation, in fixed windows
kept in Django's cache. With the default local-memory cache each server process counts on
its own; a shared cache (Redis) makes the limit hold across processes.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.cache import cache

from switchboard.common.proxies import client_ip

logger = logging.getLogger(__name__)

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """ "10/hour" -> Rate(10, 3600); a bad value is a configuration error, raised at once."""
    count, _, unit = text.partition("/")
    unit = unit.strip().rstrip("s")
    if not count.strip().isdigit() or unit not in UNITS:
        raise ValueError(f"PUBLIC_BOOKING_RATE {text!r}: give it as '<count>/<{'|'.join(UNITS)}>'.")
    return Rate(int(count), UNITS[unit])


@checks.register()
def check_rate(app_configs=None, **kwargs):
    try:
        parse_rate(settings.PUBLIC_BOOKING_RATE)
    except ValueError as exc:
        return [checks.Error(str(exc), id="web.E001")]
    return []


def retry_after(organization, request) -> int | None:
    """Count this attempt; None when it is within the rate, else the seconds to wait."""
    rate = parse_rate(settings.PUBLIC_BOOKING_RATE)
    window = int(time.time()) // rate.seconds
    address = client_ip(request) or "unknown"
    key = f"public-booking:{organization.pk}:{address}:{window}"
    # add() starts the window at 0 only if no one has; incr() is atomic in every backend.
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        attempts = cache.incr(key)
    except ValueError:  # evicted between add and incr: this attempt opens a new window
        cache.set(key, 1, timeout=rate.seconds + 1)
        attempts = 1
    if attempts <= rate.count:
        return None
    wait = rate.seconds - int(time.time()) % rate.seconds
    logger.info(
        "public_booking_limited org=%s address=%s attempts=%d retry_after=%d",
        organization.slug,
        address,
        attempts,
        wait,
    )
    return max(wait, 1)
