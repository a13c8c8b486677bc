"""Client-side limits: the run's budget and per-backend rate limits.

Why client-side: a provider's 429 arrives after the request was made; a token bucket that
knows the configured requests and tokens per minute slows the run down *before* that, and a
budget that reserves each call's worst case stops the run before it overspends, even with
many calls in flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from digestkit.errors import BudgetExceeded

__all__ = ["Budget", "RateLimiter", "estimate_tokens"]


def estimate_tokens(text: str) -> int:
    """A deliberately high token estimate (UTF-8 bytes / 3): safe for budgets and limits.

    >>> estimate_tokens("hello world"), estimate_tokens("日本語")
    (3, 3)
    """
    return max(1, len(text.encode("utf-8")) // 3)


class Budget:
    """Money left for this run (``max_cost`` 0 = unlimited); thread-safe reservations."""

    def __init__(self, max_cost: float = 0.0) -> None:
        self.max_cost = max_cost
        self.spent = 0.0
        self._reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> None:
        with self._lock:
            if self.max_cost and self.spent + self._reserved + amount > self.max_cost:
                raise BudgetExceeded(
                    f"budget of ${self.max_cost:.4f} reached (spent ${self.spent:.4f}; the "
                    f"next call may cost up to ${amount:.4f}); raise [budget] max_cost to go on"
                )
            self._reserved += amount

    def settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self._reserved -= reserved
            self.spent += actual


class RateLimiter:
    """Requests and tokens per minute as two token buckets (0 = unlimited)."""

    def __init__(
        self,
        rpm: int,
        tpm: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rpm, self.tpm, self.clock, self.sleep = rpm, tpm, clock, sleep
        self._req, self._tok = float(rpm), float(tpm)
        self._last = clock()
        self._lock = threading.Lock()

    def _wait(self, tokens: int) -> float:
        now = self.clock()
        elapsed, self._last = now - self._last, now
        self._req = min(self.rpm, self._req + elapsed * self.rpm / 60)
        self._tok = min(self.tpm, self._tok + elapsed * self.tpm / 60)
        tokens = min(tokens, self.tpm) if self.tpm else 0
        need_r = 0.0 if not self.rpm or self._req >= 1 else (1 - self._req) * 60 / self.rpm
        need_t = (
            0.0 if not self.tpm or self._tok >= tokens else (tokens - self._tok) * 60 / self.tpm
        )
        wait = max(need_r, need_t)
        if wait == 0:
            self._req -= 1 if self.rpm else 0
            self._tok -= tokens
        return wait

    def acquire(self, tokens: int = 0) -> None:
        while True:
            with self._lock:
                wait = self._wait(tokens)
            if wait <= 0:
                return
            self.sleep(wait)
