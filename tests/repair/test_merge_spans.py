"""The line-wise span merge gives the spans of a whole-text diff, at linear cost.

The oracle is the former whole-text ``difflib.SequenceMatcher`` (~n^2, kept here only).
"""

from __future__ import annotations

import difflib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.repair import engine, repair_text
from digestkit.repair.corrupt import CORRUPTION_KINDS, corrupt
from digestkit.repair.engine import _merge_spans
from digestkit.repair.types import RepairSpan
from tests.repair.cases import load_cases

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _whole_text_spans(original: str, final: str) -> list[RepairSpan]:
    matcher = difflib.SequenceMatcher(None, original, final, autojunk=False)
    return [
        RepairSpan(j1, j2, original[i1:i2], final[j1:j2], 1.0, "lossless")
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _agree(original: str, final: str) -> None:
    """Equal to the whole-text diff wherever that diff keeps the line breaks (it can match
    a character across a line break, ``'ä¸’\\nâ€™'`` -> ``'丒\\n’'``, where the
    line-wise spans stay inside their lines)."""
    got = _merge_spans(original, final)
    oracle = _whole_text_spans(original, final)
    if not any("\n" in s.original + s.replacement for s in oracle):
        assert got == oracle
    _covers(original, final, got)


def _covers(original: str, final: str, spans: list[RepairSpan]) -> None:
    """Replacing each span's text by its original rebuilds ``original`` from ``final``."""
    rebuilt, at = [], 0
    for s in spans:
        assert final[s.start : s.end] == s.replacement and s.start >= at
        rebuilt += [final[at : s.start], s.original]
        at = s.end
    assert "".join([*rebuilt, final[at:]]) == original


_CASES = [c for name in ("synthetic", "in_the_wild") for c in load_cases(name)]


@pytest.mark.parametrize("case", _CASES[::7], ids=lambda c: c["label"])
def test_same_spans_as_the_whole_text_diff_on_the_repair_cases(case: dict) -> None:
    original = corrupt(case["out"], "double")
    _agree(original, repair_text(original).text)
    _agree(case["in"], case["out"])


_LINE = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x3041, max_codepoint=0x30FA),
        st.sampled_from("，。、：（）「」 abc ABC 123 the model. -–—“”’…\xa0"),
    ),
    max_size=40,
)


@SETTINGS
@given(st.lists(_LINE, min_size=1, max_size=8), st.sampled_from(CORRUPTION_KINDS))
def test_same_spans_as_the_whole_text_diff_on_generated_repairs(
    lines: list[str], kind: str
) -> None:
    damaged = corrupt("\n".join(lines), kind)
    _agree(damaged, repair_text(damaged).text)


@SETTINGS
@given(st.text("ab\n\x85é", max_size=30), st.text("ab\n\x85é", max_size=30))
def test_any_two_texts_get_spans_that_rebuild_the_final_text(original: str, final: str) -> None:
    """Texts whose line structure differs are aligned by lines first: the spans may differ
    from the whole-text diff's there, but they still cover every change."""
    _covers(original, final, _merge_spans(original, final))


def test_a_long_double_mojibake_keeps_its_spans_exact() -> None:
    clean = "\n".join(f"第{i}行：本文提出了一种新的方法。" for i in range(300))
    damaged = corrupt(clean, "double")
    result = repair_text(damaged)
    assert result.text == clean
    assert len(result.spans) == 600  # the digits split each line's damage in two
    assert list(result.spans) == _whole_text_spans(damaged, clean)
    assert all(clean[s.start : s.end] == s.replacement for s in result.spans)


@SETTINGS
@given(st.lists(_LINE, min_size=1, max_size=8), st.sampled_from(CORRUPTION_KINDS))
def test_long_lines_cut_at_spaces_still_cover_every_change(lines: list[str], kind: str) -> None:
    """With a tiny window every changed line goes through the space-wise alignment."""
    damaged = corrupt(" ".join(lines), kind)
    final = repair_text(damaged).text
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_DIFF_WINDOW", 8)
        _covers(damaged, final, _merge_spans(damaged, final))


def test_a_long_single_line_gets_the_whole_text_diff_spans() -> None:
    clean = " ".join(f"第{i}段 本文提出了一种新的方法。" for i in range(400))
    damaged = corrupt(clean, "double")
    assert len(damaged) > 4 * engine._DIFF_WINDOW
    result = repair_text(damaged)
    assert result.text == clean
    assert list(result.spans) == _whole_text_spans(damaged, clean)
