"""The one ASGI application uvicorn serves, routed by path.

- WebSocket `/app/{key}` and HTTP `/apps/{app_id}/…` (plus the `pusher` library's
  `/users/{id}/terminate_connections`) go to the real-time server;
- everything else goes to Django;
- the lifespan protocol starts the real-time server, then the hooks apps registered in
  `switchboard.lifespan` (the job runner, for example); shutdown runs them in reverse and
  closes WebSocket clients with 4200 so that they reconnect at once.
"""

import asyncio
import logging
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")
django.setup(set_prefix=False)  # as get_asgi_application() does

from switchboard.common.asgi_handler import SyncChainHandler  # noqa: E402 - after set-up

django_application = SyncChainHandler()

from django.conf import settings  # noqa: E402 - after set-up

from switchboard.common.long_lived import set_aside_startup_objects  # noqa: E402
from switchboard.common.request_slots import RequestSlots  # noqa: E402

django_application = RequestSlots(django_application, settings.REQUEST_SLOTS)

from switchboard import lifespan as hooks  # noqa: E402 - needs Django set up
from switchboard.realtime.server.app import get_server  # noqa: E402
from switchboard.realtime.server.signals import install_shutdown_signals  # noqa: E402

logger = logging.getLogger(__name__)


def is_realtime(scope) -> bool:
    path = scope.get("path", "")
    if scope["type"] == "websocket":
        return path.startswith("/app/")
    return path.startswith("/apps/") or (
        path.startswith("/users/") and path.endswith("/terminate_connections")
    )


async def application(scope, receive, send):
    kind = scope["type"]
    if kind == "lifespan":
        await serve_lifespan(receive, send)
    elif kind in ("http", "websocket") and is_realtime(scope):
        await get_server()(scope, receive, send)
    elif kind == "websocket":
        # No other WebSocket endpoint: refuse the upgrade (HTTP 403).
        await receive()
        await send({"type": "websocket.close", "code": 4005})
    else:
        await django_application(scope, receive, send)


def set_aside_what_startup_made() -> None:
    """Import every view now rather than at its first request, then set aside from the
    garbage collector all that startup loaded (common/long_lived.py)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import of every view is the point
    set_aside_startup_objects()


async def serve_lifespan(receive, send):
    server = get_server()
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await server.start()
                install_shutdown_signals(server)
                # Hooks are plain functions that may touch the database: not on the loop.
                await asyncio.to_thread(hooks.run_startup)
                set_aside_what_startup_made()
            except Exception as exc:
                logger.exception("startup_failed")
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await asyncio.to_thread(hooks.run_shutdown)
            except Exception:
                logger.exception("shutdown_hook_failed")
            await server.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
