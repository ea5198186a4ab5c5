"""A tiny ASGI application for the tests of `switchboard.serve`: every HTTP request is
answered with the answering process's id, so that a test tells the workers apart without
Django or a database.

With PID_APP_FAIL_ONCE=<path>, the first process to import it creates that file and exits
with status 3 (a worker that dies while the application loads); the others load as usual.
"""

import os


def fail_once(path: str) -> None:
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return
    os._exit(3)


if os.environ.get("PID_APP_FAIL_ONCE"):
    fail_once(os.environ["PID_APP_FAIL_ONCE"])


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
    elif scope["type"] == "http":
        body = str(os.getpid()).encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
