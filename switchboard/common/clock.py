"""The one clock. Code asks `now()`; tests move time with `frozen_at()`.

The override is process-wide on purpose: a test freezes time for the request handler
thread of a live server as well as for its own thread.
"""

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_override: datetime | None = None


def now() -> datetime:
    override = _override
    if override is not None:
        return override
    return timezone.now()


def _set(value: datetime | None) -> None:
    global _override
    if value is not None and timezone.is_naive(value):
        raise ValueError("the clock only holds aware datetimes")
    with _lock:
        _override = value


@contextmanager
def frozen_at(moment: datetime):
    """Pin `now()` to `moment` inside the block; `advance()` moves it on."""
    previous = _override
    _set(moment)
    try:
        yield
    finally:
        _set(previous)


def advance(delta: timedelta) -> datetime:
    if _override is None:
        raise RuntimeError("advance() needs a frozen clock")
    _set(_override + delta)
    return _override
