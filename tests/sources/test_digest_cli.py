"""`digestkit fetch` and `digestkit digest` end to end against the stub servers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.digest.model import Digest
from digestkit.sources.config import load_sources_config
from digestkit.sources.pipeline import publish
from digestkit.testing.sources_stub import SourcesStub, StubPaper

FRI = dt.date(2026, 2, 20)
SAT = dt.date(2026, 2, 21)
MON = dt.date(2026, 2, 23)

PAPERS = [
    StubPaper("2602.00001", title="Scaling RL for agents", abstract="We use RL.", published=FRI),
    StubPaper(
        "2602.00002", title="Early world models", abstract="The world, early.", published=FRI
    ),
    StubPaper(
        "2602.00003",
        title="Reward models for RL",
        abstract="Reinforcement learning.",
        published=FRI,
        hf_date=FRI,
        upvotes=12,
    ),
    StubPaper("2602.00004", title="A survey of RL", abstract="RL RL", published=FRI),
    StubPaper("2602.00005", title="Offline RL at scale", abstract="RL.", published=MON),
    StubPaper("2602.00006", title="Vision only", categories=("cs.CV",), published=MON),
]


def write_config(tmp: Path, stub: SourcesStub, *, days: int = 4) -> Path:
    cfg = tmp / "digestkit.toml"
    cfg.write_text(
        f"""
[sources.arxiv]
source = "api"
categories = ["cs.CL", "cs.LG"]
days = {days}
page_size = 2
delay_seconds = 0
num_retries = 1
url = "{stub.arxiv_url}"

[sources.hf_daily]
days = {days}
url = "{stub.hf_url}"
delay_seconds = 0

[selection]
keywords = {{ RL = 2, "reinforcement learning" = 3 }}
exclude = ["survey"]
min_score = 2

[state]
path = "state/shown.sqlite"

