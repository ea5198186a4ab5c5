"""Close WebSocket clients with 4200 the moment the process is told to stop.

uvicorn answers SIGTERM/SIGINT by closing every open WebSocket with 1012 before the
lifespan shutdown runs, so a 4200 ("reconnect at once", PUSHER_PROTOCOL.md §5) sent from
the lifespan would come too late. The server's close goes out from the signal itself, then
the previous handler (uvicorn's) runs as before.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from switchboard.realtime.server.interface import Stoppable


def install_shutdown_signals(server: Stoppable) -> None:
    if threading.current_thread() is not threading.main_thread() or server.loop is None:
        return
    loop = server.loop
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(signum)

        def handler(number, frame, previous=previous):
            loop.call_soon_threadsafe(server.begin_shutdown)
            if callable(previous):
                previous(number, frame)
            elif previous == signal.SIG_DFL:
                # No server handler to pass on to: let the close frames go out, then die
                # of the signal as the process would have.
                loop.call_soon_threadsafe(loop.call_later, 0.2, _die_of, number)

        signal.signal(signum, handler)


def _die_of(signum: int) -> None:
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
