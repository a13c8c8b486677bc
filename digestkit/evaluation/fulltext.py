"""Full text: how well each extractor reads the fixture papers, how fast, and what a summary
written from the full text gains over one written from the abstract.

Why per format: arXiv HTML, LaTeX source and PDF fail in different ways (LaTeXML's markup
is explicit, TeX needs macro expansion and file inclusion, a PDF has only positioned
glyphs), and the fetcher falls back from one to the next, so each one's quality is a
separate promise (issue 12: >= 95% of headings and >= 98% of table numbers from HTML and
LaTeX, >= 90% from PDF).

End to end: every fixture paper is summarized twice by the offline backend (``en-tldr``),
once from its abstract and once from its full text fitted to a small context, and each
summary is scored for faithfulness against the text it was written from. A full-text
summary quotes the body (numbers the abstract never states), which a check against the
abstract alone would call unsupported: ``e2e.body_numbers_supported`` counts the numbers
of full-text summaries that the full text supports and the abstract does not.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.evaluation.fulltext_metrics import number_tokens, score_extraction
from digestkit.evaluation.metrics import mean
from digestkit.evaluation.result import Context, SectionResult, Table
from digestkit.fulltext import SOURCE_KINDS, FullText, extract

__all__ = ["fixture_documents", "run"]

MEASURES = (
    "heading_recall",
    "table_number_recall",
    "table_number_recall_body",
    "body_number_recall",
    "body_f1",
    "references",
)


def fixture_documents(fixtures: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """``(kind, document, gold)`` for every gold file under ``fixtures/fulltext/``."""
    found = []
    for kind in SOURCE_KINDS:
        for gold_path in sorted((fixtures / "fulltext" / kind).glob("*.gold.json")):
            stem = gold_path.name[: -len(".gold.json")]
            docs = [
                p
                for p in sorted(gold_path.parent.glob(stem + ".*"))
                if p != gold_path and not p.name.endswith(".json")
            ]
            if not docs:
                raise FileNotFoundError(f"{gold_path}: no document {stem}.* beside it")
            found.append((kind, docs[0], json.loads(gold_path.read_text(encoding="utf-8"))))
    return found


def _extract(kind: str, path: Path, gold: dict[str, Any]) -> tuple[FullText, float]:
    data = path.read_bytes()
    start = time.perf_counter()
    ft = extract(data, kind, arxiv_id=gold.get("arxiv_id", ""))
    return ft, time.perf_counter() - start


def run(ctx: Context) -> SectionResult:
    docs = fixture_documents(ctx.fixtures)
    if not docs:
        raise FileNotFoundError(str(ctx.fixtures / "fulltext"))
    rows = []
    per_kind: dict[str, list[dict[str, float | None]]] = {k: [] for k in SOURCE_KINDS}
    seconds: dict[str, float] = dict.fromkeys(SOURCE_KINDS, 0.0)
    sizes: dict[str, int] = dict.fromkeys(SOURCE_KINDS, 0)
    papers: list[tuple[FullText, dict[str, Any]]] = []
    scans: list[bool] = []
    warmed: set[str] = set()
    for kind, path, gold in docs:
        if kind not in warmed:  # libraries load on first use: time the warm path
            _extract(kind, path, gold)
            warmed.add(kind)
        ft, took = _extract(kind, path, gold)
        if gold.get("text_layer") is False:  # a scan: nothing to read, it must say so
            scans.append(any("no text layer" in w for w in ft.warnings))
            rows.append((kind, path.name, *(["(scan)"] * len(MEASURES)), f"{took * 1000:.0f}"))
            continue
        scores = score_extraction(ft, gold)
        per_kind[kind].append(scores)
        seconds[kind] += took
        sizes[kind] += path.stat().st_size
        papers.append((ft, gold))
        rows.append((kind, path.name, *(_fmt(scores[m]) for m in MEASURES), f"{took * 1000:.0f}"))
    metrics: dict[str, float] = {}
    summary_rows = []
    for kind, kind_scores in per_kind.items():
        if not kind_scores:
            continue
        for m in MEASURES:
            values = [v for s in kind_scores if (v := s[m]) is not None]
            if values:
                metrics[f"{m}.{kind}"] = mean(values)
        metrics[f"papers_per_s.{kind}"] = len(kind_scores) / max(seconds[kind], 1e-9)
        metrics[f"mb_per_s.{kind}"] = sizes[kind] / 1e6 / max(seconds[kind], 1e-9)
        summary_rows.append(
            (
                kind,
                len(kind_scores),
                *(_fmt(metrics.get(f"{m}.{kind}")) for m in MEASURES),
                f"{metrics[f'papers_per_s.{kind}']:.1f}",
            )  # fmt: skip
        )
    if scans:
        metrics["scan_warned.pdf"] = sum(scans) / len(scans)
    e2e_metrics, e2e_table, e2e_notes = _end_to_end(papers)
    metrics.update(e2e_metrics)
    headline = tuple(
        k
        for k in (
            "heading_recall.html",
            "heading_recall.latex",
            "heading_recall.pdf",
            "table_number_recall.html",
            "table_number_recall.latex",
            "table_number_recall_body.pdf",
            "e2e.body_numbers_supported",
        )
        if k in metrics
    )
    return SectionResult(
        name="fulltext",
        summary=", ".join(f"{k} {metrics[k]:.3f}" for k in headline[:3]),
        metrics=metrics,
        headline=headline,
        tables=[
            Table(
                "Extraction per format (means)",
                ("format", "papers", *MEASURES, "papers/s"),
                tuple(summary_rows),
                note="Measured against the gold files in fixtures/fulltext/ "
                "(fixtures/fulltext/README.md); None = nothing of that kind in the gold. "
                "Scanned PDFs (no text layer) are left out of the means: they must carry "
                "the 'no text layer' warning (scan_warned.pdf). papers/s is the warm path "
                "(each format's libraries loaded before timing), one thread.",
            ),
            Table("Extraction per paper", ("format", "file", *MEASURES, "ms"), tuple(rows)),
            e2e_table,
        ],  # fmt: skip
        notes=e2e_notes,
        data={"per_kind": per_kind},
    )


def _fmt(value: float | None) -> str:
    return "None" if value is None else f"{value:.3f}"


def _end_to_end(
    papers: list[tuple[FullText, dict[str, Any]]],
) -> tuple[dict[str, float], Table, list[str]]:
    """Summaries from abstract vs full text (offline backend), scored against their source."""
    from digestkit.backends.cache import Store
    from digestkit.summarizer import summarize_run

    usable = [(ft, g) for ft, g in papers if ft.abstract and ft.sections]
    entries = tuple(
        Entry(arxiv_id=f"2599.{i:05d}", title=ft.title, abstract=ft.abstract)
        for i, (ft, _) in enumerate(usable)
    )
    fetcher = _Memory({e.arxiv_id: ft for e, (ft, _) in zip(entries, usable, strict=True)})
    digest = Digest(entries=entries)
    from_abstract = summarize_run(
        digest, template="en-tldr", store=Store(":memory:"), source="abstract"
    )
    from_full = summarize_run(
        digest, template="en-tldr", store=Store(":memory:"), source="fulltext", fulltext=fetcher
    )
    from digestkit.faithfulness import score_faithfulness

    body_numbers = supported = flagged_full = flagged_abstract = 0
    rows = []
    for (ft, _), a, f in zip(usable, from_abstract.digest.entries, from_full.digest.entries,
                             strict=True):  # fmt: skip
        fs = f.summary.text() if f.summary else ""
        nums = number_tokens(fs) - number_tokens(ft.abstract) - number_tokens(ft.title)
        in_body = {n for n in nums if n in number_tokens(ft.plain_text())}
        body_numbers += len(nums)
        supported += len(in_body)
        vs_full = score_faithfulness(ft.plain_text(), fs, lang="en").flagged if fs else True
        vs_abstract = score_faithfulness(ft.abstract, fs, lang="en").flagged if fs else True
        flagged_full += vs_full
        flagged_abstract += vs_abstract
        rows.append(
            (
                ft.title[:40],
                f.summary.source if f.summary else "failed",
                len(nums),
                len(in_body),
                "flagged" if vs_full else "ok",
                "flagged" if vs_abstract else "ok",
                len(a.summary.raw) if a.summary else 0,
                len(fs),
            )  # fmt: skip
        )
    metrics = {
        "e2e.fulltext_summaries": float(from_full.from_fulltext),
        "e2e.papers": float(len(usable)),
        "e2e.body_numbers": float(body_numbers),
        "e2e.flagged_vs_fulltext": flagged_full / max(1, len(usable)),
        "e2e.flagged_vs_abstract": flagged_abstract / max(1, len(usable)),
    }
    if body_numbers:
        metrics["e2e.body_numbers_supported"] = supported / body_numbers
    table = Table(
        "Summaries from full text vs abstract (offline backend, en-tldr)",
        (
            "paper",
            "written from",
            "numbers not in abstract",
            "found in full text",
            "checked vs full text",
            "checked vs abstract",
            "abstract summary chars",
            "full-text summary chars",
        ),  # fmt: skip
        tuple(rows),
        note="The offline backend quotes its source, so every number a full-text summary "
        "cites beyond the abstract must be found in the full text; checked against the "
        "abstract alone, the same summaries are flagged for those numbers.",
    )
    notes = [
        f"{from_full.from_fulltext} of {len(usable)} fixture papers summarized from full text; "
        f"{body_numbers} numbers cited beyond the abstract"
    ]
    return metrics, table, notes


class _Memory:
    def __init__(self, papers: dict[str, FullText]) -> None:
        self.papers = papers

    def fetch(self, arxiv_id: str) -> Any:
        from types import SimpleNamespace

        ft = self.papers.get(arxiv_id.split("v")[0])
        return SimpleNamespace(fulltext=ft, error="" if ft else "not a fixture")

    def close(self) -> None:
        pass
