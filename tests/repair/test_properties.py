"""Properties: idempotence, clean text untouched, bytes never raise, lossless round-trips."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digestkit.repair import apply_plan, repair_bytes, repair_text
from digestkit.repair.corrupt import corrupt

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Clean text in the scripts digests are written in: CJK, kana, Hangul, ASCII, full-width
# punctuation, curly quotes, NBSP, math, emoji (with ZWJ and flags).
_RANGES = [
    (0x20, 0x7E),
    (0x3040, 0x30FF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0xFF01, 0xFF5E),
    (0x3000, 0x303F),
    (0x2200, 0x22FF),
    (0x1F300, 0x1F5FF),
    (0x1F1E6, 0x1F1FF),
]
_EXTRA = "\u2018\u2019\u201c\u201d\u2014\u2026\u00a0\u200d\ufe0f\u00b7\u00d7\n"
CLEAN_CHARS = st.one_of(
    *(st.characters(min_codepoint=lo, max_codepoint=hi) for lo, hi in _RANGES),
    st.sampled_from(_EXTRA),
)
clean_text = st.text(CLEAN_CHARS, max_size=80)
cjk_text = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x3041, max_codepoint=0x30FA),
        st.sampled_from("，。、：（）「」 abc123"),
    ),
    min_size=3,
    max_size=60,
)


@SETTINGS
@given(clean_text)
@example("\xa0∂\xa0")  # MacRoman would read NBSP + ∂ as U+02B6: too little evidence
@example("∆∂")
@example("√≤")  # MacRoman would read it as ò: a formula on its own, mojibake in a word
@example("x √≤ y ∑∂")
@example("A√≤")
@example("A√≤A")
def test_clean_text_in_any_script_is_unchanged(text: str) -> None:
    result = repair_text(text)
    assert result.text == text
    assert not result.changed


@SETTINGS
@given(st.text(max_size=60))
@example("Ý\x80ÈÖ")  # two code pages in one text: the second pass must still run
def test_repair_is_idempotent(text: str) -> None:
    once = repair_text(text).text
    assert repair_text(once).text == once


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = repair_bytes(data)
    assert isinstance(result.text, str)
    assert 0.0 <= result.encoding_confidence <= 1.0


@SETTINGS
@given(cjk_text, st.sampled_from(["latin-1", "cp1252", "mac_roman", "double", "cp437"]))
def test_lossless_corruptions_round_trip(text: str, kind: str) -> None:
    damaged = corrupt(text, kind)
    result = repair_text(damaged)
    assert result.text == text
    assert apply_plan(damaged, result.steps) == text


@SETTINGS
@given(cjk_text, st.sampled_from(["cp1252-ignore", "seed004", "cp1252-replace"]))
@example("、、そ", "cp1252-ignore")  # replay must judge the evidence as the repair did
def test_lossy_repair_never_grows_damage_and_replays(text: str, kind: str) -> None:
    damaged = corrupt(text, kind)
    result = repair_text(damaged)
    assert apply_plan(damaged, result.steps) == result.text

    # ASCII is never damaged by mojibake, so repair keeps it; only a space may be read as
    # a lost NBSP byte.
    def ascii_but_spaces(s: str) -> str:
        return "".join(c for c in s if c.isascii() and c != " ")

    assert ascii_but_spaces(result.text) == ascii_but_spaces(damaged)
