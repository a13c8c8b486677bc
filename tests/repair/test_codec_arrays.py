"""The numpy code-page detection gives exactly the CodecChoice of the regex implementation.

``reference_choose_codec`` below is the implementation ``choose_codec`` had before the numpy
path (commit e95661b), kept verbatim as the oracle; it counts with the module's regex helpers
(``_runs_blob``, ``_evidence``, ``_unexplained_losses``, the ``suspicious_pattern`` vote),
which are unchanged. Besides the final choice, the per-code-page counts (pair votes and
evidence) are compared for every code page, not only the shortlisted ones.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.repair import lossless
from digestkit.repair.corrupt import CORRUPTION_KINDS, corrupt
from digestkit.repair.lossless import (
    CodecChoice,
    byte_map,
    choose_codec,
    codec_table,
    codepoints,
)
from digestkit.repair.types import DEFAULT_CODECS
from tests.conftest import seed_path
from tests.repair.cases import load_cases

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_choose_codec(
    text: str, codecs: tuple[str, ...], sample: int = 60_000
) -> CodecChoice | None:
    """``choose_codec`` as it was before the numpy path (verbatim)."""
    head = text[:sample]
    pairs = Counter(lossless._pair_pattern(codecs).findall(head))
    votes = []
    for codec in codecs:
        table = codec_table(codec)
        vote = sum(n for p, n in pairs.items() if p[0] in table.leads and p[1] in table.conts)
        votes.append((vote, codec))
    best_vote = max((v for v, _ in votes), default=0)
    if best_vote == 0:
        return None
    scored = []
    top = sorted(((-v, rank) for rank, (v, _) in enumerate(votes) if v))
    top = top if len(head) < 20_000 else top[:4]
    shortlist = {rank for _, rank in top}
    for rank, (vote, codec) in enumerate(votes):
        if rank in shortlist or vote >= 0.5 * best_vote:
            table = codec_table(codec)
            blob = lossless._runs_blob(head, table)
            valid, valid_bytes, damaged, junk = lossless._evidence(blob, table)
            if damaged:
                junk += lossless._unexplained_losses(blob, table)
            score = valid_bytes + damaged - junk
            scored.append((score, -rank, codec, valid + damaged, junk))
    best_score, _, codec, valid, broken = max(scored)
    if best_score <= 0:
        return None
    runner_up = max((s[0] for s in scored if s[2] != codec), default=0)
    margin = 1.0 - 0.5 * math.exp(-(best_score - max(runner_up, 0)) / 4)
    confidence = round(margin * valid / (valid + 0.25 * broken), 4)
    ties = tuple(s[2] for s in sorted(scored, reverse=True) if s[2] != codec and s[0] >= best_score)
    return CodecChoice(codec, confidence, valid, broken, ties)


def reference_votes(head: str, codecs: tuple[str, ...]) -> list[int]:
    pairs = Counter(lossless._pair_pattern(codecs).findall(head))
    tables = [codec_table(c) for c in codecs]
    return [sum(n for p, n in pairs.items() if p[0] in t.leads and p[1] in t.conts) for t in tables]


def _clip(text: str) -> np.ndarray:
    return np.minimum(codepoints(text), 0xFFFF).astype(np.intp)


def assert_same(text: str, codecs: tuple[str, ...] = DEFAULT_CODECS) -> None:
    """Final choice and every code page's counts agree between the two implementations."""
    head = text[:60_000]
    want = reference_choose_codec(text, codecs)
    assert choose_codec(text, codecs) == want
    assert lossless._choose_codec_arrays(head, codecs) == want
    if len(head) < 2:
        return
    cp = _clip(head)
    assert lossless._pair_votes(cp, codecs) == reference_votes(head, codecs)
    gaps = lossless._gaps(cp)
    for codec in codecs:
        table = codec_table(codec)
        blob = lossless._runs_blob(head, table)
        arrays = lossless._arrays(codec)
        got = lossless._runs_array(cp, gaps, arrays)
        # The array blob may hold several NULs where the reference has one: same counts.
        assert lossless._evidence_array(got, arrays.hole) == lossless._evidence(blob, table)
        counts = np.bincount(cp)
        chars = np.flatnonzero(counts)
        losses = lossless._unexplained_losses_array(chars, counts[chars], arrays, table)
        assert losses == lossless._unexplained_losses(blob, table)


