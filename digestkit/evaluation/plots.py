"""PNG charts for the report (matplotlib, Agg backend: no display, same output everywhere).

Why charts: a CER table with 60 rows hides which corruption kind is hard; one bar chart per
question shows it. Each chart has a title, both axes labelled (what is counted, in which
unit), a legend, and a note under it for values that look wrong but are so by design (ftfy's
CER above 100%, the offline backend never writing Japanese). Every bar carries its value:
a zero is drawn as a "0" on a visible marker at the baseline, a value that was not measured
as "n/a", so "zero" and "missing" never look alike.
"""

from __future__ import annotations

import logging
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digestkit.evaluation.result import SectionResult

__all__ = ["CHART_FILES", "draw_all"]

CHART_FILES = ("repair_cer.png", "repair_exact.png", "parse_prf.png", "faithfulness_auroc.png",
               "faithfulness_catch.png", "e2e.png", "throughput.png", "fulltext.png",
               "fulltext_e2e.png")  # fmt: skip

log = logging.getLogger(__name__)

_OURS = "#2b6cb0"
_BASE = "#c05621"
_THIRD = "#718096"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finite(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not math.isnan(v) else 0.0


def grouped_bars(
    path: Path,
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    ylabel: str,
    log_scale: bool = False,
    percent: bool = False,
    ylim: tuple[float, float] | None = None,
    value_labels: bool = True,
    lines: Sequence[tuple[float, str]] = (),
    xlabel: str = "",
    note: str = "",
) -> Path:
    """One grouped bar chart: ``series`` = ``(name, values, colour)``, one group per label.

    ``value_labels`` writes each value on its bar ("0" on a marker for a zero, "n/a" for
    a value not measured); ``lines`` draws dashed reference lines ``(y, label)`` such as
    chance or a target; ``xlabel`` says what the groups are; ``note`` is printed under the
    chart (what a surprising value means).
    """
    plt = _pyplot()
    width = max(6.0, 0.55 * len(labels) * max(1, len(series)) / 1.6 + 2)
    fig, ax = plt.subplots(figsize=(min(width, 16.0), 5.2 if note else 4.8), dpi=110)
    n = len(series)
    bar_w = 0.8 / max(n, 1)
    for i, (name, values, colour) in enumerate(series):
        xs = [x - 0.4 + bar_w * (i + 0.5) for x in range(len(labels))]
        vals = [_finite(v) * (100 if percent else 1) for v in values]
        if log_scale:
            vals = [max(v, 1e-3) for v in vals]  # log axes cannot show zero: floor at 0.001
        bars = ax.bar(xs, vals, width=bar_w, label=name, color=colour)
        zeros = [x for x, v in zip(xs, values, strict=True) if _finite(v) == 0 and _measured(v)]
        if zeros:  # a zero-height bar is invisible: mark it at the baseline
            ax.plot(zeros, [1e-3 if log_scale else 0] * len(zeros), linestyle="none",
                    marker="_", markersize=14, markeredgewidth=3, color=colour)  # fmt: skip
        if value_labels:
            texts = [
                "n/a" if not _measured(v) else (_percent_label(v) if percent else f"{v:.2f}")
                for v in values
            ]
            ax.bar_label(bars, labels=texts, fontsize=6.5, padding=1)
    tilt = len(labels) > 6 or max((len(lb) for lb in labels), default=0) > 12
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(
        labels, rotation=35 if tilt else 0, ha="right" if tilt else "center", fontsize=8
    )
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=9)
    ax.set_title(textwrap.fill(title, 70), fontsize=11)
    if log_scale:
        ax.set_yscale("log")
    if ylim:
        ax.set_ylim(*ylim)
    for y, text in lines:
        ax.axhline(y, color="#4a5568", linestyle="--", linewidth=0.9)
        ax.annotate(text, (len(labels) - 0.5, y), xytext=(0, 2), textcoords="offset points",
                    ha="right", va="bottom", fontsize=7, color="#4a5568")  # fmt: skip
    ax.grid(axis="y", alpha=0.3)
    wide = sum(len(name) for name, _v, _c in series) > 50
    ax.legend(
        fontsize=8, loc="upper center", ncol=2 if wide else max(1, len(series)), framealpha=0.9
    )
    if note:
        wrapped = textwrap.fill(note, int(fig.get_figwidth() * 15))  # ~15 chars per inch
        fig.text(0.01, 0.01, wrapped, fontsize=7.5, color="#2d3748", ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.04 + 0.03 * wrapped.count("\n"), 1, 1))
    else:
        fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _measured(v: Any) -> bool:
    return isinstance(v, int | float) and not math.isnan(v)


