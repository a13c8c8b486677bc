"""Summaries written from full text: what the prompt holds, what is recorded, fallback to the
abstract, the context budget, and the paper as a cached prompt block (Anthropic stub)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from backends.helpers import SENTINEL_KEY, stub_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.backends.cache import Store
from digestkit.backends.limits import estimate_tokens
from digestkit.backends.router import Router
from digestkit.digest.model import Digest, Entry
from digestkit.fulltext import FullText, Section, Table
from digestkit.fulltext.fit import fit_fulltext
from digestkit.summarizer import estimate_cost, summarize_run
from digestkit.templates import build_prompt, load_template
from digestkit.testing.llm_stub import serve_stub

ABSTRACT = "We propose FooNet, a sparse mixture model for long documents."
BODY_NUMBER = "87.3%"


def paper(arxiv_id: str = "2501.00001") -> FullText:
    return FullText(
        arxiv_id=arxiv_id,
        version=2,
        source="latex",
        title="FooNet",
        abstract=ABSTRACT,
        sections=(
            Section("1", "Introduction", 1, "Long documents are hard for dense models."),
            Section("2", "Related Work", 1, "Prior sparse models exist. " * 40),
            Section(
                "3",
                "Experiments",
                1,
                f"Trained on 64 A100 GPUs for 3 days, FooNet reaches "
                f"{BODY_NUMBER} accuracy on LongBench.",
            ),  # fmt: skip
            Section("A", "Proofs", 1, "Lemma 1 holds. " * 60, appendix=True),
        ),
        tables=(Table("Table 1", "Main results", (("Model", "Acc"), ("FooNet", "87.3")), 2),),
        references=tuple(f"[{i}] A. Author. Paper {i}. 2020." for i in range(30)),
    )


@dataclass
class Fetched:
    """What :class:`digestkit.fulltext.fetch.FulltextFetcher.fetch` returns (the fields the
    summarizer reads)."""

    arxiv_id: str
    fulltext: FullText | None
    error: str = ""


@dataclass
class Fetcher:
    """A fetcher that serves papers from memory and counts what it was asked for."""

    papers: dict[str, FullText]
    asked: list[str] = field(default_factory=list)

    def fetch(self, arxiv_id: str) -> Fetched:
        self.asked.append(arxiv_id)
        ft = self.papers.get(arxiv_id.split("v")[0])
        return Fetched(arxiv_id, ft, "" if ft else "html: 404 no HTML; latex: 403; pdf: 503 x4")

    def close(self) -> None:
        pass


@pytest.fixture()
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)


def digest(*ids: str) -> Digest:
    return Digest(
        entries=tuple(
            Entry(arxiv_id=i, version=2, title="FooNet", abstract=ABSTRACT, authors=("A. B",))
            for i in ids
        )
    )


def test_offline_summary_from_full_text_records_its_source() -> None:
    fetcher = Fetcher({"2501.00001": paper()})
    run = summarize_run(
        digest("2501.00001"), template="en-tldr", store=Store(":memory:"), source="auto",
        fulltext=fetcher,
    )  # fmt: skip
    e = run.digest.entries[0]
    assert e.summary is not None and e.summary.source == "fulltext:latex"
    assert fetcher.asked == ["2501.00001v2"]
    assert e.meta("fulltext.source") == "latex 2501.00001v2"
    assert int(e.meta("fulltext.tokens") or 0) > estimate_tokens(ABSTRACT)
    assert run.from_fulltext == 1 and "1 of 1 from full text" in run.summary_line()


def test_auto_falls_back_to_the_abstract_and_says_why() -> None:
    run = summarize_run(
        digest("2501.00009"), template="en-tldr", store=Store(":memory:"), source="auto",
        fulltext=Fetcher({}),
    )  # fmt: skip
    e = run.digest.entries[0]
    assert run.failed == 0 and e.summary is not None and e.summary.source == "abstract"
    assert "404 no HTML" in (e.meta("fulltext.error") or "")


def test_fulltext_mode_fails_the_paper_without_one() -> None:
    run = summarize_run(
        digest("2501.00001", "2501.00009"), template="en-tldr", store=Store(":memory:"),
        source="fulltext", fulltext=Fetcher({"2501.00001": paper()}),
    )  # fmt: skip
    ok, failed = run.digest.entries
    assert ok.summary is not None and ok.summary.source == "fulltext:latex"
    assert failed.summary is None and "no full text" in (failed.meta("summary_error") or "")
    assert run.failed == 1


def test_abstract_mode_never_fetches() -> None:
    fetcher = Fetcher({"2501.00001": paper()})
    run = summarize_run(
        digest("2501.00001"), template="en-tldr", store=Store(":memory:"), source="abstract",
        fulltext=fetcher,
    )  # fmt: skip
    assert fetcher.asked == [] and run.digest.entries[0].summary.source == "abstract"  # type: ignore[union-attr]


def test_prompt_holds_the_body_and_tells_the_model_what_it_sees() -> None:
    t = load_template("ja-8q")
    e = digest("2501.00001").entries[0]
    fitted = fit_fulltext(paper(), 100_000)
    p = build_prompt(t, e, text=fitted.text, kind="full text")
    assert BODY_NUMBER in p.document and '<text kind="full text">' in p.document
    assert "## 3 Experiments" in p.document and "[29] A. Author" in p.document
    assert p.user.startswith(p.document) and p.user.index(t.sections[0]) > len(p.document)
    assert '<text kind="abstract">' in build_prompt(t, e).user


def test_estimate_counts_full_text_tokens(key: None) -> None:
    router = Router(stub_settings("http://127.0.0.1:9", summarize={}), store=Store(":memory:"))
    fetcher = Fetcher({"2501.00001": paper()})
    est = estimate_cost(
        digest("2501.00001", "2501.00009"), template="en-tldr", router=router, source="auto",
        fulltext=fetcher,
    )  # fmt: skip
    assert est.fulltext_papers == 1 and est.fulltext_tokens > 300
    assert "1 from full text" in est.summary_line()


def test_anthropic_ja8q_from_full_text_cites_the_body_and_caches_the_paper(key: None) -> None:
    """Over real HTTP: the paper goes out as a cached block; the answer cites a number found
    only in the body; a second template over the same paper reads the paper from the cache."""
    with serve_stub("anthropic") as stub:
        settings = stub_settings(stub.base_url, "anthropic")
        store = Store(":memory:")
        fetcher = Fetcher({"2501.00001": paper()})
        with Router(settings, store=store) as router:
            ja = summarize_run(
                digest("2501.00001"), template="ja-8q", router=router, source="fulltext",
                fulltext=fetcher,
            )  # fmt: skip
            en = summarize_run(
                digest("2501.00001"), template="en-tldr", router=router, source="fulltext",
                fulltext=fetcher,
            )  # fmt: skip
        abstract_only = Store(":memory:")
        with Router(settings, store=abstract_only) as router:
            summarize_run(digest("2501.00001"), template="ja-8q", router=router)
    s = ja.digest.entries[0].summary
    assert s is not None and s.source == "fulltext:latex" and s.language == "ja"
    assert BODY_NUMBER in s.raw and BODY_NUMBER not in ABSTRACT
    first, second = ja.usage, en.usage
    assert first.cache_write_tokens > 0 and second.cache_read_tokens >= first.cache_write_tokens
    tokens = sum(r.usage.input_tokens + r.usage.cache_write_tokens for r in store.ledger())
    assert tokens > 3 * sum(r.usage.input_tokens for r in abstract_only.ledger())


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(min_size=0, max_size=3000), min_size=1, max_size=8),
    budget=st.integers(min_value=1_000, max_value=6_000),
)
def test_fit_never_exceeds_the_budget(texts: list[str], budget: int) -> None:
    heads = ["Introduction", "Related Work", "Method", "Results", "Misc", "Appendix X"]
    ft = FullText(
        title="T",
        abstract="A",
        sections=tuple(
            Section(str(i + 1), heads[i % len(heads)], 1, t, appendix=i % len(heads) == 5)
            for i, t in enumerate(texts)
        ),
        references=("[1] x",) * 20,
    )
    fitted = fit_fulltext(ft, budget)
    assert fitted.tokens == estimate_tokens(fitted.text) <= budget
    assert "Results" not in " ".join(fitted.omitted)  # core sections are shortened, never left out


def test_full_text_summary_is_checked_against_the_full_text() -> None:
    """The check cites where the paper supports each number; against the abstract alone the
    same summary would be flagged for its body-only numbers."""
    import json

    from digestkit.faithfulness import check_summary

    run = summarize_run(
        digest("2501.00001"), template="en-tldr", store=Store(":memory:"), source="fulltext",
        fulltext=Fetcher({"2501.00001": paper()}),
    )  # fmt: skip
    e = run.digest.entries[0]
    assert e.meta("faithfulness.flagged") == "false"
    checked = json.loads(e.meta("faithfulness.checked") or "[]")
    assert any(c.startswith("64 — 3 Experiments") for c in checked), checked
    body = "\n".join(b for _, b in e.summary.sections)  # type: ignore[union-attr]
    assert check_summary(body, ABSTRACT, lang="en").flagged
