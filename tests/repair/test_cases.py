"""The JSON cases: in-the-wild (seed 004, checked by hand), synthetic, negative."""

from __future__ import annotations

from collections import defaultdict

import pytest

from digestkit.repair import apply_plan, repair_text
from tests.conftest import seed_path
from tests.repair.cases import edit_distance, load_cases

NEGATIVE = load_cases("negative")
SYNTHETIC = load_cases("synthetic")
WILD = load_cases("in_the_wild")
LOSSLESS = [c for c in SYNTHETIC if not c["lossy"]]
LOSSY = [c for c in SYNTHETIC if c["lossy"]]


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["label"] for c in NEGATIVE])
def test_negative_cases_are_untouched(case: dict) -> None:
    result = repair_text(case["in"])
    assert result.text == case["in"]
    assert not result.changed
    assert result.spans == () and result.steps == ()


@pytest.mark.parametrize("case", LOSSLESS, ids=[c["label"] for c in LOSSLESS])
def test_lossless_cases_are_exact(case: dict) -> None:
    result = repair_text(case["in"])
    assert result.text == case["out"]
    assert result.changed
    assert apply_plan(case["in"], result.steps) == result.text
    assert all(s.kind == "lossless" and s.confidence == 1.0 for s in result.spans)


def test_lossy_cases_character_error_rate() -> None:
    """Mean CER per corruption kind and language stays under the measured bound.

    The issue's target is 0.1 %; what the engine reaches now is recorded in
    ``fixtures/repair/README.md``. The bound here catches regressions.
    """
    errors: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for case in LOSSY:
        result = repair_text(case["in"])
        assert apply_plan(case["in"], result.steps) == result.text
        lang = "zh" if case["label"].startswith("clean_zh") else "ja"
        errors[case["kind"], lang][0] += edit_distance(result.text, case["out"])
        errors[case["kind"], lang][1] += len(case["out"])
    rates = {key: e / n for key, (e, n) in errors.items()}
    ja = [r for (_, lang), r in rates.items() if lang == "ja"]
    zh = [r for (_, lang), r in rates.items() if lang == "zh"]
    # Measured: ja mean 0.15 %, zh mean 0.67 % (worst kind: seed004 zh, 1.3 %).
    assert sum(ja) / len(ja) < 0.003, rates
    assert sum(zh) / len(zh) < 0.012, rates
    assert max(rates.values()) < 0.025, rates


def test_in_the_wild_seed004_lines() -> None:
    """Lines cut from seed 004; expected outputs read and corrected by hand.

    Each line alone has less context than the whole file gives; most come out exact.
    """
    exact = 0
    edits = total = 0
    for case in WILD:
        got = repair_text(case["in"]).text
        exact += got == case["out"]
        edits += edit_distance(got, case["out"])
        total += len(case["out"])
    assert exact >= 8, (exact, len(WILD))
    assert edits / total < 0.02


def test_every_lossy_span_is_marked_lossy_with_a_confidence() -> None:
    case = next(c for c in LOSSY if c["kind"] == "seed004")
    result = repair_text(case["in"])
    assert result.spans
    for span in result.spans:
        assert result.text[span.start : span.end] == span.replacement
        assert 0.0 <= span.confidence <= 1.0
    assert any(s.kind == "lossy" and s.confidence < 1.0 for s in result.spans)


def test_confidence_is_informative() -> None:
    """Spans the engine is sure of are right more often than the ones it flags."""
    right = {True: [0, 0], False: [0, 0]}
    for case in LOSSY:
        if case["kind"] not in ("cp1252-ignore", "seed004", "cp1252-replace"):
            continue
        result = repair_text(case["in"])
        if len(result.text) != len(case["out"]):
            continue
        for span in result.spans:
            sure = span.confidence >= 0.9
            right[sure][0] += case["out"][span.start : span.end] == span.replacement
            right[sure][1] += 1
    sure_rate = right[True][0] / right[True][1]
    doubtful_rate = right[False][0] / right[False][1]
    assert sure_rate > 0.97, right
    assert sure_rate > doubtful_rate + 0.1, right


@pytest.mark.parametrize("number", [0, 1, 2, 3])
def test_clean_seed_documents_are_byte_identical(number: int) -> None:
    """Seeds 000-003 are real, clean Japanese digests (with code, math, emoji, tables)."""
    text = seed_path(number).read_text(encoding="utf-8")
    result = repair_text(text)
    assert result.text == text and not result.changed
