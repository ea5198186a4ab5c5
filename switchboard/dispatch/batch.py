"""Batch assignment, as arithmetic on an ETA matrix (pickups x drivers).

What "best" means, in this order: serve as many urgent pickups as possible, then as many
pickups as possible, then the least total ETA. One rectangular assignment problem
(`scipy.optimize.linear_sum_assignment`, Jonker-Volgenant) solves it exactly: a pair that is
not allowed (out of the radius) costs more than any allowed plan, and a normal pickup costs
more than any plan's total ETA on top of its own, so that the solver prefers whatever
serves more urgent pickups. Because pickups a set of drivers can serve form a matroid, the
plan that serves the most urgent pickups also serves the most pickups.

`greedy` is what dispatch products do: urgent first, then oldest, each taking the nearest
driver still free. `key` orders plans by the rule above; the optimum's key is never above
greedy's (tests/dispatch/test_batch.py checks it against brute force).
"""

import numpy as np
from scipy.optimize import linear_sum_assignment

Pairs = list[tuple[int, int]]


def optimal(seconds: np.ndarray, allowed: np.ndarray, urgent: np.ndarray) -> Pairs:
    """The best plan: (pickup row, driver column) pairs."""
    rows, cols = seconds.shape
    if rows == 0 or cols == 0:
        return []
    most = float(seconds[allowed].max()) if allowed.any() else 0.0
    n = min(rows, cols)
    normal_penalty = n * most + 1
    forbidden = n * (normal_penalty + most) + 1
    cost = seconds + np.where(urgent, 0.0, normal_penalty)[:, None]
    cost = np.where(allowed, cost, forbidden)
    picked_rows, picked_cols = linear_sum_assignment(cost)
    return [
        (int(r), int(c)) for r, c in zip(picked_rows, picked_cols, strict=True) if allowed[r, c]
    ]


def greedy(seconds: np.ndarray, allowed: np.ndarray, order) -> Pairs:
    """Each pickup in `order` takes the nearest allowed driver still free."""
    taken: set[int] = set()
    pairs = []
    for row in order:
        choices = [c for c in np.argsort(seconds[row], kind="stable") if allowed[row, c]]
        free = next((int(c) for c in choices if int(c) not in taken), None)
        if free is not None:
            taken.add(free)
            pairs.append((int(row), free))
    return pairs


def total(seconds: np.ndarray, pairs: Pairs) -> int:
    return int(sum(seconds[r, c] for r, c in pairs))


def key(seconds: np.ndarray, urgent: np.ndarray, pairs: Pairs) -> tuple[int, int, int]:
    """Smaller is better: (-urgent served, -pickups served, total ETA)."""
    served_urgent = sum(1 for r, _ in pairs if urgent[r])
    return (-served_urgent, -len(pairs), total(seconds, pairs))