def _percent_label(v: float) -> str:
    """A share as a bar label: whole percent, "0" for zero, "<1" for a small non-zero share.

    >>> _percent_label(0.0), _percent_label(0.004), _percent_label(0.5)
    ('0', '<1', '50')
    """
    if v == 0:
        return "0"
    return "<1" if abs(v) < 0.005 else f"{v * 100:.0f}"


def _pct(v: Any) -> str:
    if not isinstance(v, int | float) or math.isnan(v):
        return "–"
    if v == 0:
        return "0"
    return f"{v * 100:.0f}%" if v >= 0.1 else f"{v * 100:.2g}%"


def heatmap_pair(
    path: Path,
    *,
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    panels: Sequence[tuple[str, Sequence[Sequence[float]]]],
    unit: str,
    xlabel: str = "",
    ylabel: str = "",
    note: str = "",
) -> Path:
    """Side-by-side heatmaps (one per panel) of rates in [0, inf), log colour, annotated in %
    ("0" for an exact zero, "–" for not measured); ``note`` is printed under them."""
    from matplotlib.colors import LogNorm

    plt = _pyplot()
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(3.2 + 2.2 * len(cols) * len(panels), 0.32 * len(rows) + 1.8),
        dpi=110,
    )
    if len(panels) == 1:
        axes = [axes]
    norm = LogNorm(vmin=1e-4, vmax=2.0)
    image = None
    for ax, (name, grid) in zip(axes, panels, strict=True):
        shown = [[max(_finite(v), 1e-4) for v in row] for row in grid]
        image = ax.imshow(shown, norm=norm, cmap="Reds", aspect="auto")
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                ax.text(
                    j,
                    i,
                    _pct(v),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black" if _finite(v) < 0.3 else "white",
                )
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(cols)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows, fontsize=8)
        ax.set_title(name, fontsize=10)
        if xlabel:
            ax.set_xlabel(xlabel, fontsize=9)
    if ylabel:
        axes[0].set_ylabel(ylabel, fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=list(axes), label=unit, shrink=0.8)
    fig.suptitle(textwrap.fill(title, 90), fontsize=11)
    if note:
        fig.text(0.01, -0.02, textwrap.fill(note, 140), fontsize=7.5, color="#2d3748",
                 ha="left", va="top")  # fmt: skip
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def _repair_charts(r: SectionResult, out: Path) -> list[Path]:
    rows = r.data.get("by_kind_lang") or []
    if not rows:
        return []
    kinds = list(dict.fromkeys(row[0] for row in rows))
    # ko/other hold only a few clean cases (all in the tables): the chart keeps to ja/zh/en.
    langs = [lang for lang in ("ja", "zh", "en") if any(row[1] == lang for row in rows)]
    cell = {(row[0], row[1]): row for row in rows}

    def grid(col: int) -> list[list[float]]:
        return [
            [cell[(k, lang)][col] if (k, lang) in cell else float("nan") for lang in langs]
            for k in kinds
        ]

    heat = heatmap_pair(
        out / "repair_cer.png",
        title="Repair: character error rate per corruption kind and text language (lower is better; 0 = every case exact)",
        rows=kinds,
        cols=langs,
        panels=[("digestkit repair_text", grid(3)), ("ftfy.fix_encoding", grid(5))],
        unit="CER (edit distance / clean length, log colour scale)",
        xlabel="language of the text",
        ylabel="corruption kind",
        note="CER = edit distance to the clean text / its length; '0' = every case exact; "
        "'–' = no case of that kind in that language. "
        "Values above 100% are real: CER counts insertions, and where ftfy cannot decode "
        "lossy mojibake it keeps (or adds) more characters than the clean text has.",
    )
    cats = r.data.get("by_cat_lang") or []
    exact_chart = grouped_bars(
        out / "repair_exact.png",
        title="Repair: share of cases restored exactly, by category and language (higher is better)",
        labels=[f"{cat} {lang}" for cat, lang, *_ in cats],
        series=[
            ("digestkit repair_text", [row[4] for row in cats], _OURS),
            ("ftfy.fix_encoding", [row[6] for row in cats], _BASE),
        ],  # fmt: skip
        ylabel="exact matches, % of cases",
        xlabel="corruption category and text language",
        percent=True,
        ylim=(0, 118),
        note="Bars are labelled with their value; a '0' on a flat marker means no case of "
        "that group came back exact (measured), 'n/a' that the group was not measured.",
    )
    return [heat, exact_chart]


