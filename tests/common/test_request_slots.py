"""Request slots: at most N requests in the application at once, let in in arrival order,
a slot taken once the body has arrived and given back when the response starts."""

import asyncio

import pytest

from switchboard.common.request_slots import RequestSlots


class Application:
    """Records who is inside; each request stays until the test lets it answer."""

    def __init__(self):
        self.inside: list[str] = []
        self.entered: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope, receive, send):
        await receive()  # the body, as Django reads it first
        name = scope["path"]
        self.inside.append(name)
        self.entered.append(name)
        self.release[name] = asyncio.Event()
        await self.release[name].wait()
        self.inside.remove(name)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def request(app, path, sent):
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append((path, message["type"]))

    return asyncio.create_task(app({"type": "http", "path": path}, receive, send))


async def until(condition):
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition not met")


def test_two_at_a_time_let_in_in_arrival_order():
    async def scenario():
        inner = Application()
        app, sent = RequestSlots(inner, 2), []
        tasks = [request(app, f"/{n}", sent) for n in range(5)]
        await until(lambda: len(inner.entered) == 2)
        assert inner.entered == ["/0", "/1"]
        for n in range(5):
            await until(lambda n=n: f"/{n}" in inner.release)
            assert len(inner.inside) <= 2
            inner.release[f"/{n}"].set()
        await asyncio.gather(*tasks)
        assert inner.entered == ["/0", "/1", "/2", "/3", "/4"]
        assert [p for p, kind in sent if kind == "http.response.body"] == inner.entered

    asyncio.run(scenario())


def test_no_limit_and_other_protocols_pass_straight_through():
    async def scenario():
        inner = Application()
        unlimited, sent = RequestSlots(inner, 0), []
        tasks = [request(unlimited, f"/{n}", sent) for n in range(4)]
        await until(lambda: len(inner.entered) == 4)
        for event in inner.release.values():
            event.set()
        await asyncio.gather(*tasks)

        seen = []

        async def websocket_app(scope, receive, send):
            seen.append(scope["type"])

        await RequestSlots(websocket_app, 1)({"type": "websocket"}, None, None)
        assert seen == ["websocket"]

    asyncio.run(scenario())


def test_a_request_that_fails_gives_its_slot_back():
    async def failing(scope, receive, send):
        await receive()
        raise RuntimeError("boom")

    async def scenario():
        app = RequestSlots(failing, 1)
        for _ in range(3):  # with the slot kept, the second would wait for ever
            with pytest.raises(RuntimeError, match="boom"):
                await asyncio.wait_for(request(app, "/x", []), timeout=30)
        assert app.slots()._value == 1

    asyncio.run(scenario())
