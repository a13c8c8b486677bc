"""The public contract: plans replay on other text, mixed documents, bytes, config."""

from __future__ import annotations

import pytest

from digestkit.repair import (
    RepairConfig,
    Repaired,
    RepairSpan,
    apply_plan,
    repair_bytes,
    repair_text,
)
from digestkit.repair.corrupt import CORRUPTION_KINDS, LOSSLESS_KINDS, LOSSY_KINDS, corrupt

ZH = "本文提出了一种新的方法，在长文本上速度提升了三倍，显存减少了一半。"
JA = "提案手法は既存のベースラインを上回る性能を示し、推論速度も改善した。"


@pytest.mark.parametrize("kind", ["cp1252", "latin-1", "mac_roman", "double", "seed004"])
def test_a_plan_replays_on_other_text(kind: str) -> None:
    """Replaying a plan repairs another text the same way (same code page, same mode)."""
    first = repair_text(corrupt(ZH, kind))
    other = corrupt(JA, kind)
    codec = first.steps[0][1]
    assert apply_plan(other, first.steps) == repair_text(other, RepairConfig(codecs=(codec,))).text
    if kind in LOSSLESS_KINDS:
        assert apply_plan(other, first.steps) == JA


def test_ftfy_style_plan_for_whole_text_mojibake() -> None:
    result = repair_text(corrupt(ZH, "latin-1"))
    assert result.steps == (("encode", "latin-1"), ("decode", "utf-8"))
    assert result.text == ZH


def test_mixed_document_only_corrupted_lines_change() -> None:
    clean = "\n".join([ZH, "Plain English line — with “quotes”.", JA, "한국어 문장입니다.", ZH])
    damaged = "\n".join(
        [
            corrupt(ZH, "cp1252"),
            clean.split("\n")[1],
            JA,
            "한국어 문장입니다.",
            corrupt(ZH, "cp1252"),
        ]
    )
    result = repair_text(damaged)
    assert result.text == clean
    assert result.steps == (("reread", "cp1252"),)
    lines = result.text.split("\n")
    line_of = [i for i, line in enumerate(lines) for _ in range(len(line) + 1)]
    assert {line_of[s.start] for s in result.spans} == {0, 4}
    for span in result.spans:
        assert result.text[span.start : span.end] == span.replacement
        assert span.kind == "lossless" and span.confidence == 1.0


def test_mixed_lossy_document_keeps_clean_lines_byte_identical() -> None:
    clean_lines = [ZH, JA, "Plain English.", ZH]
    damaged = "\n".join([corrupt(ZH, "seed004"), JA, "Plain English.", ZH])
    result = repair_text(damaged)
    assert result.text.split("\n")[1:] == clean_lines[1:]


def test_repair_bytes_reports_the_source_encoding() -> None:
    text = JA * 5
    result = repair_bytes(text.encode("shift_jis"))
    assert result.text == text
    assert result.encoding == "shift_jis" or result.encoding in ("cp932", "shift_jis_2004")
    assert not result.changed
    broken = repair_bytes(corrupt(ZH, "cp1252").encode("utf-8"))
    assert broken.text == ZH and broken.changed and broken.encoding == "utf-8"


def test_config_switches() -> None:
    lossy = corrupt(ZH, "seed004")
    assert repair_text(lossy, RepairConfig(lossless=False)).text == lossy
    only_lossless = repair_text(lossy, RepairConfig(lossy=False))
    assert all(s.kind == "lossless" for s in only_lossless.spans)
    assert repair_text(corrupt(ZH, "double"), RepairConfig(max_passes=1)).text != ZH
    assert repair_text(corrupt(ZH, "double")).text == ZH


def test_result_types_are_frozen_values() -> None:
    result = repair_text(corrupt(ZH, "cp1252"))
    assert isinstance(result, Repaired) and isinstance(result.spans[0], RepairSpan)
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


def test_corruption_kinds_are_deterministic_and_named() -> None:
    assert set(LOSSLESS_KINDS) | set(LOSSY_KINDS) == set(CORRUPTION_KINDS)
    for kind in CORRUPTION_KINDS:
        assert corrupt(ZH + "\n" + JA, kind, seed=3) == corrupt(ZH + "\n" + JA, kind, seed=3)
        assert corrupt(ZH + "\n" + JA, kind) != ZH + "\n" + JA
    with pytest.raises(ValueError, match="unknown corruption kind"):
        corrupt(ZH, "rot13")
