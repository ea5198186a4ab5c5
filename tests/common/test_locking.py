"""The cross-process lock: one holder at a time, a clear 409 for the next, free after."""

import threading

import pytest
from django.db import connection

from switchboard.common.locking import LockBusy, ProcessLock

LOCK = ProcessLock(name="test-lock", advisory_key=9_999_001)


class Busy(LockBusy):
    default_message = "The test work is running."


def _hold(held: threading.Event, release: threading.Event):
    try:
        with LOCK.hold(wait_seconds=0):
            held.set()
            release.wait(10)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_second_holder_waits_then_gets_the_running_error_and_may_take_it_after():
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(held, release))
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(Busy) as refused, LOCK.hold(wait_seconds=0.1, busy=Busy):
            pytest.fail("held by two at once")
        assert refused.value.status_code == 409
        assert refused.value.as_dict() == {"detail": "The test work is running.", "running": True}
    finally:
        release.set()
        holder.join(10)
    entered = False
    with LOCK.hold(wait_seconds=5):
        entered = True
    assert entered
