import asyncio

import pytest

from tests.support.wait import wait_until, wait_until_async


def test_wait_until_returns_what_the_predicate_returned_once_true():
    answers = iter([None, 0, "ready"])
    assert wait_until(lambda: next(answers), interval=0) == "ready"


def test_wait_until_tries_once_more_at_the_deadline_then_fails():
    calls = []
    with pytest.raises(AssertionError, match="not met within 0 s"):
        wait_until(lambda: calls.append(1), timeout=0)
    assert len(calls) == 1


def test_wait_until_async_lets_the_loop_run_while_it_waits():
    async def scenario():
        done = asyncio.Event()
        asyncio.get_running_loop().call_soon(done.set)
        return await wait_until_async(done.is_set)

    assert asyncio.run(scenario()) is True
