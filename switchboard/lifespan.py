"""Start-up and shut-down hooks of the served application.

Apps register here (in `AppConfig.ready`) what must run while uvicorn serves — the job
runner, for example. The hooks run only under the ASGI lifespan protocol, never in
management commands or tests that do not serve.
"""

from switchboard.common.hooks import Hooks

startup = Hooks("lifespan_startup")
shutdown = Hooks("lifespan_shutdown")


def run_startup() -> None:
    startup.run()


def run_shutdown() -> None:
    # Reverse order: what started last stops first.
    shutdown.run(reverse=True)
