"""The router: one prompt in, one accepted completion out, through a route of backends.

Why a router: providers fail in different ways and a run must survive all of them.

- Transient failures (408, 409, 429, 5xx, 529 / ``overloaded_error``, timeouts, dropped
  connections, malformed bodies) are retried with exponential backoff and full jitter; a
  server's ``retry-after`` / ``retry-after-ms`` wins when it asks for longer.
- A backend that keeps failing (or asks to wait longer than ``backoff_max``) cools down for
  ``cooldown`` seconds and the next backend of the route is tried.
- Authentication and spend-limit errors (:class:`~digestkit.errors.AuthError`) disable the
  backend for the rest of the run at once: retrying them only burns time.
- A budget (``[budget] max_cost``) is checked *before* each call with its worst case
  (input estimate + ``max_output_tokens``), so a run stops before it overspends.
- Every call leaves one ledger row; every accepted answer is cached, and a cached answer
  is returned for free (``Completion.cached``).

This is also the one-prompt API other parts use (the faithfulness judge)::

    router = Router(load_settings(), route="judge")
    completion = router.complete(Prompt(system="...", user="..."))

>>> from digestkit.backends.base import Prompt
>>> from digestkit.backends.cache import Store
>>> r = Router(Settings(), store=Store(":memory:"))
>>> c = r.complete(Prompt("", "", source="We propose X. X wins.", sections=("Method",)))
>>> (c.backend, c.cached, r.complete(Prompt("", "", source="We propose X. X wins.",
...     sections=("Method",))).cached)
('offline', False, True)
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from digestkit.backends.base import Backend, Completion, Prompt, Usage
from digestkit.backends.cache import CachedAnswer, LedgerRow, Store, cache_key
from digestkit.backends.config import BackendConfig, Settings, load_settings
from digestkit.backends.limits import Budget, RateLimiter, estimate_tokens
from digestkit.backends.registry import get_backend
from digestkit.errors import (
    AuthError,
    NetworkError,
    OutputCheckError,
    RateLimitError,
)

__all__ = ["Budget", "RateLimiter", "Router", "RouterStats", "estimate_tokens", "is_retryable"]

log = logging.getLogger(__name__)

Validator = Callable[[Completion], list[str]]

_RETRY_STATUS = {408, 409, 425, 429, 529}


def is_retryable(err: NetworkError) -> bool:
    """Is a call that failed with ``err`` worth repeating on the same backend?

    >>> from digestkit.errors import RemoteError
    >>> is_retryable(RemoteError("x", status=503)), is_retryable(RemoteError("x", status=400))
    (True, False)
    """
    if isinstance(err, AuthError):
        return False
    if isinstance(err, RateLimitError):
        return True
    status = err.context.get("status")
    return status is None or status in _RETRY_STATUS or status >= 500


@dataclass
class RouterStats:
    """Counters for one run (per router)."""

    calls: int = 0
    ok: int = 0
    failed_calls: int = 0
    rejected: int = 0
    cached: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    by_backend: dict[str, int] = field(default_factory=dict)


class _Slot:
    """A backend plus its run-time state: concurrency, rate limit, cooldown, disabled."""

    def __init__(self, backend: Backend, config: BackendConfig, limiter: RateLimiter) -> None:
        self.backend, self.config, self.limiter = backend, config, limiter
        self.semaphore = threading.BoundedSemaphore(config.concurrency)
        self.cooldown_until = 0.0
        self.disabled = ""


def _status(err: NetworkError) -> str:
    if isinstance(err, AuthError):
        return "auth"
    if isinstance(err, RateLimitError):
        return "rate_limit"
    status = err.context.get("status")
    return f"http_{status}" if status else "remote"


class Router:
    """Routes prompts through the backends of one route (see the module docstring).

    ``settings``: a :class:`Settings`, a path to ``digestkit.toml``, or ``None`` (the
    config :func:`~digestkit.config.find_config` finds, else the offline defaults).
    ``backends`` replaces building backends from the registry (tests, notebooks);
    ``sleep``/``clock``/``rng`` are injectable so retry timing can be tested.
    """

    def __init__(
        self,
        settings: Settings | str | os.PathLike[str] | None = None,
        *,
        route: str | None = None,
        store: Store | None = None,
        backends: Mapping[str, Backend] | None = None,
        run_id: str | None = None,
        budget: Budget | None = None,
        use_cache: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings if isinstance(settings, Settings) else load_settings(settings)
        self.policy = self.settings.summarize
        self.chain = self.settings.route(route)
        self.store = store if store is not None else Store.open_or_memory()
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.budget = budget or Budget(self.settings.budget.max_cost)
        self.use_cache = self.policy.cache if use_cache is None else use_cache
        self.sleep, self.clock = sleep, clock
        self.rng = rng or random.Random()
        self.stats = RouterStats()
        self._lock = threading.Lock()
        self.slots: dict[str, _Slot] = {}
        for name in self.chain:
            cfg = self.settings.backends[name]
            backend = (backends or {}).get(name) or get_backend(cfg)
            limiter = RateLimiter(
                cfg.requests_per_minute, cfg.tokens_per_minute, clock=clock, sleep=sleep
            )
            self.slots[name] = _Slot(backend, cfg, limiter)

    # --- public ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the backends' HTTP connections (also on ``with Router(...) as r:`` exit)."""
        for slot in self.slots.values():
            close = getattr(slot.backend, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(self, prompt: Prompt, *, validate: Validator | None = None) -> Completion:
        """The first accepted completion for ``prompt`` along the route.

        ``validate`` returns a list of problems (empty = accept). A rejected answer is
        recorded in the ledger (it was paid for), not cached, and raised as
        :class:`OutputCheckError` with ``problems``, ``text``, ``language`` and ``backend``.
        Raises :class:`BudgetExceeded` before overspending, and the last
        :class:`NetworkError` when every backend of the route failed.
        """
        hit = self._cached(prompt, validate)
        if hit is not None:
            return hit
        errors: list[str] = []
        last: NetworkError | None = None
        skip: set[str] = set()  # failed for good on this prompt (e.g. 400): not again
        horizon = self.clock()
        for _ in range(2):  # the second pass only after waiting out a cooldown
            for name, slot in self.slots.items():
                if slot.disabled or name in skip or slot.cooldown_until > horizon:
                    continue
                try:
                    return self._try_backend(slot, prompt, validate)
                except NetworkError as err:
                    last = err
                    errors.append(f"{name}: {err}")
                    if not is_retryable(err):
                        skip.add(name)
            waited = self._wait_for_cooldown(skip)
            if waited is None:
                break
            horizon = waited
        summary = "; ".join(errors[-4:]) or "every backend of the route is disabled"
        if isinstance(last, AuthError) or last is None:
            raise AuthError(f"no backend left: {summary}")
        raise type(last)(f"all backends failed: {summary}", **last.context)

    def key(self, name: str, prompt: Prompt) -> str:
        cfg = self.slots[name].config
        params = {"max_tokens": cfg.output_tokens(prompt.max_tokens)}
        if cfg.temperature is not None:
            params["temperature"] = cfg.temperature  # type: ignore[assignment]
        return cache_key(name, cfg.model, prompt.template, params, prompt.system, prompt.user)

    # --- internals ---------------------------------------------------------------------
    def _cached(self, prompt: Prompt, validate: Validator | None) -> Completion | None:
        if not self.use_cache:
            return None
        for name in self.slots:
            found = self.store.get(self.key(name, prompt))
            if found is None:
                continue
            c = Completion(
                text=found.text,
                usage=found.usage,
                model=found.model,
                finish_reason=found.finish_reason,
                language=found.language,
                backend=name,
                cached=True,
            )
            if validate is None or not validate(c):
                with self._lock:
                    self.stats.cached += 1
                return c
        return None

    def _wait_for_cooldown(self, skip: set[str]) -> float | None:
        """Sleep until the first cooling backend is ready; the time it is ready at."""
        now = self.clock()
        cooling = [
            s.cooldown_until
            for name, s in self.slots.items()
            if not s.disabled and name not in skip and s.cooldown_until > now
        ]
        if not cooling:
            return None
        self.sleep(min(cooling) - now)
        return min(cooling)

    def _backoff(self, attempt: int, err: NetworkError) -> float:
        cap = min(self.policy.backoff_max, self.policy.backoff_base * 2**attempt)
        delay = self.rng.uniform(0, cap)
        retry_after = err.context.get("retry_after")
        return max(delay, float(retry_after)) if retry_after else delay

    def _try_backend(self, slot: _Slot, prompt: Prompt, validate: Validator | None) -> Completion:
        last: NetworkError | None = None
        for attempt in range(self.policy.max_attempts):
            try:
                return self._call(slot, prompt, validate)
            except AuthError as err:
                slot.disabled = str(err)
                log.warning("backend %s disabled for this run: %s", slot.config.name, err)
                raise
            except NetworkError as err:
                last = err
                if not is_retryable(err):
                    raise
                delay = self._backoff(attempt, err)
                if delay > self.policy.backoff_max:
                    slot.cooldown_until = self.clock() + delay
                    raise
                if attempt + 1 < self.policy.max_attempts:
                    log.info("%s: %s; retry in %.2fs", slot.config.name, err, delay)
                    self.sleep(delay)
        slot.cooldown_until = self.clock() + self.policy.cooldown
        assert last is not None
        raise last

    @contextmanager
    def _reserved(self, slot: _Slot, prompt: Prompt) -> Iterator[tuple[int, float]]:
        cfg = slot.config
        est_in = self._input_tokens(slot, prompt)
        worst = cfg.price.cost(est_in, cfg.output_tokens(prompt.max_tokens))
        self.budget.reserve(worst)
        try:
            yield est_in, worst
        except BaseException:
            self.budget.settle(worst, 0.0)
            raise

    def _input_tokens(self, slot: _Slot, prompt: Prompt) -> int:
        """Input tokens for the budget: counted by the API when the backend can and
        ``options = { count_tokens = true }`` (one extra, free call), else estimated high."""
        counter = getattr(slot.backend, "count_tokens", None)
        if counter is not None and slot.config.option("count_tokens", False):
            try:
                return int(counter(prompt))
            except NetworkError as err:
                log.info("%s: count_tokens failed (%s); estimating", slot.config.name, err)
        return estimate_tokens(prompt.system + prompt.user)

    def _call(self, slot: _Slot, prompt: Prompt, validate: Validator | None) -> Completion:
        cfg = slot.config
        key = self.key(cfg.name, prompt)
        with self._reserved(slot, prompt) as (est_in, worst), slot.semaphore:
            slot.limiter.acquire(est_in + (cfg.output_tokens(prompt.max_tokens)))
            start = time.perf_counter()
            try:
                c = slot.backend.complete(prompt)
            except NetworkError as err:
                self._record(slot, prompt, key, Usage(), 0.0, start, _status(err), str(err))
                raise
        self.budget.settle(worst, 0.0)
        return self._accept(slot, prompt, key, c, start, validate)

    def _accept(
        self,
        slot: _Slot,
        prompt: Prompt,
        key: str,
        c: Completion,
        start: float,
        validate: Validator | None,
        price_factor: float = 1.0,
    ) -> Completion:
        cfg, u = slot.config, c.usage
        cost = price_factor * cfg.price.cost(
            u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens
        )
        self.budget.settle(0.0, cost)
        c = c.replace(backend=cfg.name, cost=cost, model=c.model or cfg.model)
        problems = validate(c) if validate else []
        status = "rejected" if problems else "ok"
        answer = None
        if self.use_cache and not problems:
            answer = (key, self._answer(c, prompt))
        self._record(slot, prompt, key, u, cost, start, status, "; ".join(problems), answer)
        if problems:
            raise OutputCheckError(
                f"{cfg.name}: " + "; ".join(problems),
                problems=problems,
                text=c.text,
                language=c.language,
                backend=cfg.name,
                cost=cost,
            )
        return c

    def ingest(
        self,
        name: str,
        prompt: Prompt,
        result: Completion | NetworkError,
        *,
        validate: Validator | None = None,
        price_factor: float = 1.0,
    ) -> Completion | None:
        """Account for a result obtained outside :meth:`complete` (a batch): one ledger
        row, and the cache when accepted. Returns the accepted completion or ``None``."""
        slot, key, start = self.slots[name], self.key(name, prompt), time.perf_counter()
        if isinstance(result, NetworkError):
            self._record(slot, prompt, key, Usage(), 0.0, start, _status(result), str(result))
            return None
        try:
            return self._accept(slot, prompt, key, result, start, validate, price_factor)
        except OutputCheckError:
            return None

    def cached(self, prompt: Prompt, validate: Validator | None = None) -> Completion | None:
        """The cached accepted answer for ``prompt`` from any backend of the route, if any."""
        return self._cached(prompt, validate)

    @staticmethod
    def _answer(c: Completion, prompt: Prompt) -> CachedAnswer:
        return CachedAnswer(
            c.text, c.backend, c.model, prompt.template, c.usage, c.finish_reason, c.language
        )

    def remember(self, prompt: Prompt, completion: Completion) -> None:
        """Cache ``completion`` as the answer to ``prompt`` too (after a corrective retry,
        so a re-run finds the accepted answer under the original prompt and pays nothing)."""
        if self.use_cache and completion.backend in self.slots:
            self.store.put(self.key(completion.backend, prompt), self._answer(completion, prompt))

    def _record(
        self,
        slot: _Slot,
        prompt: Prompt,
        key: str,
        usage: Usage,
        cost: float,
        start: float,
        status: str,
        error: str,
        answer: tuple[str, CachedAnswer] | None = None,
    ) -> None:
        latency = time.perf_counter() - start
        cfg = slot.config
        self.store.record(
            LedgerRow(
                self.run_id, cfg.name, cfg.model, prompt.template, prompt.entry_key, key,
                usage, cost, latency, status, error,
            ),
            cache=answer,
        )  # fmt: skip
        with self._lock:
            s = self.stats
            s.calls += 1
            s.usage = s.usage + usage
            s.cost += cost
            s.by_backend[cfg.name] = s.by_backend.get(cfg.name, 0) + 1
            if status == "ok":
                s.ok += 1
            elif status == "rejected":
                s.rejected += 1
            else:
                s.failed_calls += 1