@lru_cache(maxsize=1)
def _fixture_texts() -> list[str]:
    texts = []
    for name in ("in_the_wild", "negative", "synthetic"):
        for case in load_cases(name):
            texts += [case["in"], case["out"]]
    pairs = json.loads((FIXTURES / "eval" / "repair_pairs.json").read_text(encoding="utf-8"))
    for case in pairs["cases"]:
        texts += [case["corrupted"], case["clean"]]
    return texts


def test_every_fixture_text_gets_the_same_choice() -> None:
    """Every text's choice; every code page's counts on every third text when the C path is
    built (``test_codec_compiled`` then checks the three choices and the compiled counts
    against these arrays on every text), on all otherwise."""
    texts = _fixture_texts()
    assert len(texts) > 1000
    step = 3 if lossless.COMPILED is not None else 1
    for n, text in enumerate(texts):
        if n % step:
            assert choose_codec(text, DEFAULT_CODECS) == reference_choose_codec(
                text, DEFAULT_CODECS
            )
        else:
            assert_same(text)


@pytest.mark.parametrize("number", range(5))
def test_seeds_get_the_same_choice(number: int) -> None:
    text = seed_path(number).read_text(encoding="utf-8")
    assert_same(text)
    assert_same(text[len(text) // 2 :])  # another 60,000-character window
    assert_same(text[:5_000], ("cp1252", "cp1254"))  # short-text shortlist, two code pages


def test_the_fixtures_exercise_both_answers() -> None:
    """Guard against a vacuous comparison: the inputs include real choices and None."""
    results = [choose_codec(t, DEFAULT_CODECS) for t in _fixture_texts()[:400]]
    assert any(r is None for r in results)
    assert len({r.codec for r in results if r is not None}) >= 5
    assert choose_codec(seed_path(4).read_text(encoding="utf-8"), DEFAULT_CODECS) == CodecChoice(
        "cp1254", 0.9966, 11358, 155, ()
    )


_PROSE = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FA),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xA0, max_codepoint=0x17F),
    st.sampled_from("，。、“”—… \n\u00a0\u00ad€™🤖👩‍💻"),
)


#: A clean text, a corruption kind, its seed and a subset of code pages.
MOJIBAKE = (
    st.text(_PROSE, min_size=1, max_size=400),
    st.sampled_from(CORRUPTION_KINDS),
    st.integers(0, 3),
    st.sets(st.sampled_from(DEFAULT_CODECS), min_size=1, max_size=5),
)


@SETTINGS
@given(*MOJIBAKE)
def test_generated_mojibake_gets_the_same_choice(
    text: str, kind: str, seed: int, subset: set[str]
) -> None:
    broken = corrupt(text, kind, seed=seed)
    assert_same(broken)
    assert_same(broken, tuple(c for c in DEFAULT_CODECS if c in subset))
    assert_same(text + " " + broken)  # clean and damaged text in one document


# Mojibake's raw material: every code page's high half, loss marks, gaps, astral and
# surrogate code points, all densely mixed so that runs, gaps and sequences collide.
_RAW = st.one_of(
    st.characters(min_codepoint=0x80, max_codepoint=0x24FF, exclude_categories=()),
    st.sampled_from(" ?  ??\ufffd\ufffdaZ\n\x00\U0001f916\ud800\udcc3"),
)


@SETTINGS
@given(st.text(_RAW, max_size=300), st.sampled_from([DEFAULT_CODECS, ("latin-1",), ("cp437",)]))
def test_random_text_gets_the_same_choice(text: str, codecs: tuple[str, ...]) -> None:
    assert_same(text, codecs)


def test_long_random_text_takes_the_array_path() -> None:
    """The dispatch threshold: long text is counted with arrays (and agrees)."""
    rng = np.random.default_rng(4)
    alphabet = [chr(c) for c in range(0x80, 0x100)] + list(" ?\ufffd") + ["中", "a"]
    text = "".join(rng.choice(alphabet, 30_000))
    assert len(text) >= lossless.NUMPY_MIN_CHARS
    assert_same(text)


def test_byte_map_matches_the_code_page() -> None:
    for codec in DEFAULT_CODECS:
        table = codec_table(codec)
        table_map = byte_map(codec)
        assert table_map.dtype == np.int16 and table_map.shape == (0x10000,)
        assert not table_map.flags.writeable
        produced = {int(c) for c in np.flatnonzero(table_map >= 0)}
        assert produced == set(table.encode) | {0xFFFD}
        for char, byte in table.encode.items():
            assert table_map[char] == byte
            assert lossless.run_bytes(chr(char), table) == bytes([byte])
        assert lossless.run_bytes("\ufffd", table) == bytes([table_map[0xFFFD]])
