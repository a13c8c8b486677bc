"""`digestkit summarize` from full text, end to end over HTTP: the sources stub serves the
papers (HTML, LaTeX source, none), the LLM stub answers; what goes out, what comes back,
what is recorded, and the fallback to the abstract."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from backends.helpers import SENTINEL_KEY

from digestkit.backends.cache import Store
from digestkit.cli import main
from digestkit.digest.model import Digest, Entry
from digestkit.testing.llm_stub import serve_stub
from digestkit.testing.sources_stub import SourcesStub, StubPaper
from fulltext.test_fetch_e2e import LATEXML

ABSTRACT = "We route tokens sparsely across agents."


def tokens(home: Path) -> int:
    """Input tokens the ledger in ``home`` recorded (cache reads and writes included)."""
    rows = Store(home / "llm.sqlite3").ledger()
    return sum(
        r.usage.input_tokens + r.usage.cache_write_tokens + r.usage.cache_read_tokens for r in rows
    )


def write_config(path: Path, llm_url: str, papers_url: str, *, fulltext: bool = True) -> Path:
    text = f"""
[backends.stub]
kind = "anthropic"
model = "stub-model"
base_url = "{llm_url}"
api_key_env = "DK_TEST_KEY"
timeout = 5
price = {{ input = 1.0, output = 2.0 }}

[routes]
default = ["stub"]

[summarize]
template = "ja-8q"
backoff_base = 0.001
backoff_max = 0.01
"""
    if fulltext:
        text += f"""
[fulltext]
html_url = "{papers_url}/html/{{id}}"
latex_url = "{papers_url}/e-print/{{id}}"
pdf_url = "{papers_url}/pdf/{{id}}"
delay = 0
retries = 1
"""
    path.write_text(text, encoding="utf-8")
    return path


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fulltext"
CITED = re.compile(r"本文では (\S+) という結果")


def test_summarize_sends_the_full_text_and_falls_back_to_the_abstract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("digestkit.fulltext.html")
    pytest.importorskip("digestkit.fulltext.latex")
    from digestkit.fulltext import extract

    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)
    home = Path(os.environ["DIGESTKIT_HOME"])
    html = (FIXTURES / "html" / "long_scaling.html").read_bytes()  # a ~300 kB page
    tex = (FIXTURES / "latex" / "multi_tar.tar.gz").read_bytes()
    papers_ft = [extract(html, "html"), extract(tex, "latex")]
    ids = ("2602.00001", "2602.00002", "2602.00003")
    digest = Digest(
        entries=(
            *(Entry(arxiv_id=i, title=ft.title, abstract=ft.abstract)
              for i, ft in zip(ids, papers_ft, strict=False)),
            Entry(arxiv_id=ids[2], title="No full text", abstract=ABSTRACT),
        )
    )  # fmt: skip
    src = tmp_path / "today.json"
    src.write_text(digest.to_json(), encoding="utf-8")
    with SourcesStub() as papers, serve_stub("anthropic") as llm:
        papers.papers.extend(
            [
                StubPaper(ids[0], html=html),  # HTML
                StubPaper(ids[1], eprint=tex),  # no HTML: the LaTeX source
                StubPaper(ids[2]),  # nothing: the abstract, said so
            ]
        )
        papers.fail_next(f"/html/{ids[0]}", 1, status=503)  # retried, then served
        cfg = write_config(tmp_path / "digestkit.toml", llm.base_url, papers.base_url)
        out = tmp_path / "out.json"
        assert main(["summarize", str(src), "-c", str(cfg), "-o", str(out)]) == 0
        err = capsys.readouterr().err
        asked = [r["path"] for r in papers.requests]
        abstract_cfg = write_config(tmp_path / "a.toml", llm.base_url, papers.base_url,
                                    fulltext=False)  # fmt: skip
        plain = tmp_path / "plain.json"
        monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home2"))
        assert main(["summarize", str(src), "-c", str(abstract_cfg), "-o", str(plain)]) == 0
    result = Digest.from_json(out.read_text(encoding="utf-8"))
    assert [e.summary.source for e in result.entries if e.summary] == [
        "fulltext:html", "fulltext:latex", "abstract"
    ]  # fmt: skip
    # The ja-8q answers cite a number that only the body states (the stub quotes the full
    # text it was sent, as a model reading the paper would).
    for entry, ft in zip(result.entries, papers_ft, strict=False):
        assert entry.summary is not None
        m = CITED.search(entry.summary.raw)
        assert m and m.group(1) in ft.plain_text() and m.group(1) not in ft.abstract
    assert not CITED.search(result.entries[2].summary.raw)  # type: ignore[union-attr]
    assert result.entries[0].meta("fulltext.source") == "html 2602.00001"
    assert "no full text" in (result.entries[2].meta("fulltext.error") or "")
    assert "2 of 3 from full text" in err
    assert "/html/2602.00003" in asked and "/pdf/2602.00003" in asked  # every source tried
    assert {p.split("/")[-1] for p in asked if p.startswith(("/html", "/src", "/pdf"))} == set(ids)
    assert asked.count("/html/2602.00001") == 2  # the 503 was retried
    # The ledger shows the full text went out: many more input tokens than from abstracts.
    assert tokens(home) > 3 * tokens(tmp_path / "home2")


def test_summarize_estimate_counts_full_text_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("digestkit.fulltext.html")
    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)
    src = tmp_path / "today.json"
    src.write_text(
        Digest(entries=(Entry(arxiv_id="2602.00001", title="T", abstract=ABSTRACT),)).to_json(),
        encoding="utf-8",
    )
    with SourcesStub() as papers, serve_stub("anthropic") as llm:
        papers.papers.append(StubPaper("2602.00001", html=LATEXML))
        cfg = write_config(tmp_path / "digestkit.toml", llm.base_url, papers.base_url)
        assert main(["summarize", str(src), "-c", str(cfg), "--estimate"]) == 0
        assert llm.calls == []
    out = capsys.readouterr().out
    assert "1 from full text" in out and "tokens of paper" in out
