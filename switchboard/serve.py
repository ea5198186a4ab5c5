"""Serve the application with several uvicorn workers, each on a listening socket of its own.

    python -m switchboard.serve switchboard.asgi:application --workers 2 --port 8000

uvicorn's own `--workers` gives every worker the same listening socket. A worker that wakes
up takes every connection waiting at that moment (asyncio accepts up to the backlog in one
go), and a kept-alive connection stays with the worker that took it; so the connections of a
reverse proxy, or of any client that opens a few at once, end up on one worker while the
others idle (measured: one worker at 113 % CPU, the other at 0, docs/performance.md). Here
each worker binds its own socket with `SO_REUSEPORT`, and the kernel spreads new
connections over the workers evenly by their addresses.

Before the workers start, the port is bound once without `SO_REUSEPORT`, so that a port
already in use (another instance, anything else) fails at once as it would with uvicorn,
instead of silently sharing the traffic. A worker that dies is started again; a worker
whose supervisor dies (even by SIGKILL) stops, rather than hold the port for ever. The
supervisor's own lines have the workers' format (`LOG_FORMAT`, docs/deployment.md).
Linux only (`SO_REUSEPORT` balancing, the parent-death signal).
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time

from switchboard.common.logs import JsonFormatter

logger = logging.getLogger("switchboard.serve")

RESTART_PAUSE_S = 1.0
STARTUP_WAIT_S = 120.0
STOP_WAIT_S = 30.0
PR_SET_PDEATHSIG = 1
LOG_LEVELS = ["critical", "error", "warning", "info", "debug", "trace"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m switchboard.serve")
    parser.add_argument("app", help="module:attribute of the ASGI application")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--ws-max-size", type=int, default=16 * 1024 * 1024)
    parser.add_argument("--ws-per-message-deflate", choices=["true", "false"], default="true")
    parser.add_argument("--proxy-headers", dest="proxy_headers", action="store_true")
    parser.add_argument("--no-proxy-headers", dest="proxy_headers", action="store_false")
    parser.add_argument("--forwarded-allow-ips", default=None)
    parser.set_defaults(proxy_headers=True)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def uvicorn_options(args: argparse.Namespace) -> dict:
    return {
        "app": args.app,
        "log_level": args.log_level,
        "access_log": not args.no_access_log,
        "ws_max_size": args.ws_max_size,
        "ws_per_message_deflate": args.ws_per_message_deflate == "true",
        "proxy_headers": args.proxy_headers,
        "forwarded_allow_ips": args.forwarded_allow_ips,
    }


def listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def stop_with(supervisor: int) -> None:
    """SIGTERM this process when the supervisor dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:  # it died before the line above
        os.kill(os.getpid(), signal.SIGTERM)


def run_worker(options: dict, host: str, port: int, supervisor: int, barrier=None) -> None:
    """One worker: its own socket in the port's group, and uvicorn serving on it. The first
    workers load the application, then wait for one another, so that none listens alone
    and takes the first connections all to itself."""
    stop_with(supervisor)
    import uvicorn

    sock = listening_socket(host, port, shared=True)
    config = uvicorn.Config(**options)
    config.load()
    if barrier is not None:
        try:
            barrier.wait(timeout=STARTUP_WAIT_S)
        except threading.BrokenBarrierError:
            logger.warning("serve_start_alone pid=%d", os.getpid())
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.options = uvicorn_options(args)
        self.context = multiprocessing.get_context("spawn")
        self.workers: list = []
        self.barrier = None
        self.stopping = False

    def start_worker(self, barrier=None):
        process = self.context.Process(
            target=run_worker,
            args=(self.options, self.args.host, self.args.port, os.getpid(), barrier),
            name="switchboard-worker",
        )
        process.start()
        return process

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.barrier = self.context.Barrier(self.args.workers)
        self.workers = [self.start_worker(self.barrier) for _ in range(self.args.workers)]
        logger.info("serve_started workers=%d port=%d", len(self.workers), self.args.port)
        while not self.stopping:
            time.sleep(0.2)
            self.replace_dead()
        return self.shut_down()

    def replace_dead(self) -> None:
        for index, process in enumerate(self.workers):
            if self.stopping or process.is_alive():
                continue
            logger.warning(
                "worker_exited pid=%s status=%s restarting=1", process.pid, process.exitcode
            )
            # The others may be waiting for it at the barrier: they start without it.
            self.barrier.abort()
            time.sleep(RESTART_PAUSE_S)
            if not self.stopping:
                self.workers[index] = self.start_worker()

    def stop(self, signum, frame) -> None:
        self.stopping = True

    def shut_down(self) -> int:
        for process in self.workers:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_WAIT_S
        for process in self.workers:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        logger.info("serve_stopped workers=%d", len(self.workers))
        return 0


def configure_logging(level: str) -> None:
    """The supervisor's lines as the workers' (settings.LOGGING): key=value text, or one JSON
    object per line with LOG_FORMAT=json."""
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "text") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        text = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
        handler.setFormatter(logging.Formatter(text))
    logging.basicConfig(level="DEBUG" if level == "trace" else level.upper(), handlers=[handler])


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    configure_logging(args.log_level)
    try:
        listening_socket(args.host, args.port, shared=False).close()
    except OSError as error:
        logger.error("serve_refused port=%d reason=%s", args.port, error.strerror)
        return 1
    return Supervisor(args).run()


if __name__ == "__main__":
    sys.exit(main())
