"""The router: one prompt in, one accepted completion out, through a route of backends.

Why a router: providers fail in different ways and a run must survive all of them.

- Transient failures (408, 409, 429, 5xx, 529 / ``overloaded_error``, timeouts, dropped
  connections, malformed bodies, broken streams) are retried with exponential backoff and
  full jitter; a server's ``retry-after`` / ``retry-after-ms`` wins when it asks for longer.
  A paper makes at most ``max_attempts`` calls per backend, then the next backend is tried.
- Each backend has a circuit breaker (:mod:`digestkit.backends.breaker`): after
  ``breaker_failures`` consecutive transient failures (or a retry-after beyond
  ``backoff_max``) it opens, papers go to the next backend, and one probe call tests it
  again. A paper whose backends are all open waits for the earliest, within the run's
  ``deadline``, instead of failing without a call.
- Authentication and spend-limit errors (:class:`~digestkit.errors.AuthError`) disable the
  backend for the rest of the run at once: retrying them only burns time. Nothing else does.
- An answer rejected by the checks goes to the next backend of the route; a backend that
  cannot translate (``translates = False``: the offline one) is not sent a paper whose
  language differs from the template's.
- :meth:`Router.interrupt` (Ctrl-C) stops new calls; answers already received are cached.
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
from digestkit.backends.breaker import Breaker
from digestkit.backends.cache import CachedAnswer, LedgerRow, Store, cache_key
from digestkit.backends.config import BackendConfig, Settings, load_settings
from digestkit.backends.limits import Budget, RateLimiter, estimate_tokens
from digestkit.backends.registry import get_backend
from digestkit.errors import (
    AuthError,
    NetworkError,
    OutputCheckError,
    RateLimitError,
    RemoteError,
)

__all__ = [
    "Budget",
    "Interrupted",
    "RateLimiter",
    "Router",
    "RouterStats",
    "estimate_tokens",
    "is_retryable",
]

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


_CJK = {"ja": ("kana", "han"), "zh": ("han",), "ko": ("hangul", "han")}


def same_script(source: str, language: str) -> bool:
    """Is ``source`` written in the script of ``language``, so that quoting it answers in
    that language? By script, not by a language guess: short abstracts fool detectors,
    and what a non-translating backend cannot do is cross from Latin to CJK or back.

    >>> same_script("We use RL.", "en"), same_script("We use RL.", "ja")
    (True, False)
    >>> same_script("本論文は新しい手法を提案する。", "ja"), same_script("本文提出新方法。", "en")
    (True, False)
    """
    from digestkit.lang import script_profile

    p = script_profile(source)
    if not p.total:
        return True  # nothing to judge by: let the checks decide
    cjk = p.kana + p.han + p.hangul
    if language in _CJK:
        return sum(getattr(p, k) for k in _CJK[language]) * 2 >= p.total
    return cjk * 2 < p.total


class Interrupted(RemoteError):
    """The run was interrupted (Ctrl-C) before this call started; nothing was paid."""


class _Slot:
    """A backend plus its run-time state: concurrency, rate limit, breaker, disabled."""

    def __init__(
        self, backend: Backend, config: BackendConfig, limiter: RateLimiter, breaker: Breaker
    ) -> None:
        self.backend, self.config, self.limiter = backend, config, limiter
        self.semaphore = threading.BoundedSemaphore(config.concurrency)
        self.breaker = breaker
        self.disabled = ""

    @property
    def cooldown_until(self) -> float:
        """When the breaker may be probed again (0 when closed)."""
        return self.breaker.retry_at if self.breaker.state != "closed" else 0.0


class _Attempt:
    """One prompt's way along the route: calls used per backend, backends done with, and
    why each failed, so the final error says what was really tried."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.used: dict[str, int] = {}
        self.done: set[str] = set()
        self.errors: list[str] = []
        self.last: NetworkError | None = None
        self.rejected: OutputCheckError | None = None
        if not names:
            self.note("no backend of the route can write this language (offline does not "
                      "translate): add an LLM backend to the route")  # fmt: skip

    def note(self, line: str) -> None:
        self.errors.append(line)

    def fail(self, name: str, err: NetworkError, *, final: bool) -> None:
        self.last = err
        self.errors.append(f"{name}: {err}")
        if final:
            self.done.add(name)

    def reject(self, name: str, err: OutputCheckError) -> None:
        self.rejected = self.rejected or err
        self.done.add(name)

    def failure(self) -> Exception:
        """The error to raise when no backend answered acceptably."""
        if self.rejected is not None:
            return self.rejected
        summary = "; ".join(self.errors[-4:]) or "every backend of the route is disabled"
        last = self.last
        if last is None or isinstance(last, AuthError):
            return AuthError(f"no backend left: {summary}")
        tried = sum(self.used.values())
        return type(last)(f"all backends failed after {tried} calls: {summary}", **last.context)


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
        self._stopped = threading.Event()
        self.deadline = 0.0  # set by begin_run(): a router that only answers prompts has none
        self.slots: dict[str, _Slot] = {}
        for name in self.chain:
            cfg = self.settings.backends[name]
            backend = (backends or {}).get(name) or get_backend(cfg)
            limiter = RateLimiter(
                cfg.requests_per_minute, cfg.tokens_per_minute, clock=clock, sleep=sleep
            )
            breaker = Breaker(
                failures=self.policy.breaker_failures,
                base=max(self.policy.backoff_base * 2, 0.001),
                cap=self.policy.cooldown,
                clock=clock,
            )
            self.slots[name] = _Slot(backend, cfg, limiter, breaker)

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
        recorded in the ledger (it was paid for), not cached, and the next backend of the
        route that can write the prompt's language is asked; when none is left the first
        rejection is raised as :class:`OutputCheckError` with ``problems``, ``text``,
        ``language`` and ``backend``. Raises :class:`BudgetExceeded` before overspending,
        and the last :class:`NetworkError` when every backend of the route failed.
        """
        hit = self._cached(prompt, validate)
        if hit is not None:
            return hit
        attempt = _Attempt(self._capable(prompt))
        while True:
            self._check_running()
            waiting = False
            for name in attempt.names:
                slot = self.slots[name]
                if slot.disabled or name in attempt.done:
                    continue
                if not slot.breaker.allow():
                    waiting = True
                    continue
                result = self._try_backend(slot, prompt, validate, attempt)
                if result is not None:
                    return result
                waiting = waiting or (name not in attempt.done and not slot.disabled)
            if not waiting or not self._wait_for_breaker(attempt):
                break
        raise attempt.failure()

    def begin_run(self) -> None:
        """Start the run's clock: no call starts ``[summarize] deadline`` seconds from now
        (:func:`~digestkit.summarizer.summarize_run` calls it; 0 = no deadline)."""
        self.deadline = self.clock() + self.policy.deadline if self.policy.deadline else 0.0

    def interrupt(self) -> None:
        """Start no more calls (Ctrl-C): :meth:`complete` raises :class:`Interrupted`."""
        self._stopped.set()

    def _check_running(self) -> None:
        if self._stopped.is_set():
            raise Interrupted("interrupted: no call started")
        if self.deadline and self.clock() >= self.deadline:
            raise RemoteError(
                f"run deadline reached ([summarize] deadline = {self.policy.deadline:g} s)"
            )

    def _capable(self, prompt: Prompt) -> list[str]:
        """The backends of the route that can write the prompt's language: a backend that
        does not translate (``translates = False``, the offline one) only gets papers
        already in that language, unless wrong-language answers are kept."""
        if not prompt.language or self.policy.on_language_mismatch == "keep":
            return list(self.slots)
        names = [n for n, s in self.slots.items() if getattr(s.backend, "translates", True)]
        if len(names) < len(self.slots) and same_script(prompt.source, prompt.language):
            return list(self.slots)
        return names

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

    def _wait_for_breaker(self, attempt: _Attempt) -> bool:
        """Every backend left is open: sleep until the earliest may be probed, if that is
        before the run deadline. False when there is nothing to wait for."""
        waits = [
            self.slots[n].breaker.wait_time()
            for n in attempt.names
            if not self.slots[n].disabled and n not in attempt.done
        ]
        if not waits:
            return False
        delay = min(waits)
        if self.deadline and self.clock() + delay >= self.deadline:
            attempt.note(f"every backend open beyond the run deadline (next in {delay:.1f}s)")
            return False
        # A probe in flight elsewhere shows as 0: poll briefly for its outcome.
        self.sleep(max(delay, 0.05))
        return True

    def _backoff(self, attempt: int, err: NetworkError) -> float:
        cap = min(self.policy.backoff_max, self.policy.backoff_base * 2**attempt)
        delay = self.rng.uniform(0, cap)
        retry_after = err.context.get("retry_after")
        return max(delay, float(retry_after)) if retry_after else delay

    def _try_backend(
        self, slot: _Slot, prompt: Prompt, validate: Validator | None, attempt: _Attempt
    ) -> Completion | None:
        """Calls on one backend while its breaker allows and the paper has attempts left
        there. The completion, or ``None`` after recording why it moved on."""
        name = slot.config.name
        while attempt.used.get(name, 0) < self.policy.max_attempts:
            self._check_running()
            n = attempt.used[name] = attempt.used.get(name, 0) + 1
            try:
                c = self._call(slot, prompt, validate)
            except OutputCheckError as err:
                slot.breaker.success()  # it answered; the answer was wrong
                attempt.reject(name, err)
                return None
            except AuthError as err:
                slot.breaker.release()
                slot.disabled = str(err)
                log.warning("backend %s disabled for this run: %s", name, err)
                attempt.fail(name, err, final=True)
                return None
            except NetworkError as err:
                if not is_retryable(err):  # e.g. 400: this prompt will not work here
                    slot.breaker.release()
                    attempt.fail(name, err, final=True)
                    return None
                delay = self._backoff(n - 1, err)
                final = n >= self.policy.max_attempts
                slot.breaker.failure(delay if delay > self.policy.backoff_max else None)
                attempt.fail(name, err, final=final)
                if final or delay > self.policy.backoff_max or not slot.breaker.allow():
                    return None  # used up or open: the next backend, or wait for this one
                log.info("%s: %s; retry in %.2fs", name, err, delay)
                self.sleep(delay)
                continue
            except BaseException:
                slot.breaker.release()
                raise
            slot.breaker.success()
            return c
        attempt.done.add(name)
        slot.breaker.release()
        return None

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