def _parse_charts(r: SectionResult, out: Path) -> list[Path]:
    rows = r.data.get("per_seed") or []
    if not rows:
        return []
    labels = [f"seed {row['seed']} ({row.get('format', '')})" for row in rows]
    return [
        grouped_bars(
            out / "parse_prf.png",
            title="Parsing: precision and recall per seed against the gold",
            labels=labels,
            series=[
                ("entry precision", [row["entry_p"] for row in rows], _OURS),
                ("entry recall", [row["entry_r"] for row in rows], "#63b3ed"),
                ("field precision", [row["field_p"] for row in rows], _BASE),
                ("field recall", [row["field_r"] for row in rows], "#f6ad55"),
            ],  # fmt: skip
            ylabel="precision / recall, %",
            xlabel="seed document (its detected format)",
            percent=True,
            ylim=(0, 125),
        )
    ]


def _faithfulness_charts(r: SectionResult, out: Path) -> list[Path]:
    charts = []
    aurocs = r.data.get("auroc") or []
    if aurocs:
        labels = [row["dataset"] for row in aurocs]
        names = [n for n in aurocs[0] if n != "dataset"]
        colours = [_OURS, _BASE, _THIRD, "#38a169"]
        charts.append(
            grouped_bars(
                out / "faithfulness_auroc.png",
                title="Faithfulness: AUROC per dataset, scorer beside baselines (0.5 = chance)",
                labels=labels,
                series=[
                    (n, [row[n] for row in aurocs], colours[i % 4]) for i, n in enumerate(names)
                ],
                ylabel="AUROC (area under the ROC curve)",
                xlabel="dataset of (source, summary) pairs",
                ylim=(0, 1.18),
                lines=[(0.5, "chance"), (0.7, "SummEdits aim")],
            )
        )
    catch = r.data.get("catch") or []
    if catch:
        labels = [row["type"] for row in catch]
        langs = sorted({k for row in catch for k in row if k != "type"})
        lang_colours = {"en": _OURS, "ja": _BASE, "zh": "#38a169"}
        charts.append(
            grouped_bars(
                out / "faithfulness_catch.png",
                title="Faithfulness (scripted pairs): share flagged per error type and summary language; "
                "for faithful controls, the share wrongly flagged",
                labels=labels,
                series=[
                    (
                        lang,
                        [row.get(lang, float("nan")) for row in catch],
                        lang_colours.get(lang, _THIRD),
                    )
                    for lang in langs
                ],
                ylabel="% of pairs flagged",
                xlabel="error type inserted into the summary (faithful: none)",
                percent=True,
                ylim=(0, 118),
            )
        )
    return charts


