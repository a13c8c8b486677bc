"""The same-process baseline timer the benchmarks share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], rounds: int) -> float:
    """The fastest of ``rounds`` calls of ``fn``, in seconds (the least disturbed run)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
