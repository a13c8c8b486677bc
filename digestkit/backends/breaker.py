"""A circuit breaker per backend: closed, open, half-open with one probe.

Why not the old cooldown: one paper that used up its attempts put the whole backend in a
30 s cooldown, every other thread stalled or failed its paper without a single call, and
threads moving ``cooldown_until`` raced (a backend only cooling down was reported as
"disabled"). A breaker decides from the backend's *recent calls across all papers*:

- **closed**: calls go through; ``failures`` consecutive transient failures open it.
- **open** until ``retry_at``: no calls; papers go to the next backend of the route, or
  wait for the earliest ``retry_at`` within their deadline.
- **half-open** once ``retry_at`` has passed: exactly one caller gets the *probe*; its
  success closes the breaker, its failure opens it again for twice as long (capped).

A server asking to wait (``retry-after`` longer than the backoff cap) opens it until then.
The clock is injected; nothing here sleeps.

>>> t = [0.0]
>>> b = Breaker(failures=2, base=1.0, cap=8.0, clock=lambda: t[0])
>>> b.allow(), b.failure(), b.failure(), b.state
(True, None, None, 'open')
>>> b.allow(), b.retry_at
(False, 1.0)
>>> t[0] = 1.5
>>> b.allow(), b.allow(), b.state  # one probe; the others wait for its answer
(True, False, 'half-open')
>>> b.failure(); b.state, b.retry_at  # the probe failed: open twice as long
('open', 3.5)
>>> t[0] = 4.0
>>> b.allow(), b.success(), b.state
(True, None, 'closed')
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Breaker"]


class Breaker:
    """One backend's breaker (thread-safe). See the module docstring."""

    def __init__(
        self,
        *,
        failures: int = 5,
        base: float = 2.0,
        cap: float = 30.0,
        clock: Callable[[], float],
    ) -> None:
        self.threshold = max(1, failures)
        self.base, self.cap, self.clock = base, max(cap, base), clock
        self.state = "closed"
        self.retry_at = 0.0
        self._failed = 0  # consecutive transient failures while closed
        self._trips = 0  # consecutive openings without a success in between
        self._probing = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """May a call start now? In half-open, True for the one probe only."""
        with self._lock:
            if self.state == "closed":
                return True
            if self.state == "open" and self.clock() >= self.retry_at:
                self.state, self._probing = "half-open", False
            if self.state == "half-open" and not self._probing:
                self._probing = True
                return True
            return False

    def success(self) -> None:
        """A call answered: close."""
        with self._lock:
            self.state, self._failed, self._trips, self._probing = "closed", 0, 0, False

    def failure(self, retry_after: float | None = None) -> None:
        """A transient failure (timeout, 5xx, 429, broken body or stream)."""
        with self._lock:
            self._failed += 1
            if self.state == "half-open" or self._failed >= self.threshold:
                self._open(None)
            if retry_after is not None:
                self._open(retry_after)

    def release(self) -> None:
        """The probe ended without an answer either way (interrupted, budget): let another
        caller probe."""
        with self._lock:
            self._probing = False

    def wait_time(self) -> float:
        """Seconds until a call may start (0 when closed or a probe can start now)."""
        with self._lock:
            if self.state == "closed" or (self.state == "half-open" and not self._probing):
                return 0.0
            return max(0.0, self.retry_at - self.clock())

    def _open(self, retry_after: float | None) -> None:
        now = self.clock()
        if retry_after is None:
            self._trips += 1
            span = min(self.cap, self.base * 2 ** (self._trips - 1))
        else:
            span = retry_after
        self.state, self._failed, self._probing = "open", 0, False
        self.retry_at = max(self.retry_at, now + span)
