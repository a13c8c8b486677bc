"""`digestkit digest` with a [fulltext] section: only the selected papers are fetched, after
selection, and their summaries are written from (and checked against) the full text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.digest.model import Digest
from digestkit.testing.sources_stub import SourcesStub, StubPaper

FRI = dt.date(2026, 2, 20)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fulltext"


def test_digest_fetches_full_text_of_selected_papers_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)
    html = (FIXTURES / "html" / "quant_errors.html").read_bytes()
    papers = [
        StubPaper(
            "2602.00001",
            title="Quantized RL agents",
            abstract="We use RL.",
            published=FRI,
            html=html,
        ),  # fmt: skip
        StubPaper(
            "2602.00002", title="Vision only", abstract="Pixels.", published=FRI, html=html
        ),  # fmt: skip
    ]
    with SourcesStub(papers) as stub:
        cfg = tmp_path / "digestkit.toml"
        cfg.write_text(
            f"""
[sources.arxiv]
source = "api"
categories = ["cs.CL"]
days = 4
delay_seconds = 0
num_retries = 1
url = "{stub.arxiv_url}"

[selection]
keywords = {{ RL = 2 }}
min_score = 2

[summarize]
template = "en-tldr"

[state]
path = "state/shown.sqlite"

[output]
dir = "site"
title = "RL papers"

[fulltext]
html_url = "{stub.base_url}/html/{{id}}"
latex_url = "{stub.base_url}/e-print/{{id}}"
pdf_url = "{stub.base_url}/pdf/{{id}}"
delay = 0
""",
            encoding="utf-8",
        )
        monkeypatch.chdir(tmp_path)
        code = main(["digest", "-c", str(cfg), "--date", "2026-02-20"])
        err = capsys.readouterr().err
        asked = [r["path"] for r in stub.requests]
    assert code == 0, err
    assert "/html/2602.00001v1" in asked and not any("2602.00002" in p for p in asked)
    archived = Digest.from_json(
        (tmp_path / "site" / "digests" / "2026-02-20.json").read_text(encoding="utf-8")
    )
    (entry,) = archived.entries
    assert entry.summary is not None and entry.summary.source == "fulltext:html"
    assert entry.meta("faithfulness.flagged") == "false" and entry.meta("faithfulness.checked")
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "summary from the full text" in page
