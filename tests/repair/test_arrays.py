"""The array model (:mod:`digestkit.repair.model.arrays`) against the dict model it mirrors.

``HashTable`` against a dict; the per-slot reference's model (``lossy._Model.logp``, which
the kernel is held to) against ``CharModel.logp``, and ``lossy._word_bonus`` against
``CharModel.word_bonus`` on the same document, so that a faster lookup (or a C kernel)
cannot silently change a score.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.repair import lossy
from digestkit.repair.fastpass import _model_buffers
from digestkit.repair.lossless import codepoints
from digestkit.repair.model import CharModel
from digestkit.repair.model.arrays import HashTable, ModelArrays, word_hashes
from digestkit.repair.types import CONTEXT, LossyWeights
from tests.conftest import seed_path

_KEYS = st.one_of(
    st.integers(0, 64),
    st.integers(0, 2**62),
    st.just(0),
    st.just(2**63 - 2),
)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(_KEYS, st.floats(-1e6, 1e6, allow_nan=False), max_size=200),
    st.lists(_KEYS, max_size=50),
)
def test_hash_table_is_a_dict(table: dict[int, float], absent: list[int]) -> None:
    keys = np.array(list(table), np.int64)
    values = np.array(list(table.values()), np.float64)
    t = HashTable(keys, values)
    assert len(t) == len(table)
    query = list(table) + absent
    got = t.get(np.array(query, np.int64), -7.5).tolist()
    assert got == [table.get(k, -7.5) for k in query]


def test_hash_table_long_probe_clusters() -> None:
    # Consecutive keys and keys that share their high bits crowd a few buckets, so some
    # lookups need more than the two vectorised probes: a few left probe on, many take
    # the sorted-keys fallback.
    keys = np.concatenate([np.arange(5000), (np.arange(1, 3001) << 40), [2**63 - 2]])
    values = np.arange(len(keys), dtype=np.float64) * 0.5
    t = HashTable(keys, values)
    assert t.get(keys, -1.0).tolist() == values.tolist()
    assert t.get(np.tile(keys, 30), -1.0).tolist() == np.tile(values, 30).tolist()
    assert t._sorted is not None  # the fallback past two probes did run
    absent = np.concatenate([np.arange(5000, 9000), (np.arange(3001, 4000) << 40)])
    assert (t.get(absent, -1.0) == -1.0).all()


def test_hash_table_empty() -> None:
    t = HashTable(np.zeros(0, np.int64), np.zeros(0))
    assert len(t) == 0
    assert t.get(np.array([0, 5], np.int64), 2.0).tolist() == [2.0, 2.0]
    full = HashTable(np.array([3]), np.array([1.0]))
    assert full.get(np.zeros(0, np.int64)).shape == (0,)


def test_word_hashes_equal_rows_equal_different_rows_differ() -> None:
    rng = random.Random(2)
    pool = [ord(c) for c in "论文总结提出方法模型注意力機構の要約abc"]
    words = {tuple(rng.choices(pool, k=rng.randint(1, 7))) for _ in range(3000)}
    rows = np.full((len(words), 7), -1, np.int64)
    for n, w in enumerate(words):
        rows[n, : len(w)] = w
    h = word_hashes(rows)
    assert len(set(h.tolist())) == len(words)
    # Trailing -1 padding does not change a word's hash; the same word hashes the same.
    wide = np.concatenate([rows, np.full((len(rows), 3), -1, np.int64)], axis=1)
    assert (word_hashes(wide) == h).all()
    assert (word_hashes(rows[::-1]) == h[::-1]).all()


_DOC = {
    "zh": "论文总结：本文提出一种新的注意力机制，用于长文本推理。方法简单，效果显著（见表1）。",
    "ja": "要約：本論文は長い文脈のための注意機構を提案する。実験では、従来手法より高速である。",
}
_POOL = "的一是了论文总结提出方法模型注意力機構の要約です。、「」：（）😀🤖 abcXYZ012,.()"


def _reference(lang: str) -> lossy._Model:
    return lossy._Model(_model_buffers(ModelArrays.get(lang)), LossyWeights().opener_before_end)


@pytest.mark.parametrize("lang", ["zh", "ja"])
@pytest.mark.parametrize("stage", ["prior", "intact", "observed"])
def test_reference_model_matches_char_model(lang: str, stage: str) -> None:
    text = _DOC[lang] + " See arXiv 2401.00001 (v2) 😀."
    cps = codepoints(text).tolist()
    w = LossyWeights()
    model = CharModel(lang)
    model.observe_always_visible(text)
    md = _reference(lang)
    md.observe_ascii([cps.count(c) for c in range(128)], len(cps))
    if stage in ("intact", "observed"):
        model.observe_intact(text)
        wide = [a << 21 | b for a, b in zip(cps, cps[1:], strict=False) if a >= 0x80 <= b]
        md.observe_intact(wide, w.cache_weight)
    if stage == "observed":
        model.observe(text)
        md.observe(cps, w.doc_weight)
    rng = random.Random(lang + stage)
    pairs = [(rng.choice(_POOL), rng.choice(_POOL)) for _ in range(400)]
    pairs += list(zip(text, text[1:], strict=False))
    got = [md.logp(ord(x), ord(y)) for x, y in pairs]
    want = [model.logp(x, y) for x, y in pairs]
    bad = [(x + y, g, w) for (x, y), g, w in zip(pairs, got, want, strict=True)]
    bad = [row for row in bad if not math.isclose(row[1], row[2], rel_tol=1e-9, abs_tol=1e-9)]
    assert bad == []


def _windows(text: str, positions: list[int]) -> list[list[int]]:
    cps = codepoints(text).tolist()
    return [
        [cps[i + k] if 0 <= i + k < len(cps) else -1 for k in range(-CONTEXT, CONTEXT + 1)]
        for i in positions
    ]


@pytest.mark.parametrize(("lang", "seed"), [("zh", 4), ("ja", 0), ("ja", 3)])
def test_word_bonus_matches_char_model(lang: str, seed: int) -> None:
    text = seed_path(seed).read_text(encoding="utf-8")
    if seed == 4:
        from digestkit.repair import repair_text

        text = repair_text(text).text
    rng = random.Random(seed)
    cjk = [i for i, ch in enumerate(text) if ord(ch) >= 0x3000]
    positions = rng.sample(cjk, 400) + [0, len(text) - 1]
    md = _reference(lang)
    got = [lossy._word_bonus(md, window) for window in _windows(text, positions)]
    model = CharModel(lang)
    want = [model.word_bonus(text, i, 7) for i in positions]
    assert sum(w > 0 for w in want) > 100  # the sample exercises real words
    bad = [
        (text[max(i - 3, 0) : i + 4], g, w)
        for i, g, w in zip(positions, got, want, strict=True)
        if not math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9)
    ]
    assert bad == []