def _throughput_charts(r: SectionResult, out: Path) -> list[Path]:
    rows = r.data.get("rates") or []
    if not rows:
        return []
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 4.0), dpi=110)
    if len(rows) == 1:
        axes = [axes]
    for ax, row in zip(axes, rows, strict=True):
        names = [row["name"]] + ([row["baseline_name"]] if row.get("baseline_name") else [])
        vals = [_finite(row["rate"])] + (
            [_finite(row["baseline_rate"])] if row.get("baseline_name") else []
        )
        bars = ax.bar(range(len(vals)), vals, color=[_OURS, _BASE][: len(vals)])
        ax.bar_label(
            bars, labels=[f"{v:,.0f}" if v >= 100 else f"{v:.3g}" for v in vals], fontsize=8
        )
        ax.margins(y=0.15)
        ax.set_xticks(range(len(vals)))
        ax.set_xticklabels(names, fontsize=7, rotation=15)
        ax.set_ylabel(f"{row['unit']} (higher is faster)")
        ax.set_xlabel("implementation", fontsize=8)
        ax.set_title(textwrap.fill(row["title"], 30), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Throughput on this machine, warm path (reported, not gated)")
    fig.text(0.01, 0.01, textwrap.fill(
        "Each bar: the best of several timed calls after one untimed warm-up call (the first "
        "call loads the repair model; its time is reported apart in the table). The baseline "
        "ran in the same process on the same input: compare ratios between runs.",
        int(fig.get_figwidth() * 15)),
        fontsize=7.5, color="#2d3748", ha="left", va="bottom")  # fmt: skip
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    path = out / "throughput.png"
    fig.savefig(path)
    plt.close(fig)
    return [path]


def _e2e_charts(r: SectionResult, out: Path) -> list[Path]:
    rows = r.data.get("templates") or []
    if not rows:
        return []
    names = [("summarized", "summarized_rate", _OURS), ("label = detected language", "language_truthful_rate", "#63b3ed"),
             ("in template language", "requested_language_rate", _THIRD), ("flagged unfaithful", "flagged_rate", _BASE)]  # fmt: skip
    backend = str(r.data.get("backend", ""))
    note = (
        "The offline backend never translates: it quotes the English abstract, so for the "
        "ja/zh templates 'in template language' is 0% by design (its labels stay truthful). "
        "Run with --route to measure a real LLM."
        if "offline" in backend
        else ""
    )
    return [
        grouped_bars(
            out / "e2e.png",
            title=f"End to end ({backend}): summaries per template",
            labels=[row["template"] for row in rows],
            series=[(label, [row[key] for row in rows], colour) for label, key, colour in names],
            ylabel="% of papers (flagged: % of summaries)",
            xlabel="summary template",
            percent=True,
            ylim=(0, 130),
            note=note,
        )
    ]


def _fulltext_charts(r: SectionResult, out: Path) -> list[Path]:
    m = r.metrics
    kinds = [k for k in ("html", "latex", "pdf") if f"heading_recall.{k}" in m]
    if not kinds:
        return []
    names = {"html": "arXiv HTML", "latex": "LaTeX source", "pdf": "PDF"}

    def series(metric: str) -> list[float]:
        return [m.get(f"{metric}.{k}", math.nan) for k in kinds]

    charts = [
        grouped_bars(
            out / "fulltext.png",
            title="Full text: what each extractor recovers from the fixture papers",
            labels=[names[k] for k in kinds],
            series=[
                ("section headings", series("heading_recall"), _OURS),
                ("table numbers (in table grids)", series("table_number_recall"), "#63b3ed"),
                ("body numbers", series("body_number_recall"), _BASE),
                ("body text (trigram F1)", series("body_f1"), "#f6ad55"),
            ],  # fmt: skip
            ylabel="recovered, % of the gold",
            xlabel="format the paper was read from",
            percent=True,
            ylim=(0, 125),
            lines=[(95.0, "target HTML/LaTeX headings 95%"), (90.0, "target PDF 90%")],
            note="Gold files in fixtures/fulltext/ (invented papers; two per format made by "
            "real LaTeXML/pdflatex). Scanned PDFs are left out and must warn instead.",
        )
    ]
    if "e2e.flagged_vs_fulltext" in m:
        charts.append(
            grouped_bars(
                out / "fulltext_e2e.png",
                title="Summaries written from the full text, checked against...",
                labels=["the full text", "the abstract only"],
                series=[
                    (
                        "flagged",
                        [m["e2e.flagged_vs_fulltext"], m["e2e.flagged_vs_abstract"]],
                        _OURS,
                    )
                ],  # fmt: skip
                ylabel="summaries flagged, %",
                xlabel="source the faithfulness check reads",
                percent=True,
                ylim=(0, 110),
                note="Offline en-tldr summaries of every fixture paper. They cite numbers "
                "only the body states: checked against the abstract alone, they look invented.",
            )
        )
    return charts


_DRAWERS = {
    "fulltext": _fulltext_charts,
    "e2e": _e2e_charts,
    "repair": _repair_charts,
    "parse": _parse_charts,
    "faithfulness": _faithfulness_charts,
    "throughput": _throughput_charts,
}


def draw_all(results: Sequence[SectionResult], out: Path) -> dict[str, list[Path]]:
    """Draw every chart the results support into ``out``; a chart that fails is logged, not fatal."""
    charts: dict[str, list[Path]] = {}
    for stale in CHART_FILES:  # a chart left by an earlier run must not pass for this one's
        (out / stale).unlink(missing_ok=True)
    for r in results:
        drawer = _DRAWERS.get(r.name)
        if drawer is None or not r.data:
            continue
        try:
            charts[r.name] = drawer(r, out)
        except Exception:  # a chart must never cost the numbers
            log.exception("could not draw the %s charts", r.name)
    return charts
