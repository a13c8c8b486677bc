"""The report a reader opens: every chart names both axes, zeros are visible and differ
from "not measured", by-design values are explained; --quick reports without gating;
throughput times the warm path."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from digestkit.cli import EXIT_FINDINGS, EXIT_OK
from digestkit.evaluation.plots import draw_all
from digestkit.evaluation.result import SectionResult
from digestkit.evaluation.throughput import warm_time
from tests.eval.test_harness import _eval, _thresholds, tiny_fixtures  # noqa: F401

NAN = float("nan")


def _results() -> list[SectionResult]:
    repair = SectionResult(name="repair")
    repair.data = {
        "by_kind_lang": [["cp1252", "zh", 0, 0.0, 0, 1.4], ["seed004", "zh", 0, 0.011, 0, NAN]],
        "by_cat_lang": [["lossless", "zh", 0, 0, 1.0, 0, 0.0], ["lossy", "zh", 0, 0, 0.5, 0, NAN]],
    }
    e2e = SectionResult(name="e2e")
    e2e.data = {"backend": "offline backend", "templates": [
        {"template": "ja-survey", "summarized_rate": 1.0, "language_truthful_rate": 1.0,
         "requested_language_rate": 0.0, "flagged_rate": 0.0}]}  # fmt: skip
    throughput = SectionResult(name="throughput")
    throughput.data = {"rates": [{"title": "repair", "name": "repair_text", "rate": 5.0,
                                  "unit": "MB/s", "baseline_name": "ftfy", "baseline_rate": 1.0}]}  # fmt: skip
    return [repair, e2e, throughput]


@pytest.fixture
def figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, plt.Figure]:
    """Draw the charts and keep their figures open (close is a no-op) to inspect them."""
    kept: dict[str, plt.Figure] = {}

    def keep(fig: plt.Figure) -> None:
        kept[f"chart{len(kept)}"] = fig

    monkeypatch.setattr(plt, "close", keep)
    charts = draw_all(_results(), tmp_path)
    names = [p.name for paths in charts.values() for p in paths]
    assert names == ["repair_cer.png", "repair_exact.png", "e2e.png", "throughput.png"]
    return dict(zip(names, kept.values(), strict=True))


def _texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_every_chart_names_both_axes(figures: dict[str, plt.Figure]) -> None:
    for name, fig in figures.items():
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert all(ax.get_xlabel() for ax in axes), name
        assert any(ax.get_ylabel() for ax in axes), name


def test_zero_is_shown_and_differs_from_not_measured(figures: dict[str, plt.Figure]) -> None:
    exact = _texts(figures["repair_exact.png"])
    assert "0" in exact and "n/a" in exact  # ftfy's 0% lossless vs its unmeasured lossy
    markers = [line for ax in figures["repair_exact.png"].axes for line in ax.get_lines()
               if line.get_marker() == "_"]  # fmt: skip
    assert markers, "a zero bar needs a visible marker"
    heat = _texts(figures["repair_cer.png"])
    assert "0" in heat and "–" in heat


def test_by_design_values_are_explained(figures: dict[str, plt.Figure]) -> None:
    assert any("CER counts insertions" in t for t in _texts(figures["repair_cer.png"]))
    assert any("never translates" in t for t in _texts(figures["e2e.png"]))
    assert any("warm-up" in t for t in _texts(figures["throughput.png"]))


def test_warm_time_never_times_the_first_call() -> None:
    calls: list[int] = []

    def slow_first() -> None:
        calls.append(1)
        if len(calls) == 1:
            import time

            time.sleep(0.2)

    assert warm_time(slow_first, min_total=0.0) < 0.1
    assert len(calls) == 2


def test_quick_reports_without_gating(
    tiny_fixtures: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    limits = _thresholds(tmp_path, '[min]\n"faithfulness.tiny.auroc" = 1.01\n')
    out = tmp_path / "q"
    assert _eval(tiny_fixtures, out, limits, "--no-plots", "--quick") == EXIT_OK
    assert "not gated" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["passed"] is True and report["thresholds"][0]["role"] == "target"
    assert "**Quick run**" in (out / "report.md").read_text(encoding="utf-8")
    assert _eval(tiny_fixtures, tmp_path / "full", limits, "--no-plots") == EXIT_FINDINGS


def test_environment_records_the_conditions() -> None:
    from digestkit.evaluation.report import environment

    env = environment()
    assert env["cpus"] >= 1 and env["repair_threads"] >= 1
    assert len(env["load_average"]) == 3 and not any(math.isnan(x) for x in env["load_average"])
