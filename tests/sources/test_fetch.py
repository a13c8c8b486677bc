"""The sources over real HTTP against the stub servers on 127.0.0.1 (no internet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.errors import AuthError, RemoteError
from digestkit.sources.arxiv import fetch_arxiv
from digestkit.sources.config import ArxivConfig, HFDailyConfig, SemanticScholarConfig
from digestkit.sources.hf_daily import fetch_hf_daily
from digestkit.sources.merge import merge
from digestkit.sources.semantic_scholar import fetch_semantic_scholar
from digestkit.testing.sources_stub import SourcesStub, StubPaper

FRI = dt.date(2026, 2, 20)
SAT = dt.date(2026, 2, 21)


def paper(n: int, **kw: object) -> StubPaper:
    base: dict[str, object] = {
        "arxiv_id": f"2602.{n:05d}",
        "title": f"Paper {n} on RL agents",
        "abstract": f"Abstract {n}.",
        "published": FRI,
    }
    base.update(kw)
    return StubPaper(**base)  # type: ignore[arg-type]


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    with SourcesStub() as s:
        yield s


def arxiv_cfg(stub: SourcesStub, **kw: object) -> ArxivConfig:
    base: dict[str, object] = {
        "categories": ("cs.CL",),
        "source": "api",
        "days": 1,
        "url": stub.arxiv_url,
        "delay_seconds": 0.0,
        "page_size": 3,
        "num_retries": 2,
    }
    base.update(kw)
    return ArxivConfig(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- arXiv (real arxiv.Client)


def test_arxiv_paginates_with_the_real_client(stub: SourcesStub) -> None:
    stub.papers = [paper(i) for i in range(1, 8)] + [paper(99, categories=("math.AG",))]
    got = fetch_arxiv(arxiv_cfg(stub), FRI)
    assert sorted(e.arxiv_id for e in got.entries) == [f"2602.{i:05d}" for i in range(1, 8)]
    pages = stub.requests_to("/api/query")
    assert [r["query"]["start"] for r in pages] == ["0", "3", "6"]
    assert "cat:cs.CL" in pages[0]["query"]["search_query"]
    first = got.entries[0]
    assert first.sources == ("arxiv",)
    assert first.url.startswith("https://arxiv.org/abs/2602.")
    assert first.published == FRI and first.announce_type == "new"


def test_arxiv_announce_types(stub: SourcesStub) -> None:
    stub.papers = [
        paper(1),
        paper(2, version=2, updated=FRI, published=FRI - dt.timedelta(days=30)),
        paper(3, categories=("cs.CV", "cs.CL")),
    ]
    assert [e.arxiv_id for e in fetch_arxiv(arxiv_cfg(stub), FRI).entries] == [
        "2602.00003",
        "2602.00001",
    ]  # the default announce_types: new and cross, no replacements
    every = ("new", "cross", "replace", "replace-cross")
    got = {e.arxiv_id: e for e in fetch_arxiv(arxiv_cfg(stub, announce_types=every), FRI).entries}
    assert got["2602.00001"].announce_type == "new"
    assert got["2602.00002"].announce_type == "replace"
    assert got["2602.00002"].version == 2
    assert got["2602.00003"].announce_type == "cross"
    assert got["2602.00003"].categories == ("cs.CV", "cs.CL")


def test_arxiv_503s_then_success(stub: SourcesStub) -> None:
    stub.papers = [paper(1)]
    stub.fail_next("/api/query", 2, status=503)
    got = fetch_arxiv(arxiv_cfg(stub, num_retries=2), FRI)
    assert [e.arxiv_id for e in got.entries] == ["2602.00001"]
    assert len(stub.requests_to("/api/query")) == 3


def test_arxiv_gives_up_after_bounded_retries(stub: SourcesStub) -> None:
    stub.papers = [paper(1)]
    stub.fail_next("/api/query", 10, status=503)
    with pytest.raises(RemoteError) as err:
        fetch_arxiv(arxiv_cfg(stub, num_retries=1), FRI)
    assert err.value.context["status"] == 503
    assert stub.arxiv_url in err.value.context["url"]
    assert len(stub.requests_to("/api/query")) == 2


def test_arxiv_empty_middle_page_is_retried(stub: SourcesStub) -> None:
    stub.papers = [paper(i) for i in range(1, 6)]
    stub.empty_pages.add(3)
    got = fetch_arxiv(arxiv_cfg(stub), FRI)
    assert len(got.entries) == 5


def test_arxiv_weekend_with_no_papers_is_empty_not_an_error(stub: SourcesStub) -> None:
    stub.papers = [paper(1)]
    got = fetch_arxiv(arxiv_cfg(stub, days=1), SAT)
    assert got.entries == ()
    assert len(stub.requests_to("/api/query")) == 1


def test_arxiv_malformed_entries_are_skipped(stub: SourcesStub) -> None:
    stub.papers = [paper(1), paper(2, malformed=True), paper(3)]
    got = fetch_arxiv(arxiv_cfg(stub, page_size=10), FRI)
    assert sorted(e.arxiv_id for e in got.entries) == ["2602.00001", "2602.00003"]


def test_arxiv_keywords_prefilter_on_the_server(stub: SourcesStub) -> None:
    stub.papers = [paper(1), paper(2, title="Vision", abstract="Pixels.")]
    got = fetch_arxiv(arxiv_cfg(stub, keywords=("rl agents",)), FRI)
    assert [e.arxiv_id for e in got.entries] == ["2602.00001"]
    assert 'ti:"rl agents" OR abs:"rl agents"' in stub.requests[0]["query"]["search_query"]


def test_arxiv_max_results_bounds_requests(stub: SourcesStub) -> None:
    stub.papers = [paper(i) for i in range(1, 20)]
    got = fetch_arxiv(arxiv_cfg(stub, max_results=4), FRI)
    assert len(got.entries) == 4
    assert len(stub.requests_to("/api/query")) == 2


# ---------------------------------------------------------------- Hugging Face


def hf_cfg(stub: SourcesStub, **kw: object) -> HFDailyConfig:
    base: dict[str, object] = {"url": stub.hf_url, "delay_seconds": 0.0, "page_size": 2}
    base.update(kw)
    return HFDailyConfig(**base)  # type: ignore[arg-type]


def test_hf_pages_and_skips_malformed(stub: SourcesStub) -> None:
    stub.papers = [paper(i, hf_date=FRI, upvotes=10 - i) for i in range(1, 5)]
    stub.papers.append(paper(9, hf_date=FRI, malformed=True))
    got = fetch_hf_daily(hf_cfg(stub), FRI)
    assert [e.arxiv_id for e in got.entries] == [f"2602.{i:05d}" for i in range(1, 5)]
    assert got.entries[0].meta("hf_upvotes") == "9"
    assert len(got.skipped) == 1 and "item" in got.skipped[0]
    assert [r["query"]["p"] for r in stub.requests_to("/api/daily_papers")] == ["0", "1", "2"]


def test_hf_asks_for_each_day_of_the_window(stub: SourcesStub) -> None:
    stub.papers = [paper(1, hf_date=FRI), paper(2, hf_date=SAT)]
    got = fetch_hf_daily(hf_cfg(stub), SAT, days=2)
    assert sorted(e.arxiv_id for e in got.entries) == ["2602.00001", "2602.00002"]
    dates = {r["query"]["date"] for r in stub.requests_to("/api/daily_papers")}
    assert dates == {"2026-02-20", "2026-02-21"}


def test_hf_503_then_success_and_429_retry_after(stub: SourcesStub) -> None:
    stub.papers = [paper(1, hf_date=FRI)]
    stub.fail_next("/api/daily_papers", 1, status=503)
    stub.fail_next("/api/daily_papers", 1, status=429, retry_after=0)
    got = fetch_hf_daily(hf_cfg(stub, num_retries=3), FRI)
    assert len(got.entries) == 1
    assert got.requests == 3


def test_hf_gives_up_with_a_network_error_naming_the_url(stub: SourcesStub) -> None:
    stub.fail_next("/api/daily_papers", 5, status=500)
    with pytest.raises(RemoteError) as err:
        fetch_hf_daily(hf_cfg(stub, num_retries=1), FRI)
    assert err.value.context["url"] == stub.hf_url
    assert err.value.context["status"] == 500


# ---------------------------------------------------------------- Semantic Scholar


def s2_cfg(stub: SourcesStub, **kw: object) -> SemanticScholarConfig:
    base: dict[str, object] = {
        "url": stub.s2_url,
        "query": "agents",
        "delay_seconds": 0.0,
        "page_size": 2,
    }
    base.update(kw)
    return SemanticScholarConfig(**base)  # type: ignore[arg-type]


def test_s2_paginates_and_skips_malformed(stub: SourcesStub) -> None:
    stub.papers = [paper(i, in_s2=True, citations=i) for i in range(1, 5)]
    stub.papers.append(paper(5, in_s2=True, malformed=True))
    got = fetch_semantic_scholar(s2_cfg(stub), FRI)
    assert [e.arxiv_id for e in got.entries] == [f"2602.{i:05d}" for i in range(1, 5)]
    assert got.entries[2].meta("s2_citations") == "3"
    assert any("bad ArXiv id" in s for s in got.skipped)
    offsets = [r["query"]["offset"] for r in stub.requests_to("/graph/v1")]
    assert offsets == ["0", "2", "4"]
    assert stub.requests[0]["query"]["publicationDateOrYear"] == "2026-02-18:2026-02-20"


def test_s2_api_key_goes_in_a_header_only(
    stub: SourcesStub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s2-secret-key-value"
    monkeypatch.setenv("DK_TEST_S2_KEY", secret)
    stub.papers = [paper(1, in_s2=True)]
    caplog.set_level("DEBUG")
    got = fetch_semantic_scholar(s2_cfg(stub, api_key_env="DK_TEST_S2_KEY"), FRI)
    assert len(got.entries) == 1
    assert stub.requests[0]["has_api_key"]
    assert secret not in str(stub.requests)
    assert secret not in caplog.text


def test_s2_unset_optional_key_asks_unkeyed_with_a_note(
    stub: SourcesStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DK_TEST_S2_KEY", raising=False)
    stub.papers = [paper(1, in_s2=True)]
    got = fetch_semantic_scholar(s2_cfg(stub, api_key_env="DK_TEST_S2_KEY"), FRI)
    assert len(got.entries) == 1 and not stub.requests[0]["has_api_key"]
    assert "DK_TEST_S2_KEY is not set; asking without a key" in got.skipped[0]


def test_s2_403_is_an_auth_error_without_retries(stub: SourcesStub) -> None:
    stub.fail_next("/graph/v1", 5, status=403)
    with pytest.raises(AuthError):
        fetch_semantic_scholar(s2_cfg(stub, num_retries=3), FRI)
    assert len(stub.requests) == 1


# ---------------------------------------------------------------- merge


def test_the_same_paper_from_three_sources_is_one_entry(stub: SourcesStub) -> None:
    stub.papers = [
        paper(1, hf_date=FRI, in_s2=True, upvotes=7, citations=2, categories=("cs.CL",)),
        paper(2, hf_date=FRI),
        paper(3),
    ]
    fetched = [
        fetch_hf_daily(hf_cfg(stub), FRI),
        fetch_semantic_scholar(s2_cfg(stub), FRI),
        fetch_arxiv(arxiv_cfg(stub), FRI),
    ]
    merged = {e.arxiv_id: e for e in merge(*(f.entries for f in fetched))}
    assert len(merged) == 3
    one = merged["2602.00001"]
    assert one.sources == ("arxiv", "semantic_scholar", "hf_daily")
    assert one.meta("hf_upvotes") == "7" and one.meta("s2_citations") == "2"
    assert one.categories == ("cs.CL",)
    assert one.announce_type == "new"
    assert merged["2602.00002"].sources == ("arxiv", "hf_daily")


def test_stub_papers_load_from_json(tmp_path: Path) -> None:
    from digestkit.testing.sources_stub import load_papers

    path = tmp_path / "papers.json"
    path.write_text(
        '[{"arxiv_id": "2602.00042", "title": "T", "published": "2026-02-20",'
        ' "hf_date": "2026-02-21", "categories": ["cs.LG"]}]',
        encoding="utf-8",
    )
    [p] = load_papers(str(path))
    assert p.published == FRI and p.hf_date == SAT and p.categories == ("cs.LG",)


# ---------------------------------------------------------------- politeness


def test_polite_client_waits_between_requests_and_honours_retry_after(stub: SourcesStub) -> None:
    from digestkit.sources._http import MAX_RETRY_AFTER, PoliteClient

    sleeps: list[float] = []
    stub.papers = [paper(i, hf_date=FRI) for i in range(1, 4)]
    stub.fail_next("/api/daily_papers", 1, status=429, retry_after=5)
    stub.fail_next("/api/daily_papers", 1, status=503, retry_after=3600)
    with PoliteClient(delay_seconds=2.0, num_retries=3, sleep=sleeps.append) as client:
        got = fetch_hf_daily(hf_cfg(stub, page_size=2), FRI, client=client)
    assert len(got.entries) == 3
    # 429 -> its Retry-After (5 s); 503 -> Retry-After capped; then the polite delay between
    # the two pages (a little under 2 s, since time passed since the last request).
    assert sleeps[0] == 5
    assert sleeps[1] == MAX_RETRY_AFTER
    assert len(sleeps) == 3 and 0 < sleeps[2] <= 2.0


def test_arxiv_page_failing_after_the_first_keeps_what_was_fetched(stub: SourcesStub) -> None:
    stub.papers = [paper(i) for i in range(1, 8)]
    stub.empty_pages.add(3)  # the second page comes back empty ...
    cfg = arxiv_cfg(stub, num_retries=0)  # ... and is not retried
    got = fetch_arxiv(cfg, FRI)
    assert len(got.entries) == 4  # the pages before and after it still count
    assert "received 4 of 7 papers announced (offset 3: 0 of 3" in got.incomplete
    stub.requests.clear()
    stub.fail_next("/api/query", 1, status=503, after=1)  # the second page fails outright
    got = fetch_arxiv(cfg, FRI)
    assert len(got.entries) == 3 and "stopped at offset 3 after 3 papers" in got.incomplete


def test_s2_and_hf_keep_earlier_pages_when_a_later_one_fails(stub: SourcesStub) -> None:
    stub.papers = [paper(i, in_s2=True, hf_date=FRI) for i in range(1, 4)]
    stub.papers.append(paper(9, hf_date=SAT))
    got = fetch_semantic_scholar(s2_cfg(stub, num_retries=0), FRI)
    assert len(got.entries) == 3 and not got.incomplete
    stub.requests.clear()

    # Fail the second S2 page and the second HF day, beyond their retries.
    stub.fail_next("/graph/v1", 1, status=503, after=1)
    got = fetch_semantic_scholar(s2_cfg(stub, num_retries=0), FRI)
    assert len(got.entries) == 2 and "stopped at offset 2" in got.incomplete
    stub.fail_next("/api/daily_papers", 1, status=503, after=1)
    got = fetch_hf_daily(hf_cfg(stub, num_retries=0, page_size=50), SAT, days=2)
    assert len(got.entries) == 3 and "stopped at 2026-02-21" in got.incomplete
