"""The error rate per damaged character (``digestkit.evaluation.repair_damage``): which
characters count as damaged, and how errors on them are counted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.evaluation.repair import add_damage_rates
from digestkit.evaluation.repair_damage import damage_table_rows, damaged_errors, damaged_mask
from digestkit.evaluation.result import SectionResult
from digestkit.repair.corrupt import KINDS, LOSSY_KINDS, corrupt


def test_a_character_is_damaged_when_one_of_its_bytes_is_lost() -> None:
    # 不 is E4 B8 8D: cp1252 leaves 0x8D undefined; 是 (E6 98 AF) loses nothing.
    assert damaged_mask("不是", corrupt("不是", "cp1252-ignore"), "cp1252-ignore") == [True, False]
    # cp1254 defines 0x8D? No: seed004 loses it too; 文 (E6 96 87) survives.
    assert damaged_mask("不文", corrupt("不文", "seed004"), "seed004") == [True, False]
    # Lossless kinds damage nothing.
    assert damaged_mask("不文", corrupt("不文", "cp1252"), "cp1252") == [False, False]


def test_untouched_lines_of_mixed_damage_have_no_damaged_characters() -> None:
    clean = "不是这样\n不是那样\n不是\n不对"
    damaged = corrupt(clean, "mixed-lossy", seed=3)
    mask = damaged_mask(clean, damaged, "mixed-lossy")
    for line, bad, start in zip(
        clean.split("\n"), damaged.split("\n"), [0, 5, 10, 13], strict=True
    ):
        assert any(mask[start : start + len(line)]) == (line != bad)


@settings(max_examples=50, deadline=None)
@given(
    st.text(alphabet="不与中是文论总结要約のテスト。a ", max_size=30), st.sampled_from(LOSSY_KINDS)
)
def test_a_perfect_repair_has_no_errors_and_every_damage_is_counted(text: str, kind: str) -> None:
    damaged = corrupt(text, kind)
    mask = damaged_mask(text, damaged, kind)
    assert len(mask) == len(text)
    assert damaged_errors(text, text, mask) == (0, sum(mask))
    # Leaving the damage in place gets every damaged character wrong.
    wrong, total = damaged_errors(text, damaged, mask)
    if kind != "mixed-lossy":
        assert wrong == total


def test_rates_per_code_page_in_the_report() -> None:
    cases = [("eval", "zh", "seed004", "不是", corrupt("不是", "seed004")),
             ("eval", "zh", "cp1252-ignore", "不是", corrupt("不是", "cp1252-ignore")),
             ("eval", "en", "seed004", "x", "x")]  # fmt: skip
    rows = damage_table_rows(cases, lambda t: "中是" if t.startswith("ä¸") else t)
    assert rows[("eval", "zh", "cp1254")] == (1, 1)
    assert rows[("eval", "zh", "all")] == (2, 2)
    assert KINDS["seed004"].codec == "cp1254"
    result = SectionResult(name="repair")
    add_damage_rates(result, cases, lambda t: "不是")
    assert result.metrics["damaged_error.eval.zh.cp1254"] == 0.0
    assert result.tables and "damaged" in result.summary
