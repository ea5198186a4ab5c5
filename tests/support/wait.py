"""Wait for a condition, never for a length of time.

A test that sleeps a fixed time before checking, or counts what happened within a second,
fails on a busy machine: CI runs on whatever machine is free. Wait instead for the thing
the test is about, with a timeout so generous that only a real failure reaches it (a slow
machine only makes the wait longer). Timings belong in `bench/`.
"""

import asyncio
import time

# Long enough for a loaded two-core machine; a passing test never waits this long.
TIMEOUT = 30.0


def wait_until(predicate, timeout: float = TIMEOUT, interval: float = 0.02):
    """Call `predicate` until it returns something true, and return that.

    Fails with an AssertionError once `timeout` seconds have passed; the predicate is
    always tried once more at the deadline, so a slow poll cannot miss a late success.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


async def wait_until_async(predicate, timeout: float = TIMEOUT, interval: float = 0.02):
    """`wait_until` inside a coroutine: the event loop keeps running while it waits."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
