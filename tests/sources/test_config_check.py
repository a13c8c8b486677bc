"""`digestkit config check` validates every section and prints every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.sources.config import SourcesConfig
from digestkit.testing.sources_stub import SourcesStub, StubPaper


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text(text, encoding="utf-8")
    code = main(["config", "check", str(cfg)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_every_problem_of_every_section_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(
        tmp_path,
        """
[sources.arxiv]
categories = ["cs.CL"]
day = 2
max_results = -5
announce_types = ["new", "crosslist"]

[sources.hf_daily]
timeout = inf

[selection]
keyword = ["RL"]

[state]
lease_hours = nan

[output]
feed_format = "json"

[budget]
max_cost = nan

[backends.claude]
kind = "anthropic"
model = "claude-x"
timeout = inf
""",
        capsys,
    )
    assert code == 3
    for expected in (
        "sources.arxiv.day: unknown key; did you mean 'days'?",
        "sources.arxiv.max_results: must not be negative, got -5",
        "sources.hf_daily.timeout: must be a finite number, got inf",
        "selection.keyword: unknown key; did you mean 'keywords'?",
        "state.lease_hours: must be a finite number, got nan",
        "budget.max_cost: must be a finite number, got nan",
        "backends.claude.timeout: must be a finite number, got inf",
    ):
        assert expected in out, (expected, out)
    assert "problem(s)" in out and "Traceback" not in out and "\nok" not in out


def test_wrong_types_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(tmp_path, '[selection]\nmin_score = "2"\nmax_papers = 2.5\n', capsys)
    assert code == 3
    assert "selection.min_score: expected a number, got '2'" in out


def test_announce_types_and_output_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(
        tmp_path,
        '[sources.arxiv]\ncategories = ["cs.CL"]\nannounce_types = ["new", "crosslist"]\n',
        capsys,
    )
    assert code == 3 and "sources.arxiv.announce_types" in out
    default = SourcesConfig.from_mapping({"sources": {"arxiv": {"categories": ["cs.CL"]}}})
    assert default.arxiv is not None and default.arxiv.announce_types == ("new", "cross")


def test_a_valid_file_says_ok_and_notes_an_unset_optional_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DK_UNSET_S2", raising=False)
    code, out = check(
        tmp_path,
        '[sources.semantic_scholar]\nquery = "llm"\napi_key_env = "DK_UNSET_S2"\n'
        'url = "https://example.org/graph/v1?via=proxy"\n',
        capsys,
    )
    assert code == 0, out
    assert "DK_UNSET_S2 is not set: Semantic Scholar is asked without a key" in out
    assert "\nok\n" in out


def test_a_url_with_a_query_string_works_for_json_sources(tmp_path: Path) -> None:
    import datetime as dt

    from digestkit.sources.config import HFDailyConfig
    from digestkit.sources.hf_daily import fetch_hf_daily

    day = dt.date(2026, 2, 20)
    with SourcesStub([StubPaper("2602.00001", title="t", hf_date=day)]) as stub:
        got = fetch_hf_daily(HFDailyConfig(url=stub.hf_url + "?via=proxy", delay_seconds=0), day)
        query = stub.requests_to("/api/daily_papers")[0]["query"]
    assert len(got.entries) == 1
    assert query["via"] == "proxy" and query["date"] == "2026-02-20"
