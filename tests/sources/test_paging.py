"""Paging that never loses papers: the arXiv API's empty and short pages, over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.errors import RemoteError
from digestkit.sources.arxiv import fetch_arxiv
from digestkit.sources.config import ArxivConfig
from digestkit.testing.sources_stub import SourcesStub, StubPaper

FRI = dt.date(2026, 2, 20)


def paper(n: int) -> StubPaper:
    return StubPaper(f"2602.{n:05d}", title=f"Paper {n} on RL", abstract="RL.", published=FRI)


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    with SourcesStub([paper(i) for i in range(1, 8)]) as s:
        yield s


def cfg(stub: SourcesStub, **kw: object) -> ArxivConfig:
    base: dict[str, object] = {
        "categories": ("cs.CL",),
        "source": "api",
        "days": 1,
        "url": stub.arxiv_url,
        "delay_seconds": 0.0,
        "page_size": 3,
        "num_retries": 3,
    }
    base.update(kw)
    return ArxivConfig(**base)  # type: ignore[arg-type]


def starts(stub: SourcesStub) -> list[str]:
    return [r["query"]["start"] for r in stub.requests_to("/api/query")]


def test_an_empty_first_page_is_asked_again_with_backoff(stub: SourcesStub) -> None:
    stub.short_page(0, times=2)  # 200, a valid feed, totalResults=7, no entries: twice
    sleeps: list[float] = []
    got = fetch_arxiv(cfg(stub, delay_seconds=0.5), FRI, sleep=sleeps.append)
    assert len(got.entries) == 7 and not got.incomplete
    assert starts(stub) == ["0", "0", "0", "3", "6"]
    # Backoff doubles (0.5, 1.0); the other sleeps are the polite gap between requests.
    assert 1.0 in sleeps and all(s <= 1.0 for s in sleeps)


def test_an_empty_first_page_beyond_the_retries_is_a_shortfall_not_zero(
    stub: SourcesStub,
) -> None:
    stub.short_page(0, times=10)
    got = fetch_arxiv(cfg(stub, num_retries=2), FRI)
    assert len(got.entries) == 4
    assert got.incomplete.startswith("received 4 of 7 papers announced")
    assert "offset 0: 0 of 3 after 3 tries" in got.incomplete
    assert starts(stub) == ["0", "0", "0", "3", "6"]


def test_a_short_middle_page_is_retried_then_reported(stub: SourcesStub) -> None:
    stub.short_page(3, drop=1, times=1)
    got = fetch_arxiv(cfg(stub), FRI)
    assert len(got.entries) == 7 and not got.incomplete
    stub.requests.clear()
    stub.short_page(3, drop=1, times=10)
    got = fetch_arxiv(cfg(stub, num_retries=1), FRI)
    assert len(got.entries) == 6
    assert got.incomplete == "received 6 of 7 papers announced (offset 3: 2 of 3 after 2 tries)"


def test_a_quiet_day_is_one_request_and_complete(stub: SourcesStub) -> None:
    got = fetch_arxiv(cfg(stub, days=1), FRI + dt.timedelta(days=1))
    assert got.entries == () and not got.incomplete
    assert starts(stub) == ["0"]


def test_max_results_caps_what_is_expected(stub: SourcesStub) -> None:
    got = fetch_arxiv(cfg(stub, max_results=4), FRI)
    assert len(got.entries) == 4 and not got.incomplete
    assert [r["query"]["max_results"] for r in stub.requests_to("/api/query")] == ["3", "1"]


def test_a_url_with_a_query_string_keeps_it_and_adds_the_search(stub: SourcesStub) -> None:
    got = fetch_arxiv(cfg(stub, url=stub.arxiv_url + "?mirror=1"), FRI)
    assert len(got.entries) == 7
    first = stub.requests_to("/api/query")[0]["query"]
    assert first["mirror"] == "1" and "cat:cs.CL" in first["search_query"]


def test_an_error_feed_raises_with_the_message() -> None:
    from digestkit.sources.arxiv import parse_page

    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format</id>"
        "<summary>incorrect id format for 1234</summary></entry></feed>"
    )
    with pytest.raises(RemoteError, match="incorrect id format"):
        parse_page(body)
    with pytest.raises(RemoteError, match="totalResults"):
        parse_page('<feed xmlns="http://www.w3.org/2005/Atom"></feed>')


def test_digest_reports_a_shortfall_as_a_failed_source_exit_1(
    stub: SourcesStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "digestkit.toml"
    config.write_text(
        f'[sources.arxiv]\nsource = "api"\ncategories = ["cs.CL"]\ndays = 1\npage_size = 10\n'
        f'delay_seconds = 0\nnum_retries = 2\nurl = "{stub.arxiv_url}"\n'
        f'[selection]\nkeywords = ["RL"]\n[state]\npath = "state.sqlite"\n'
        f'[output]\ndir = "site"\n',
        encoding="utf-8",
    )
    stub.short_page(0, times=3)  # num_retries = 2: all three tries come back empty
    code = main(["digest", "-c", str(config), "--date", FRI.isoformat()])
    err = capsys.readouterr().err
    assert code == 1
    assert "source failed: arxiv: incomplete: received 0 of 7 papers announced" in err
    assert "no new papers" not in err and "not a quiet day" in err
    assert not (tmp_path / "site").exists()
    # The next run (the API healthy again) publishes all seven.
    assert main(["digest", "-c", str(config), "--date", FRI.isoformat()]) == 0
    assert "published 7 papers" in capsys.readouterr().out


def test_semantic_scholar_checks_what_came_against_its_total(stub: SourcesStub) -> None:
    from digestkit.sources.config import SemanticScholarConfig
    from digestkit.sources.semantic_scholar import fetch_semantic_scholar

    stub.papers = [
        StubPaper(f"2602.{n:05d}", title=f"P{n}", published=FRI, in_s2=True) for n in range(1, 6)
    ]
    cfg = SemanticScholarConfig(
        query="rl", url=stub.s2_url, page_size=2, delay_seconds=0, num_retries=0, days=1
    )
    assert not fetch_semantic_scholar(cfg, FRI).incomplete
    stub.s2_short_page(2, drop=1)
    got = fetch_semantic_scholar(cfg, FRI)
    assert len(got.entries) == 4
    assert got.incomplete == "received 4 of 5 results announced"
