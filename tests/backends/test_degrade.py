"""Backends that degrade gracefully, over real HTTP against the LLM stub: broken streams,
the per-backend circuit breaker, capabilities, the run deadline, and whole runs at 30% and
60% injected faults with slow replies (no paper lost or paid twice, none failed without
real attempts)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from digestkit.backends.cache import Store
from digestkit.backends.config import settings_from_dict
from digestkit.backends.router import Router
from digestkit.errors import OutputCheckError, RemoteError
from digestkit.summarizer import summarize_run
from digestkit.testing.llm_stub import Faults, serve_stub

from .helpers import make_digest, stub_settings
from .test_router import PROMPT, Sleeps, make_router, statuses


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DK_TEST_KEY", "k")


def two_backends(base_url: str, *, summarize: dict[str, Any] | None = None, **extra: Any) -> Any:
    backend = {"kind": "openai-compatible", "model": "m", "base_url": base_url,
               "api_key_env": "DK_TEST_KEY", "timeout": 0.5, **extra}  # fmt: skip
    return settings_from_dict(
        {
            "backends": {"first": backend, "second": dict(backend)},
            "routes": {"default": ["first", "second", "offline"]},
            "summarize": {
                "backoff_base": 0.001,
                "backoff_max": 0.02,
                "cooldown": 0.05,
                **(summarize or {}),
            },  # fmt: skip
        }
    )


# ---------------------------------------------------------------- broken streams


@pytest.mark.parametrize("broken_at", [0, 3])
def test_a_broken_stream_is_retried_like_a_broken_body(broken_at: int) -> None:
    faults = Faults(script=("broken_stream", "broken_stream"), broken_at=broken_at)
    with serve_stub("anthropic", faults=faults) as stub:
        router = make_router(stub.base_url, kind="anthropic", extra={"options": {"stream": True}})
        c = router.complete(PROMPT)
    assert c.backend == "stub" and c.finish_reason == "end_turn"
    assert statuses(router) == ["remote", "remote", "ok"]
    assert all("broken stream" in r.error for r in list(router.store.ledger())[:2])


def test_a_stream_that_keeps_breaking_goes_to_the_next_backend() -> None:
    with serve_stub("anthropic", faults=Faults(rate=1.0, kinds=("broken_stream",))) as stub:
        router = make_router(
            stub.base_url, kind="anthropic", fallback=True, extra={"options": {"stream": True}}
        )
        c = router.complete(PROMPT)
    assert c.backend == "offline"
    assert statuses(router) == ["remote"] * 4 + ["ok"]


# ---------------------------------------------------------------- the breaker


def test_an_open_breaker_makes_the_paper_wait_then_a_probe_closes_it() -> None:
    sleeps = Sleeps()
    with serve_stub(faults=Faults(script=("500",) * 3)) as stub:
        router = make_router(
            stub.base_url, sleeps, max_attempts=10, summarize={"breaker_failures": 2}
        )
        c = router.complete(PROMPT)
        assert c.backend == "stub"
        assert router.slots["stub"].breaker.state == "closed"
    assert statuses(router) == ["http_500", "http_500", "http_500", "ok"]
    assert len(sleeps) >= 3  # backoff, then waits for the open breaker


def test_one_papers_bad_luck_does_not_stall_or_fail_the_others() -> None:
    """The old cooldown: one paper using up its attempts cooled the backend for every
    thread, and papers failed without a single call."""
    with serve_stub(faults=Faults(script=("500",) * 3)) as stub:
        router = make_router(stub.base_url, max_attempts=3, summarize={"cooldown": 30.0})
        with pytest.raises(RemoteError, match="after 3 calls"):
            router.complete(PROMPT)
        c = router.complete(PROMPT.replace(user=PROMPT.user + " second paper"))
    assert c.backend == "stub"  # asked at once: 3 failures < breaker_failures (5)
    assert len(stub.calls) == 4


def test_auth_disables_but_a_500_storm_does_not() -> None:
    with serve_stub(faults=Faults(rate=1.0, kinds=("500",))) as stub:
        router = make_router(stub.base_url, fallback=True, summarize={"breaker_failures": 2})
        assert router.complete(PROMPT).backend == "offline"
    assert not router.slots["stub"].disabled
    assert router.slots["stub"].breaker.state == "open"


def test_the_run_deadline_stops_waiting_for_an_open_backend() -> None:
    now = [0.0]

    def sleep(s: float) -> None:
        now[0] += s

    with serve_stub(faults=Faults(rate=1.0, kinds=("500",))) as stub:
        settings = stub_settings(
            stub.base_url,
            max_attempts=100,
            summarize={"breaker_failures": 1, "cooldown": 5.0, "deadline": 20.0},
        )
        router = Router(settings, store=Store(":memory:"), sleep=sleep, clock=lambda: now[0],
                        rng=random.Random(1))  # fmt: skip
        router.begin_run()
        with pytest.raises(RemoteError, match="run deadline"):
            router.complete(PROMPT)
    assert 3 <= len(stub.calls) < 100  # real probes, then the deadline
    assert now[0] <= 20.0


# ---------------------------------------------------------------- capabilities


def test_a_rejected_answer_goes_to_the_next_backend_that_can_write_the_language() -> None:
    with serve_stub(faults=Faults(script=("wrong_language",))) as stub:
        router = Router(two_backends(stub.base_url), store=Store(":memory:"))
        c = router.complete(PROMPT, validate=lambda c: [] if "paper" in c.text else ["lang"])
    assert c.backend == "second"
    assert statuses(router) == ["rejected", "ok"]


def test_offline_is_not_sent_a_paper_it_would_have_to_translate() -> None:
    ja = PROMPT.replace(language="ja", system="Output language: Japanese (ja)\n## 要約")
    with serve_stub(faults=Faults(rate=1.0, kinds=("wrong_language",))) as stub:
        router = Router(two_backends(stub.base_url), store=Store(":memory:"))
        with pytest.raises(OutputCheckError):
            router.complete(ja, validate=lambda c: ["wrong language"])
    assert [r.backend for r in router.store.ledger()] == ["first", "second"]  # no offline
    # The same route with an English template may fall back to offline.
    with serve_stub(faults=Faults(rate=1.0, kinds=("500",))) as stub:
        router = Router(two_backends(stub.base_url), store=Store(":memory:"))
        assert router.complete(PROMPT).backend == "offline"


# ---------------------------------------------------------------- whole runs under faults

KINDS = ("429", "529", "500", "timeout", "drop", "malformed")


@pytest.mark.parametrize("rate", [0.3, 0.6])
def test_runs_under_faults_lose_nothing_and_pay_once(rate: float) -> None:
    papers = 40
    faults = Faults(rate=rate, kinds=KINDS, seed=int(rate * 100), timeout_delay=0.4)
    with serve_stub("openai", latency=0.05, faults=faults) as stub:  # slow replies
        settings = two_backends(
            stub.base_url, summarize={"max_attempts": 4}, timeout=0.3, concurrency=8
        )
        router = Router(settings, store=Store(":memory:"), rng=random.Random(3))
        run = summarize_run(make_digest(papers), template="en-tldr", router=router)
        paid = stub.paid_by_paper()
    keys = [r.key for r in run.results]
    assert sorted(keys) == sorted(e.key for e in make_digest(papers).entries)  # none lost
    assert all(n == 1 for n in paid.values()), paid  # none paid twice
    calls = Counter(row.entry for row in router.store.ledger())
    for r in run.results:
        if r.status == "failed":  # only after real attempts on every LLM backend
            assert calls[r.key] >= 2, (r.key, r.error)
        else:
            assert r.summary is not None
    failed = run.failed
    print(f"\n{rate:.0%} faults: {run.summary_line()}; failed {failed}")
    assert failed <= papers * (0.1 if rate > 0.5 else 0.0)
