"""Repair is idempotent on every corruption kind: repairing the result changes nothing.

The clean texts are zh/ja/en prose, sometimes quoting mojibake (as a digest about
encodings does): double-encoded, that is three layers, and a repair that stopped after
two left the third for the next run (issue 18: 4 of 200 double-encoded files changed
again on a second run).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digestkit.repair import RepairConfig, repair_text
from digestkit.repair.corrupt import CORRUPTION_KINDS, corrupt

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_WORD = st.one_of(
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6),
    st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x30FA), min_size=1, max_size=6),
    st.sampled_from(["the", "model", "reaches", "92.1%", "accuracy", "LLM", "(2026)", "—"]),
    st.sampled_from(["，", "。", "、", "：", "「", "」", "“", "”", "…", "\n", "\n\n", "é", "×"]),
)
_QUOTED_MOJIBAKE = st.builds(
    lambda word, kind: f"`{corrupt(word, kind)}`",
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=3),
    st.sampled_from(["cp1252", "latin-1"]),
)
clean_prose = st.lists(
    st.one_of(_WORD, _WORD, _WORD, _WORD, _QUOTED_MOJIBAKE), min_size=1, max_size=40
).map(" ".join)

_QUOTING = "中文的乱码看起来像 è®ºæ–‡ 这样。"


@SETTINGS
@given(clean_prose, st.sampled_from(CORRUPTION_KINDS))
@example(_QUOTING, "double")
@example("与 / 不 / 中 are all `ä¸` + one lost byte under cp1254", "double")
def test_repairing_a_repair_changes_nothing(clean: str, kind: str) -> None:
    once = repair_text(corrupt(clean, kind)).text
    assert repair_text(once).text == once


@pytest.mark.parametrize("kind", CORRUPTION_KINDS)
def test_every_kind_on_real_prose_is_idempotent(kind: str) -> None:
    clean = "本文提出了一种新的方法。論文の要約です。The model reaches 92.1% accuracy.\n" * 3
    once = repair_text(corrupt(clean, kind)).text
    assert repair_text(once).text == once


def test_a_double_encoded_quote_of_mojibake_needs_a_third_pass() -> None:
    """Two passes leave the quoted mojibake, which the next run would repair."""
    damaged = corrupt(_QUOTING, "double")
    two = repair_text(damaged, RepairConfig(max_passes=2)).text
    assert two == _QUOTING and repair_text(two).text != two
    result = repair_text(damaged)
    assert result.text == "中文的乱码看起来像 论文 这样。" == repair_text(_QUOTING).text
    assert len(result.steps) == 3 and repair_text(result.text).text == result.text
