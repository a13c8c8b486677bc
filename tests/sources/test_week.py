"""A simulated week of daily runs against the announcement feed (real HTTP, the stub).

Thanksgiving week 2026: batches are announced Sunday 22 to Wednesday 25 and Sunday 29;
Thursday 26 is one of arXiv's holidays, Friday and Saturday never announce. Every morning
(12:00 UTC, ``--date``) a run publishes exactly the batch arXiv announced the evening
before -- Monday's run the Sunday batch -- through a stale feed (Tuesday), a broken feed
(Thursday), an empty API page (Wednesday) and quiet days (Friday to Sunday).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.digest.model import Digest
from digestkit.sources.arxiv import fetch_arxiv
from digestkit.sources.config import ArxivConfig
from digestkit.sources.schedule import current_batch, run_time
from digestkit.testing.sources_stub import SourcesStub, StubPaper

D = dt.date
# Each batch: (announcement evening, the day its cut-off closed = the papers' date).
BATCHES = {
    D(2026, 11, 22): D(2026, 11, 20),  # Sunday: Thu 14:00 - Fri 14:00
    D(2026, 11, 23): D(2026, 11, 23),  # Monday: Fri 14:00 - Mon 14:00
    D(2026, 11, 24): D(2026, 11, 24),
    D(2026, 11, 25): D(2026, 11, 25),
    D(2026, 11, 29): D(2026, 11, 27),  # Sunday after the holiday: Wed 14:00 - Fri 14:00
}


def batch_papers() -> list[StubPaper]:
    papers = []
    for n, (evening, submitted) in enumerate(BATCHES.items()):
        for k in range(2):  # one new paper, one cross-list (primary cs.LG)
            cats = ("cs.CL",) if k == 0 else ("cs.LG", "cs.CL")
            papers.append(
                StubPaper(
                    f"2611.{n:02d}{k:03d}",
                    title=f"RL batch {evening:%a %d} #{k}",
                    abstract="We study RL.",
                    categories=cats,
                    published=submitted,
                    announced=evening,
                )  # fmt: skip
            )
        # A replacement of an old paper: not shown by default (announce_types new, cross).
        papers.append(
            StubPaper(
                f"2609.{n:05d}",
                version=2,
                title=f"RL old paper v2 {n}",
                abstract="RL.",
                published=D(2026, 9, 1),
                updated=submitted,
                announced=evening,
            )  # fmt: skip
        )
    return papers


PAPERS = batch_papers()


def expected(evening: dt.date) -> set[str]:
    return {p.arxiv_id for p in PAPERS if p.announced == evening and p.version == 1}


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    with SourcesStub(PAPERS) as s:
        yield s


def test_a_week_of_runs_publishes_each_batch_once(
    stub: SourcesStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "digestkit.toml"
    config.write_text(
        f'[sources.arxiv]\ncategories = ["cs.CL"]\ndelay_seconds = 0\nnum_retries = 2\n'
        f'url = "{stub.arxiv_url}"\n[selection]\nkeywords = ["RL"]\n'
        f'[state]\npath = "state.sqlite"\n[output]\ndir = "site"\n',
        encoding="utf-8",
    )
    published: dict[str, dt.date] = {}
    for offset in range(8):  # Monday 23 .. Monday 30
        day = D(2026, 11, 23) + dt.timedelta(days=offset)
        batch = current_batch(run_time(day))
        stub.feed_batch = batch
        if day == D(2026, 11, 24):
            stub.feed_batch = D(2026, 11, 22)  # the feed is stuck on Sunday's batch
        if day == D(2026, 11, 25):
            stub.short_page(0, times=2)  # the id_list lookup: twice an empty page
        if day == D(2026, 11, 26):
            stub.fail_next("/rss/", 10, status=503)  # the feed is down
        code = main(["digest", "-c", str(config), "--date", day.isoformat()])
        out = capsys.readouterr()
        assert code == 0, (day, out.err)
        archive = tmp_path / "site" / "digests" / f"{day}.json"
        got = (
            {e.key for e in Digest.from_json(archive.read_text("utf-8")).entries}
            if archive.exists()
            else set()
        )
        fresh = expected(batch) - set(published)
        assert got == fresh, (day, batch, got, fresh)
        for key in got:
            assert key not in published, f"{key} shown twice"
            published[key] = day
        if day == D(2026, 11, 24):
            assert "announcement feed is stale" in out.err
        if day == D(2026, 11, 26):
            assert "announcement feed unavailable" in out.err
        if not got:
            assert "no new papers" in out.err  # Friday to Sunday: quiet, after the holiday
    # Every announced new paper and cross-list, once; Monday got Sunday's batch.
    assert set(published) == {p.arxiv_id for p in PAPERS if p.version == 1}
    assert {k for k, d in published.items() if d == D(2026, 11, 30)} == expected(D(2026, 11, 29))
    assert {k for k, d in published.items() if d == D(2026, 11, 23)} == expected(D(2026, 11, 22))


def test_a_stale_feed_with_nothing_in_the_api_is_not_a_quiet_day(stub: SourcesStub) -> None:
    cfg = ArxivConfig(categories=("cs.CL",), url=stub.arxiv_url, delay_seconds=0)
    stub.papers = [p for p in PAPERS if p.announced == D(2026, 11, 22)]  # the API lags
    stub.feed_batch = D(2026, 11, 22)
    got = fetch_arxiv(cfg, D(2026, 11, 25))  # Wednesday: Tuesday's batch is due
    assert got.entries == ()
    assert "feed is stale" in got.incomplete and "found no paper" in got.incomplete


def test_a_current_empty_feed_is_a_quiet_day(stub: SourcesStub) -> None:
    cfg = ArxivConfig(categories=("math.AG",), url=stub.arxiv_url, delay_seconds=0)
    stub.feed_batch = D(2026, 11, 24)
    got = fetch_arxiv(cfg, D(2026, 11, 25))
    assert got.entries == () and got.incomplete == "" and got.skipped == ()
    assert [r["path"] for r in stub.requests] == ["/rss/math.AG"]  # no API call


def test_the_feed_keeps_its_announce_types_and_the_api_completes_dates(
    stub: SourcesStub,
) -> None:
    every = ("new", "cross", "replace", "replace-cross")
    cfg = ArxivConfig(categories=("cs.CL",), url=stub.arxiv_url, delay_seconds=0,
                      announce_types=every)  # fmt: skip
    stub.feed_batch = D(2026, 11, 23)
    got = {e.arxiv_id: e for e in fetch_arxiv(cfg, D(2026, 11, 24)).entries}
    assert {e.announce_type for e in got.values()} == {"new", "cross", "replace"}
    assert all(e.published is not None for e in got.values())  # from the API's id_list
    assert got["2611.01001"].categories[0] == "cs.LG"
    assert any("id_list" in r["query"] for r in stub.requests_to("/api/query"))
