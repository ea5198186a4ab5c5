"""A fixed number of Django requests at work per process, admitted first come, first served.

Under ASGI Django runs each request's sync code in a thread of its own, so a process under
load has as many threads as requests in flight, all taking turns at one GIL. A request that
holds a row lock (or SQLite's write lock) then gets a thirty-second share of the CPU and
holds the lock thirty times as long: everyone behind it waits, and who gets the lock next
is luck. Admitting a few requests at a time, in arrival order, keeps lock holders quick
and waits fair (docs/performance.md, "Request slots").

A slot is taken once the request's body has arrived (a slow upload does not hold one) and
given back when the response starts (a slow reader does not hold one either).
"""

import asyncio


class RequestSlots:
    """ASGI middleware: at most `size` HTTP requests in Django's hands at once."""

    def __init__(self, app, size: int):
        self.app = app
        self.size = size
        self._slots: asyncio.Semaphore | None = None

    def slots(self) -> asyncio.Semaphore:
        # Made on first use: the semaphore belongs to the event loop that serves.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        return self._slots

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.size <= 0:
            await self.app(scope, receive, send)
            return
        slot = _Slot(self.slots())
        try:
            await self.app(scope, slot.wrap_receive(receive), slot.wrap_send(send))
        finally:
            slot.give_back()


class _Slot:
    def __init__(self, semaphore: asyncio.Semaphore):
        self.semaphore = semaphore
        self.held = False
        self.done = False

    def wrap_receive(self, receive):
        async def receive_then_wait():
            message = await receive()
            whole = message["type"] == "http.request" and not message.get("more_body")
            if whole and not self.held and not self.done:
                await self.semaphore.acquire()
                self.held = True
            return message

        return receive_then_wait

    def wrap_send(self, send):
        async def send_and_release(message):
            if message["type"] == "http.response.start":
                self.give_back()
            await send(message)

        return send_and_release

    def give_back(self):
        self.done = True
        if self.held:
            self.held = False
            self.semaphore.release()
