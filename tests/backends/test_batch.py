"""Message Batches through the real SDK and the stub: the batch id and request map are saved
before polling, a run that dies while polling is collected (not resubmitted) by the next."""

from __future__ import annotations

import pytest

from digestkit.backends.cache import Store
from digestkit.backends.router import Router
from digestkit.errors import ConfigError
from digestkit.summarizer import summarize_run
from digestkit.testing.llm_stub import Faults, serve_stub

from .helpers import make_digest, stub_settings


class Crash(Exception):
    pass


def creates(stub) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for c in stub.calls if c.path == "/v1/messages/batches#item")


def test_batch_run_is_cached_and_half_price() -> None:
    with serve_stub("anthropic", batch_polls=3) as stub:
        settings = stub_settings(stub.base_url, "anthropic")
        router = Router(settings, store=Store(":memory:"))
        polls: list[int] = []
        run = summarize_run(
            make_digest(5),
            template="ja-survey",
            router=router,
            batch=True,
            poll=lambda: polls.append(1),
        )
    assert run.failed == 0 and run.done == 5 and len(polls) == 2
    assert creates(stub) == 5
    assert not [c for c in stub.calls if c.path == "/v1/messages"]  # no synchronous calls
    rows = list(router.store.ledger())
    assert [r.status for r in rows] == ["ok"] * 5
    full = settings.backends["stub"].price.cost(
        rows[0].usage.input_tokens, rows[0].usage.output_tokens
    )
    assert rows[0].cost == pytest.approx(full / 2)
    assert router.store.pending_batches("stub") == []


def test_batch_failures_fall_back_to_the_router() -> None:
    faults = Faults(script=("500", "wrong_language", None, None))
    with serve_stub("anthropic", faults=faults) as stub:
        router = Router(stub_settings(stub.base_url, "anthropic"), store=Store(":memory:"))
        run = summarize_run(
            make_digest(4), template="ja-8q", router=router, batch=True, poll=lambda: None
        )
    assert run.failed == 0 and run.done + run.cached == 4
    assert len([c for c in stub.calls if c.path == "/v1/messages"]) == 2  # the two the batch missed


def test_crash_while_polling_then_resume_collects_the_same_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store_path = tmp_path / "llm.sqlite3"
    with serve_stub("anthropic", batch_polls=3) as stub:
        settings = stub_settings(stub.base_url, "anthropic")

        def die() -> None:
            raise Crash

        with pytest.raises(Crash):
            summarize_run(
                make_digest(6),
                template="ja-8q",
                router=Router(settings, store=Store(store_path)),
                batch=True,
                poll=die,
            )
        pending = Store(store_path).pending_batches("stub")
        assert len(pending) == 1 and len(pending[0][1]) == 6
        router = Router(settings, store=Store(store_path))
        run = summarize_run(
            make_digest(6), template="ja-8q", router=router, batch=True, poll=lambda: None
        )
    assert run.failed == 0
    assert creates(stub) == 6  # one batch only: collected, not resubmitted
    assert Store(store_path).pending_batches("stub") == []


def test_batch_needs_a_batch_backend() -> None:
    with serve_stub("openai") as stub:
        router = Router(stub_settings(stub.base_url), store=Store(":memory:"))
        with pytest.raises(ConfigError, match="no batch API"):
            summarize_run(
                make_digest(1), template="en-tldr", router=router, batch=True, poll=lambda: None
            )
