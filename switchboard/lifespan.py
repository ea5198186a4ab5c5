"""Start-up and shut-down hooks of the served application.

Apps register here (in `AppConfig.ready`) what must run while uvicorn serves — the job
runner, for example. The hooks run only under the ASGI lifespan protocol, never in
management commands or tests that do not serve.
"""

from collections.abc import Callable

_startup: list[Callable[[], None]] = []
_shutdown: list[Callable[[], None]] = []


def on_startup(hook: Callable[[], None]) -> Callable[[], None]:
    if hook not in _startup:
        _startup.append(hook)
    return hook


def on_shutdown(hook: Callable[[], None]) -> Callable[[], None]:
    if hook not in _shutdown:
        _shutdown.append(hook)
    return hook


def run_startup() -> None:
    for hook in list(_startup):
        hook()


def run_shutdown() -> None:
    # Reverse order: what started last stops first.
    for hook in reversed(_shutdown):
        hook()
