"""Soak: the production shape under a mixed load for minutes; is memory flat after warm-up?

    .venv/bin/python bench/soak.py                 # 10 minutes
    .venv/bin/python bench/soak.py --minutes 3 --writers 6 --listeners 6

Starts what `tests/e2e/test_faults.py` starts (its helpers: `tests/e2e/production.py`,
`tests/e2e/load.py`): a throwaway PostgreSQL and Redis, and `scripts/serve.sh` with
`--workers` uvicorn workers and a separate `run_scheduler`. Then, for `--minutes`:
`--writers` API clients in a loop (bookings; every 5th request a 1-minute session that
ends 20 s later on a free machine, expired by the scheduler; every 7th a bookings list)
and `--listeners` Pusher subscribers on the managers' and the organisation's channels.

Prints one JSON line: requests per second and p50/p99 latency after warm-up (the first
`--warmup` fraction of the run), errors (5xx or no answer), events received, and each
server process's resident memory at the end of warm-up and at the end (KiB), with the
growth of their sum.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")

import django  # noqa: E402

django.setup()

from tests.e2e.load import Listeners, Load  # noqa: E402
from tests.e2e.production import Stack, rss_kib  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def memory(stack) -> dict[str, int]:
    names = {pid: f"worker-{n}" for n, pid in enumerate(stack.worker_pids())}
    if stack.scheduler_pid():
        names[stack.scheduler_pid()] = "scheduler"
    return {name: rss_kib(pid) for pid, name in names.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=0.2, help="fraction of the run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--listeners", type=int, default=6)
    args = parser.parse_args()

    stack = Stack(workers=args.workers, resources=60).start()
    try:
        org = stack.seed["org"]
        channels = [f"private-org-{org}.managers", f"private-org-{org}"] * (args.listeners // 2)
        listeners = Listeners(stack, channels).start()
        load = Load(stack, threads=args.writers).start()
        began = time.monotonic()
        total = args.minutes * 60
        time.sleep(total * args.warmup)
        warm_at = time.monotonic()
        warm_memory = memory(stack)
        time.sleep(max(0.0, total - (warm_at - began)))
        end_memory = memory(stack)
        load.stop()
        listeners.stop()
        ended = time.monotonic()
    finally:
        stack.stop()

    measured = [o for o in load.outcomes if o.started >= warm_at]
    answered = [o for o in measured if o.status is not None and o.status < 500]
    latencies = [o.took for o in answered]
    growth = sum(end_memory.values()) - sum(warm_memory.values())
    print(
        json.dumps(
            {
                "bench": "soak",
                "minutes": args.minutes,
                "workers": args.workers,
                "writers": args.writers,
                "listeners": args.listeners,
                "requests": len(load.outcomes),
                "requests_per_second": round(len(answered) / (ended - warm_at), 1),
                "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                "errors": len(measured) - len(answered),
                "by_kind": {
                    kind: sum(1 for o in answered if o.kind == kind)
                    for kind in ("booking", "session", "read")
                },
                "events_received": sum(len(li.seen()) for li in listeners.listeners),
                "rss_kib_after_warmup": warm_memory,
                "rss_kib_at_end": end_memory,
                "rss_growth_kib": growth,
                "rss_growth_percent": round(100 * growth / max(1, sum(warm_memory.values())), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