[output]
dir = "site"
title = "RL papers"
site_url = "https://example.org/papers"
""",
        encoding="utf-8",
    )
    return cfg


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, SourcesStub]]:
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)
    with SourcesStub(PAPERS) as stub:
        yield write_config(tmp_path, stub), stub


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fetch_writes_a_digest_json_and_explains(
    env: tuple[Path, SourcesStub], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, _ = env
    out = tmp_path / "today.json"
    code = main(
        ["fetch", "--config", str(cfg), "-o", str(out), "--explain", "--date", "2026-02-20"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    digest = Digest.from_json(out.read_text(encoding="utf-8"))
    assert [e.arxiv_id for e in digest.entries] == ["2602.00003", "2602.00001"]
    assert digest.entries[0].sources == ("arxiv", "hf_daily")
    assert digest.entries[0].score == 2 * 2 + 3  # "RL" in the title, the phrase in the abstract
    assert 'title "RL" x1: +4' in captured.out
    assert "2602.00002  score 0  below min_score  Early world models" in captured.out
    assert 'excluded by "survey" (title)' in captured.out
    assert "fetched 4 papers (arxiv 4, hf_daily 1)" in captured.err
    assert not (tmp_path / "state").exists()  # fetch never writes state


def test_fetch_to_stdout_and_source_failure_exit_1(
    env: tuple[Path, SourcesStub], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, stub = env
    stub.fail_next("/api/daily_papers", 10, status=503)
    code = main(["fetch", "-c", str(cfg), "--date", "2026-02-20"])
    captured = capsys.readouterr()
    assert code == 1
    assert json.loads(captured.out)["entries"][0]["arxiv_id"] == "2602.00003"
    assert "source failed: hf_daily: 503" in captured.err


def test_every_source_failing_is_one_error_line(
    env: tuple[Path, SourcesStub], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, stub = env
    stub.fail_next("/api/", 100, status=503)
    code = main(["digest", "-c", str(cfg), "--date", "2026-02-20"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("digestkit: error: ") and "Traceback" not in err


def test_bad_config_names_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text("[selection]\nmin_scor = 3\n", encoding="utf-8")
    assert main(["fetch", "-c", str(cfg)]) == 3
    err = capsys.readouterr().err
    assert f"{cfg}: selection.min_scor: unknown key; did you mean 'min_score'?" in err


def test_dry_run_changes_nothing(
    env: tuple[Path, SourcesStub], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, _ = env
    before = snapshot(tmp_path)
    code = main(["digest", "-c", str(cfg), "--dry-run", "--date", "2026-02-20"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "2602.00003  Reward models for RL" in captured.out
    assert "dry run" in captured.err
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").iterdir())


def fake_render(digest: Digest, fmt: str, **options: object) -> str:
    return f"{fmt}\n" + "\n".join(f"{e.arxiv_id} {e.title}" for e in digest.entries)


def test_publish_records_only_after_outputs_and_releases_on_failure(
    env: tuple[Path, SourcesStub], tmp_path: Path
) -> None:
    cfg = load_sources_config(env[0])

    def broken(digest: Digest, fmt: str, **options: object) -> str:
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        publish(cfg, FRI, summarize=lambda d: d, render=broken)
    assert not (tmp_path / "site" / "README.md").exists()
    # Nothing was recorded: the next run shows the same papers.
    again = publish(cfg, FRI, summarize=lambda d: d, render=fake_render)
    assert again.digest is not None
    assert [e.arxiv_id for e in again.digest.entries] == ["2602.00003", "2602.00001"]
    assert again.recorded == 2
    feed = (tmp_path / "site" / "feed.xml").read_text(encoding="utf-8")
    assert feed.startswith("atom\n")


def test_next_day_shows_only_new_papers_and_feed_keeps_history(
    env: tuple[Path, SourcesStub], tmp_path: Path
) -> None:
    cfg = load_sources_config(env[0])
    first = publish(cfg, FRI, summarize=lambda d: d, render=fake_render)
    assert first.digest is not None
    second = publish(cfg, MON, summarize=lambda d: d, render=fake_render)
    assert second.digest is not None
    assert [e.arxiv_id for e in second.digest.entries] == ["2602.00005"]
    site = tmp_path / "site"
    readme = (site / "README.md").read_text(encoding="utf-8")
    assert "2602.00005" in readme and "2602.00001" not in readme
    feed = (site / "feed.xml").read_text(encoding="utf-8").splitlines()
    assert feed[1:] == [
        "2602.00005 Offline RL at scale",
        "2602.00003 Reward models for RL",
        "2602.00001 Scaling RL for agents",
    ]
    assert sorted(p.name for p in (site / "digests").iterdir()) == [
        "2026-02-20.json",
        "2026-02-23.json",
    ]
    # The same day again: nothing new, nothing rewritten.
    before = snapshot(site)
    third = publish(cfg, MON, summarize=lambda d: d, render=fake_render)
    assert third.digest is None
    assert snapshot(site) == before


def test_digest_end_to_end_writes_readme_feed_and_html(
    env: tuple[Path, SourcesStub], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real summarizer (offline backend) and the real renderers."""
    cfg, _ = env
    code = main(["digest", "-c", str(cfg), "--date", "2026-02-20"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    site = tmp_path / "site"
    readme = (site / "README.md").read_text(encoding="utf-8")
    html = (site / "index.html").read_text(encoding="utf-8")
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    for text in (readme, html, feed):
        assert "Reward models for RL" in text and "Scaling RL for agents" in text
        assert "Early world models" not in text and "survey" not in text.lower()
    assert "<feed" in feed or "<rss" in feed
    assert "https://example.org/papers/feed.xml" in feed
    assert "published 2 papers (0 without summary)" in captured.out
    # Readers see what is monitored, not the run's bookkeeping (kept in the archived JSON).
    assert "**Categories Monitored**: cs.CL, cs.LG" in readme
    assert "**Sources**: arXiv, Hugging Face Daily Papers" in readme
    for text in (readme, html, feed):
        assert "summarize.run" not in text
    archived = Digest.from_json((site / "digests" / "2026-02-20.json").read_text("utf-8"))
    assert archived.meta("summarize.done") == "2"

    # Monday: only the new paper, though the window overlaps Friday.
    code = main(["digest", "-c", str(cfg), "--date", "2026-02-23"])
    assert code == 0, capsys.readouterr().err
    readme = (site / "README.md").read_text(encoding="utf-8")
    assert "Offline RL at scale" in readme and "Scaling RL for agents" not in readme

    # A weekend with no papers (window of one day) leaves everything as it was.
    before = snapshot(site)
    (cfg.parent / "digestkit.toml").write_text(
        cfg.read_text(encoding="utf-8").replace("days = 4", "days = 1"), encoding="utf-8"
    )
    assert main(["digest", "-c", str(cfg), "--date", SAT.isoformat()]) == 0
    assert "no new papers" in capsys.readouterr().err
    assert snapshot(site) == before


@pytest.mark.parametrize("show_new_versions", [False, True])
def test_a_new_version_is_shown_again_only_when_asked(
    env: tuple[Path, SourcesStub], tmp_path: Path, show_new_versions: bool
) -> None:
    path, stub = env
    text = path.read_text(encoding="utf-8").replace(
        'path = "state/shown.sqlite"',
        f'path = "state/shown.sqlite"\nshow_new_versions = {str(show_new_versions).lower()}',
    )
    text = text.replace(
        "num_retries = 1\n", 'num_retries = 1\nannounce_types = ["new", "replace"]\n'
    )
    path.write_text(text, encoding="utf-8")
    cfg = load_sources_config(path)
    assert publish(cfg, FRI, summarize=lambda d: d, render=fake_render).digest is not None
    # Over the weekend the authors post v2 of a paper shown on Friday.
    stub.papers = [p for p in PAPERS if p.arxiv_id != "2602.00001"] + [
        StubPaper(
            "2602.00001",
            version=2,
            title="Scaling RL for agents",
            abstract="We use RL.",
            published=FRI,
            updated=MON,
        )
    ]
    monday = publish(cfg, MON, summarize=lambda d: d, render=fake_render)
    assert monday.digest is not None
    shown = {e.arxiv_id: e for e in monday.digest.entries}
    assert ("2602.00001" in shown) is show_new_versions
    if show_new_versions:
        assert shown["2602.00001"].version == 2
        assert shown["2602.00001"].announce_type == "replace"


def test_a_second_run_on_the_same_day_adds_to_that_days_digest(
    env: tuple[Path, SourcesStub], tmp_path: Path
) -> None:
    path, stub = env
    cfg = load_sources_config(path)
    publish(cfg, FRI, summarize=lambda d: d, render=fake_render)
    stub.papers = [*PAPERS, StubPaper("2602.00007", title="Late RL paper", published=FRI)]
    again = publish(cfg, FRI, summarize=lambda d: d, render=fake_render)
    assert again.recorded == 1
    site = tmp_path / "site"
    readme = (site / "README.md").read_text(encoding="utf-8")
    assert all(k in readme for k in ("2602.00001", "2602.00003", "2602.00007"))
    archived = Digest.from_json((site / "digests" / "2026-02-20.json").read_text("utf-8"))
    assert {e.arxiv_id for e in archived.entries} == {"2602.00001", "2602.00003", "2602.00007"}
