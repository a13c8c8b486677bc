"""Properties of the pipeline under any sequence of faults (hypothesis): no paper lost,
no prompt paid twice, every paid answer in the ledger, keys never stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.backends.cache import Store
from digestkit.backends.router import Router
from digestkit.summarizer import summarize_run
from digestkit.testing.llm_stub import Faults, StubServer, serve_stub

from .helpers import SENTINEL_KEY, make_digest, stub_settings

KINDS = [
    "429",
    "529",
    "500",
    "drop",
    "malformed",
    "wrong_language",
    "400",
    "auth",
    None,
    None,
    None,
]


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    with serve_stub(api_key=SENTINEL_KEY) as server:
        yield server


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    script=st.lists(st.sampled_from(KINDS), max_size=24),
    papers=st.integers(min_value=1, max_value=6),
    fallback=st.booleans(),
    template=st.sampled_from(["ja-8q", "zh-4part", "en-tldr"]),
    kind=st.sampled_from(["openai-compatible", "anthropic"]),
)
def test_no_paper_lost_none_paid_twice(
    stub: StubServer,
    script: list[str | None],
    papers: int,
    fallback: bool,
    template: str,
    kind: str,
) -> None:
    stub.calls.clear()
    stub.set_faults(Faults(script=tuple(script), retry_after=0.001))
    base_url = stub.root if kind == "anthropic" else stub.root + "/v1"
    router = Router(
        stub_settings(base_url, kind, fallback=fallback, concurrency=2, max_attempts=2),
        store=Store(":memory:"),
    )
    run = summarize_run(make_digest(papers), template=template, router=router)
    assert len(run.results) == papers
    for e in run.digest.entries:
        assert (e.summary is None) != (e.meta("summary_error") is None)
        if e.summary is not None and e.summary.backend == "stub":
            assert e.summary.language == template[:2]
    rows = list(router.store.ledger())
    ok = Counter(r.cache_key for r in rows if r.status == "ok")
    assert all(n == 1 for n in ok.values())
    paid = Counter(r.entry for r in rows if r.status in ("ok", "rejected") and r.backend == "stub")
    assert paid == stub.paid_by_paper()
    text = (
        run.digest.to_json()
        + "".join(r.error for r in rows)
        + "".join(r.error for r in run.results)
    )
    assert SENTINEL_KEY not in text
