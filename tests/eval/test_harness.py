"""The harness on tiny inputs: reports are written, a metric under its threshold fails the run,
a section that cannot run fails loudly, and the per-section summaries compute the right numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from digestkit.evaluation import Context, run_eval
from digestkit.evaluation.faithfulness import CONTROL, Pair, Scored, summarize_scored
from digestkit.evaluation.parse import compare
from digestkit.evaluation.repair import CaseScore, RepairCase, category, summarize_scores
from digestkit.evaluation.thresholds import parse_thresholds

SOURCE = (
    "We propose FooNet, a detector for video anomalies. FooNet improves accuracy on "
    "UCF-Crime by 4.2 points over the previous best method and runs at 30 frames per second."
)
PAIRS = [
    {"id": "f1", "source": SOURCE, "summary": "FooNet improves accuracy on UCF-Crime by 4.2 points.",
     "label": "faithful", "lang": "en"},
    {"id": "f2", "source": SOURCE, "summary": "FooNet runs at 30 frames per second.",
     "label": "faithful", "lang": "en"},
    {"id": "u1", "source": SOURCE, "summary": "FooNet improves accuracy on UCF-Crime by 9.7 points.",
     "label": "unfaithful", "lang": "en", "perturbation": "number"},
    {"id": "u2", "source": SOURCE, "summary": "BarNet runs at 30 frames per second on ImageNet.",
     "label": "unfaithful", "lang": "en", "perturbation": "name"},
]  # fmt: skip


@pytest.fixture
def tiny_fixtures(tmp_path: Path) -> Path:
    fx = tmp_path / "fixtures"
    (fx / "faithfulness").mkdir(parents=True)
    (fx / "faithfulness" / "tiny.jsonl").write_text(
        "\n".join(json.dumps(p) for p in PAIRS) + "\n", encoding="utf-8"
    )
    return fx


def _thresholds(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thresholds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _eval(fx: Path, out: Path, thresholds: Path, *extra: str) -> int:
    return main(["eval", "--fixtures", str(fx), "--out", str(out), "--thresholds",
                 str(thresholds), "--only", "faithfulness", *extra])  # fmt: skip


def test_run_writes_report_and_passes_when_thresholds_hold(
    tiny_fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    limits = _thresholds(tmp_path, '[min]\n"faithfulness.tiny.auroc" = 0.0\n')
    assert _eval(tiny_fixtures, out, limits) == EXIT_OK
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["passed"] is True
    (section,) = report["sections"]
    assert section["status"] == "ok"
    assert "tiny.auroc" in section["metrics"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# digestkit evaluation report")
    assert "## Faithfulness meta-evaluation" in md
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["faithfulness_auroc.png", "faithfulness_catch.png"]
    assert all((out / p).read_bytes().startswith(b"\x89PNG") for p in pngs)


def test_metric_under_threshold_exits_non_zero(
    tiny_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    # AUROC can never exceed 1: this threshold must fail, and the summary must say which.
    limits = _thresholds(tmp_path, '[min]\n"faithfulness.tiny.auroc" = 1.01\n')
    assert _eval(tiny_fixtures, out, limits, "--no-plots") == EXIT_FINDINGS
    assert "under threshold: faithfulness.tiny.auroc >= 1.01" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["passed"] is False
    assert report["thresholds"][0]["passed"] is False


def test_threshold_on_unmeasured_metric_fails(tiny_fixtures: Path, tmp_path: Path) -> None:
    limits = _thresholds(tmp_path, '[max]\n"faithfulness.no_such_metric" = 1.0\n')
    assert _eval(tiny_fixtures, tmp_path / "out", limits, "--no-plots") == EXIT_FINDINGS


def test_section_that_cannot_run_fails_the_run(tmp_path: Path) -> None:
    fx = tmp_path / "empty"
    fx.mkdir()
    run = run_eval(Context(fixtures=fx, out=tmp_path / "out"), only=["faithfulness"])
    (result,) = run.results
    assert result.status == "failed"
    assert "fixture missing" in (result.error or "")
    assert not run.passed
    limits = _thresholds(tmp_path, "")
    assert _eval(fx, tmp_path / "out", limits, "--no-plots") == EXIT_FINDINGS
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "**FAILED**" in md


def test_bad_thresholds_file_is_an_error_naming_it(
    tiny_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limits = _thresholds(tmp_path, '[minimum]\n"a.b" = 1\n')
    assert _eval(tiny_fixtures, tmp_path / "out", limits) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "thresholds.toml" in err and "minimum" in err


def test_unknown_section_is_a_usage_error(tiny_fixtures: Path, tmp_path: Path) -> None:
    limits = _thresholds(tmp_path, "")
    assert _eval(tiny_fixtures, tmp_path / "out", limits, "--only", "nope") == 2


def test_threshold_parsing_rejects_non_numbers() -> None:
    from digestkit.errors import ConfigError

    with pytest.raises(ConfigError, match="must be a number"):
        parse_thresholds({"min": {"a.b": "high"}})
    with pytest.raises(ConfigError, match="section.metric"):
        parse_thresholds({"min": {"ab": 1}})


def _case_score(kind: str, lang: str, cer: float, ftfy_cer: float) -> CaseScore:
    case = RepairCase(f"{kind}-{lang}", lang, kind, "x", "y")
    return CaseScore(case, cer, cer == 0, ftfy_cer, ftfy_cer == 0)


def test_repair_summary_groups_by_kind_category_and_language() -> None:
    scores = [
        _case_score("cp1252", "ja", 0.0, 0.0),
        _case_score("cp1252", "ja", 0.0, 0.0),
        _case_score("cp1252-ignore", "zh", 0.002, 0.4),
        _case_score("cp1252-ignore", "zh", 0.0, 0.2),
        _case_score("clean", "ja", 0.0, 0.0),
    ]
    r = summarize_scores(scores)
    assert r.metrics["cer.lossy.zh"] == pytest.approx(0.001)
    assert r.metrics["ftfy.cer.lossy"] == pytest.approx(0.3)
    assert r.metrics["exact.lossless"] == 1.0
    assert r.metrics["exact.lossy"] == 0.5
    assert r.metrics["exact.clean"] == 1.0
    assert category("mac_roman") == "lossless" and category("seed004") == "lossy"


def test_parse_compare_penalizes_missing_and_invented_fields() -> None:
    gold = [{"arxiv_id": "2503.04504", "title": "AnyAnomaly", "authors": ["A", "B"]},
            {"arxiv_id": "2503.22879", "title": "Quamba2", "authors": ["C"]}]  # fmt: skip
    predicted = [{"arxiv_id": "2503.22879", "title": "Quamba2 ", "authors": ["C"]},
                 {"arxiv_id": "2503.04504", "title": "AnyAnomaly", "authors": ["A"]}]  # fmt: skip
    r = compare(predicted, gold)
    assert (r["entry"].precision, r["entry"].recall) == (1.0, 1.0)
    # 6 gold field values; 5 right (authors of the first entry differ): P = R = 5/6
    assert r["field"].precision == pytest.approx(5 / 6)
    assert r["field"].recall == pytest.approx(5 / 6)
    assert r["order"] is False


def test_faithfulness_summary_rates() -> None:
    def scored(faithful: bool, score: float, kind: str, base: float) -> Scored:
        types = (CONTROL,) if faithful else (kind,)
        pair = Pair("i", "tiny", "s", "t", faithful, "ja", types)
        return Scored(pair, score, score < 0.5, {"overlap": base})

    items = [scored(True, 0.9, "", 0.5), scored(True, 0.4, "", 0.5),
             scored(False, 0.1, "number", 0.5), scored(False, 0.6, "name", 0.5)]  # fmt: skip
    r = summarize_scored(items, ["overlap"], 0.5)
    assert r.metrics["tiny.auroc"] == 0.75
    assert r.metrics["tiny.auroc.overlap"] == 0.5
    assert r.metrics["tiny.auroc_margin"] == 0.25
    assert r.metrics["false_flag_rate"] == 0.5
    assert r.metrics["catch.number.ja"] == 1.0
    assert r.metrics["catch.name.ja"] == 0.0
    assert r.metrics["tiny.balanced_accuracy"] == 0.5


def test_e2e_runs_a_configured_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digestkit.digest.model import Entry
    from digestkit.evaluation.e2e import summarize_templates

    config = tmp_path / "digestkit.toml"
    config.write_text(
        '[backends.mine]\nkind = "offline"\n[routes]\nmyroute = ["mine"]\n', encoding="utf-8"
    )
    monkeypatch.setenv("DIGESTKIT_CONFIG", str(config))
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home"))
    entry = Entry(arxiv_id="2501.00001", abstract=SOURCE)
    out = summarize_templates([entry], "myroute", ("en-tldr", "ja-survey"))
    assert out["en-tldr"]["summarized_rate"] == 1.0
    assert out["en-tldr"]["language_truthful_rate"] == 1.0
    # The offline backend never translates: asked for Japanese it answers in English and
    # must say so, which the section reports as "not in the template's language".
    assert out["ja-survey"]["language_truthful_rate"] == 1.0
    assert out["ja-survey"]["requested_language_rate"] == 0.0


def test_repair_section_runs_on_a_tiny_pairs_file(tmp_path: Path) -> None:
    from digestkit.evaluation import repair as section
    from digestkit.repair.corrupt import corrupt

    fx = tmp_path / "fixtures"
    (fx / "eval").mkdir(parents=True)
    (fx / "seeds").mkdir()
    clean = "本文提出了一种新的方法，在三个基准上提升了准确率。"
    cases = [
        {"id": "a", "lang": "zh", "kind": "cp1252", "category": "lossless", "corrupted": corrupt(clean, "cp1252"), "clean": clean},
        {"id": "b", "lang": "zh", "kind": "clean", "category": "clean", "corrupted": clean, "clean": clean},
    ]  # fmt: skip
    (fx / "eval" / "repair_pairs.json").write_text(json.dumps({"cases": cases}), encoding="utf-8")
    result = section.run(Context(fixtures=fx, out=tmp_path / "out"))
    assert result.ok
    assert result.metrics["exact.lossless.zh"] == 1.0
    assert result.metrics["exact.clean"] == 1.0
    assert result.metrics["ftfy.exact.lossless"] == 1.0  # ftfy also handles plain cp1252


def test_best_time_runs_slow_calls_once_and_fast_calls_repeatedly() -> None:
    from digestkit.evaluation.throughput import best_time

    calls: list[int] = []
    best_time(lambda: calls.append(1), min_total=0.0)
    assert len(calls) == 1
    calls.clear()
    assert best_time(lambda: calls.append(1), min_total=0.01, max_reps=5) >= 0.0
    assert len(calls) == 5


def test_e2e_summary_averages_templates_and_keeps_failures_visible() -> None:
    from digestkit.evaluation.e2e import summarize_results

    base = {"papers": 2, "language_truthful_rate": 1.0, "requested_language_rate": 1.0,
            "faithfulness_mean": 0.9, "flagged_rate": 0.0, "issues_per_summary": 0.0, "cost": 0.0,
            "examples": []}  # fmt: skip
    per = {
        "en-tldr": {**base, "summarized_rate": 1.0, "errors": []},
        "ja-survey": {**base, "summarized_rate": 0.5, "errors": ["output language is en"]},
    }
    r = summarize_results(per, 2, "offline backend")
    assert r.metrics["summarized_rate"] == 0.75
    assert r.metrics["summarized_rate.ja-survey"] == 0.5
    assert any("output language is en" in note for note in r.notes)


def test_markdown_report_orders_summary_thresholds_then_sections() -> None:
    from digestkit.evaluation.report import render_markdown
    from digestkit.evaluation.result import SectionResult
    from digestkit.evaluation.runner import EvalRun
    from digestkit.evaluation.thresholds import check_thresholds

    ok = SectionResult(name="repair", summary="fine", metrics={"cer.lossy": float("nan")})
    bad = SectionResult.failed("parse", "fixture missing: fixtures/parse")
    run = EvalRun([ok, bad])
    run.checks = check_thresholds(
        parse_thresholds({"max": {"repair.cer.lossy": 0.001}}), run.metrics
    )
    md = render_markdown(run, {}, when="now")
    assert (
        md.index("## Summary")
        < md.index("Thresholds")
        < md.index("## Repair")
        < md.index("## Parsing")
    )
    assert (
        "| repair.cer.lossy | gate | <= | 0.001 | – | **FAIL** |" in md
    )  # NaN is shown as missing
    assert "Reason: fixture missing: fixtures/parse" in md
    assert "**FAIL**" in md.splitlines()[2]


def test_baseline_lists_what_moved(
    tiny_fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limits = _thresholds(tmp_path, "")
    out = tmp_path / "out"
    assert _eval(tiny_fixtures, out, limits, "--no-plots") == EXIT_OK
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["sections"][0]["metrics"]["tiny.auroc"] = 0.123  # pretend the last run scored worse
    old = tmp_path / "old.json"
    old.write_text(json.dumps(report), encoding="utf-8")
    capsys.readouterr()
    assert _eval(tiny_fixtures, out, limits, "--no-plots", "--baseline", str(old)) == EXIT_OK
    assert "faithfulness.tiny.auroc: 0.123 ->" in capsys.readouterr().out
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| faithfulness.tiny.auroc | 0.123 |" in md


def test_bad_baseline_is_an_error(tiny_fixtures: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    limits = _thresholds(tmp_path, "")
    assert _eval(tiny_fixtures, tmp_path / "out", limits, "--baseline", str(bad)) == EXIT_ERROR


def test_a_missed_target_is_reported_but_does_not_fail_the_run() -> None:
    from digestkit.evaluation.runner import EvalRun
    from digestkit.evaluation.thresholds import check_thresholds

    limits = parse_thresholds(
        {"min": {"a.x": 0.5}, "target": {"max": {"a.cer": 0.001}, "min": {"a.speed": 10}}}
    )
    run = EvalRun(results=[])
    run.checks = check_thresholds(limits, {"a.x": 0.7, "a.cer": 0.004, "a.speed": 12.0})
    assert run.passed
    assert [c.threshold.metric for c in run.missed_targets] == ["a.cer"]
    run.checks = check_thresholds(limits, {"a.x": 0.4, "a.cer": 0.0, "a.speed": 12.0})
    assert not run.passed and not run.missed_targets


def test_target_tables_are_validated() -> None:
    from digestkit.errors import ConfigError

    with pytest.raises(ConfigError):
        parse_thresholds({"target": {"minimum": {"a.b": 1}}})
