"""The whole of seed 004: a real README whose UTF-8 went through cp1254 with bytes lost."""

from __future__ import annotations

import re

import pytest

from digestkit.repair import apply_plan, repair_text
from digestkit.repair.corrupt import corrupt
from tests.conftest import seed_path

# What cp125x mojibake of CJK looks like: a lead-byte letter then a continuation symbol.
MOJIBAKE = re.compile(
    "[äåæçèéï][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u02c6\u02dc\u2013-\u2122]"
)


@pytest.fixture(scope="module")
def repaired():
    text = seed_path(4).read_text(encoding="utf-8")
    return text, repair_text(text)


def test_code_page_and_plan(repaired) -> None:
    text, result = repaired
    assert result.changed
    assert result.encoding == "cp1254"  # 'ğŸ¤–' for 🤖: Turkish, not cp1252
    assert result.encoding_confidence > 0.9
    assert result.steps == (("rebuild", "cp1254"),)
    assert apply_plan(text, result.steps) == result.text


def test_no_mojibake_left(repaired) -> None:
    text, result = repaired
    assert len(MOJIBAKE.findall(text)) > 20000
    assert MOJIBAKE.findall(result.text) == []
    assert "\ufffd" not in result.text


def test_known_lines_read_right(repaired) -> None:
    """Lines checked by hand against the meaning of the surrounding summary."""
    _, result = repaired
    for line in (
        "# 论文总结：Multi-Head LatentMoE and Head Parallel: Communication-Efficient and "
        "Deterministic MoE Parallelism",
        "## 1. 论文的主要贡献和创新点",
        "- **通信开销大**：通信量随每个 token 激活的专家数 $k$ 线性增长（即 $O(k)$）。",
        "- **非确定性通信模式**：需要额外的 all-to-all 通信交换元数据（如队列长度），"
        "增加了复杂性和不确定性。",
        "这些问题限制了 MoE 模型在大规模场景下的可扩展性和效率。",
        "<summary><strong>🤖 AI Summary (by qwen-long)</strong> - Click to expand</summary>",
        "## 📊 Statistics",
    ):
        assert line in result.text.splitlines()


def test_words_decide_where_pairs_cannot(repaired) -> None:
    """与基线 (9 headings): 丁基 is a word too, but it competes with 基线 for 基. 已不合时宜:
    both of 不合's characters lost a byte, and only round three moves them together (one at
    a time, 中午 stayed)."""
    _, result = repaired
    assert result.text.count("与基线方法") == 9
    assert "丁基线" not in result.text
    assert "但现在已不合时宜”的 token" in result.text


def test_ascii_is_untouched_and_spans_are_consistent(repaired) -> None:
    text, result = repaired
    assert [c for c in result.text if c.isascii()] == [c for c in text if c.isascii()]
    for span in result.spans:
        assert result.text[span.start : span.end] == span.replacement
    lossy = [s for s in result.spans if s.kind == "lossy"]
    assert len(lossy) > 1000
    # Some are flagged as doubtful, most are not (spans are whole runs: min over slots).
    assert 0 < sum(s.confidence < 0.9 for s in lossy) < 0.5 * len(lossy)


def test_recorrupting_the_repair_gives_the_seed_back(repaired) -> None:
    """The repair is consistent with the damage: corrupting it again the same way (the
    seed-004 recipe) reproduces the input byte for byte, so every chosen character is
    one of those the lost bytes allow."""
    text, result = repaired
    assert corrupt(result.text, "seed004") == text.replace("\xad", "")
