"""The router over real HTTP: retries, retry-after, fallback, disabling, cooldown, budget,
cache and ledger. ``sleep`` is recorded (and shortened) so timing is checked, not waited."""

from __future__ import annotations

import random

import pytest

from digestkit.backends.base import Completion, Prompt
from digestkit.backends.cache import Store
from digestkit.backends.router import RateLimiter, Router
from digestkit.errors import AuthError, BudgetExceeded, OutputCheckError, RemoteError
from digestkit.testing.llm_stub import Faults, serve_stub

from .helpers import ABSTRACT_EN, stub_settings

PROMPT = Prompt(
    system="Output language: English (en)\nAnswer in Markdown\n## TL;DR",
    user='<paper id="p1"><title>T</title>' + ABSTRACT_EN + "</paper>",
    template="en-tldr@1",
    source=ABSTRACT_EN,
    sections=("TL;DR",),
    entry_key="p1",
)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_router(base_url: str, sleeps: Sleeps | None = None, **kw: object) -> Router:
    settings = stub_settings(base_url, **kw)  # type: ignore[arg-type]
    return Router(
        settings,
        store=Store(":memory:"),
        sleep=sleeps if sleeps is not None else Sleeps(),
        rng=random.Random(1),
    )


def statuses(router: Router) -> list[str]:
    return [row.status for row in router.store.ledger()]


def test_transient_faults_are_retried_on_the_same_backend() -> None:
    sleeps = Sleeps()
    with serve_stub(faults=Faults(script=("429", "500", "drop", "malformed"))) as stub:
        router = make_router(stub.base_url, sleeps, max_attempts=5)
        c = router.complete(PROMPT)
    assert c.backend == "stub" and "T" in c.text
    assert statuses(router) == ["rate_limit", "http_500", "remote", "remote", "ok"]
    assert len(sleeps) == 4 and sleeps[0] >= 0.01  # the 429's retry-after-ms
    assert all(0 <= s <= 0.05 for s in sleeps[1:])  # jitter under backoff_max
    assert router.stats.calls == 5 and router.stats.ok == 1


def test_long_retry_after_cools_the_backend_and_falls_back() -> None:
    sleeps = Sleeps()
    with serve_stub(faults=Faults(script=("429",), retry_after=30.0)) as stub:
        router = make_router(stub.base_url, sleeps, fallback=True)
        c = router.complete(PROMPT)
        assert c.backend == "offline" and sleeps == []
        assert router.slots["stub"].cooldown_until > router.clock() + 20
        assert router.complete(PROMPT.replace(user=PROMPT.user + "2")).backend == "offline"
    assert len(stub.calls) == 1  # cooling down: not asked again


@pytest.mark.parametrize("fault", ["auth", "spend_limit"])
def test_auth_and_spend_errors_disable_the_backend_for_the_run(fault: str) -> None:
    with serve_stub(faults=Faults(script=(fault,))) as stub:
        router = make_router(stub.base_url, fallback=True)
        assert router.complete(PROMPT).backend == "offline"
        assert router.complete(PROMPT.replace(user="other")).backend == "offline"
    assert len(stub.calls) == 1
    assert router.slots["stub"].disabled
    assert statuses(router) == ["auth", "ok", "ok"]


def test_auth_error_without_fallback_says_no_backend_left() -> None:
    with serve_stub(faults=Faults(script=("auth",))) as stub:
        router = make_router(stub.base_url)
        with pytest.raises(AuthError, match="no backend left"):
            router.complete(PROMPT)


def test_non_retryable_error_moves_on_without_retrying() -> None:
    with serve_stub(faults=Faults(script=("400",))) as stub:
        router = make_router(stub.base_url, fallback=True)
        assert router.complete(PROMPT).backend == "offline"
    assert len(stub.calls) == 1 and not router.slots["stub"].disabled


def test_exhausted_attempts_raise_after_max_attempts_real_calls() -> None:
    with serve_stub(faults=Faults(rate=1.0, kinds=("500",))) as stub:
        router = make_router(stub.base_url, max_attempts=3)
        with pytest.raises(RemoteError, match="all backends failed after 3 calls") as info:
            router.complete(PROMPT)
    assert info.value.status == 500
    assert len(stub.calls) == 3
    assert not router.slots["stub"].disabled  # a 500 never disables a backend


def test_budget_stops_before_the_call_that_could_overspend() -> None:
    with serve_stub() as stub:
        router = make_router(stub.base_url, budget=1e-9)
        with pytest.raises(BudgetExceeded, match="max_cost"):
            router.complete(PROMPT)
    assert stub.calls == []


def test_budget_is_never_exceeded_over_many_calls() -> None:
    with serve_stub() as stub:
        router = make_router(stub.base_url, budget=0.02)
        done = 0
        with pytest.raises(BudgetExceeded):
            for i in range(1000):
                router.complete(PROMPT.replace(user=f"{PROMPT.user} {i}"))
                done += 1
    assert done > 0
    assert router.budget.spent <= 0.02
    assert sum(r.cost for r in router.store.ledger()) == pytest.approx(router.budget.spent)


def test_cache_hit_costs_no_call_and_no_ledger_row() -> None:
    with serve_stub() as stub:
        router = make_router(stub.base_url)
        first = router.complete(PROMPT)
        second = router.complete(PROMPT)
        assert (first.cached, second.cached) == (False, True)
        assert second.text == first.text and second.cost == 0
        assert len(stub.calls) == 1 and len(list(router.store.ledger())) == 1
        router.use_cache = False
        router.complete(PROMPT)
    assert len(stub.calls) == 2


def test_rejected_answer_is_paid_recorded_and_not_cached() -> None:
    def reject(c: Completion) -> list[str]:
        return ["missing section: X"]

    with serve_stub() as stub:
        router = make_router(stub.base_url)
        with pytest.raises(OutputCheckError) as info:
            router.complete(PROMPT, validate=reject)
        assert info.value.problems == ["missing section: X"]  # type: ignore[attr-defined]
        assert info.value.backend == "stub"  # type: ignore[attr-defined]
        with pytest.raises(OutputCheckError):
            router.complete(PROMPT, validate=reject)
    assert statuses(router) == ["rejected", "rejected"]
    assert len(stub.calls) == 2


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    limiter = RateLimiter(rpm=60, tpm=0, clock=lambda: now[0], sleep=sleep)
    for _ in range(62):
        limiter.acquire()
    assert len(waits) == 2 and all(w == pytest.approx(1.0) for w in waits)


def test_token_limit_waits_for_refill() -> None:
    now = [0.0]
    limiter = RateLimiter(
        rpm=0, tpm=600, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    limiter.acquire(500)
    limiter.acquire(500)
    assert now[0] == pytest.approx(40.0)  # 400 missing tokens at 10 per second


def test_budget_uses_count_tokens_when_asked() -> None:
    with serve_stub("anthropic") as stub:
        extra = {"options": {"count_tokens": True}}
        router = make_router(stub.base_url, kind="anthropic", extra=extra)
        router.complete(PROMPT)
    assert [c.path for c in stub.calls] == ["/v1/messages/count_tokens", "/v1/messages"]
