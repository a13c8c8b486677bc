"""Running-text trigram evidence in round two: the per-slot reference, the text model and
the compiled pass must read the same table the same way (``lossy._tri_ratio``,
``CharModel.trigram_bonus``, ``_kernel.c: tri_ratio``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digestkit.repair import fastpass, lossy, repair_text
from digestkit.repair.corrupt import corrupt
from digestkit.repair.model import CharModel, load_model
from digestkit.repair.model.arrays import CONTEXT_KEY, ModelArrays, triple_keys
from digestkit.repair.types import LossyWeights, RepairConfig

CASES = [
    ("过程", "中可与不", "可以"),
    ("方法", "与中不", "新思"),
    ("対応し", "きくそ", "れない"),
    ("して", "きく", "たが"),
]


def test_the_table_holds_contexts_and_triples() -> None:
    arrays = ModelArrays.get("zh")
    table = arrays.trigrams()
    assert table is not None
    tri = load_model().trigrams("zh")
    a, b, c = (np.array([ord(ch)]) for ch in "过程中")
    rest = table.get(triple_keys(a, b, np.array([CONTEXT_KEY])), -1.0)[0]
    assert rest == pytest.approx(math.exp(-tri["过程"] / 100))
    assert table.get(triple_keys(a, b, c), 0.0)[0] == pytest.approx(math.exp(-tri["过程中"] / 100))
    assert ModelArrays.get("en").trigrams() is None  # no running text for English


@pytest.mark.parametrize(("left", "readings", "right"), CASES)
def test_the_reference_equals_the_text_model(left: str, readings: str, right: str) -> None:
    lang = "ja" if any("\u3040" <= ch <= "\u30ff" for ch in left + readings) else "zh"
    model = CharModel(lang)
    model.observe_always_visible(" ")
    md = lossy._Model(fastpass._model_buffers(ModelArrays.get(lang)), 0.0)
    md.opener_before_end = LossyWeights().opener_before_end
    md.observe_ascii([int(c == 0x20) for c in range(128)], 1)
    l2, l1 = ([-1, -1] + [ord(ch) for ch in left])[-2:]
    r1, r2 = ([ord(ch) for ch in right] + [-1, -1])[:2]
    outer = md.logp(r1, r2) if r1 >= 0 and r2 >= 0 else -math.inf
    got = []
    for f in map(ord, readings):
        t = lossy._tri_ratio(md, l2, l1, f, md.lp(l1, f))
        t += lossy._tri_ratio(md, l1, f, r1, md.lp(f, r1))
        t += lossy._tri_ratio(md, f, r1, r2, outer)
        got.append(t)
    want = [model.trigram_bonus(left, ch, right) for ch in readings]
    assert got == pytest.approx(want)


def test_context_known_only_where_running_text_has_it() -> None:
    model = CharModel("zh")
    assert (
        model.trigram_bonus("过程", "中", "可以")
        > 1
        > 0
        > model.trigram_bonus("过程", "不", "可以")
    )
    assert model.trigram_bonus("", "中", "") == 0.0  # no context at all
    assert CharModel("en").trigram_bonus("ab", "c", "de") == 0.0


def test_weight_zero_turns_it_off() -> None:
    text = corrupt("数据在部署中需严格保护。", "seed004")
    off = LossyWeights(trigram_weight=0.0)
    with_it = repair_text(text).text
    without = repair_text(text, RepairConfig(weights=off)).text
    assert with_it == "数据在部署中需严格保护。"  # the running text knows 部署中需
    assert "部署不需" in without  # the bigrams alone: 不需 is common
    for kernel in (True, False):
        assert repair_text(text, RepairConfig(kernel=kernel)).text == with_it
        assert repair_text(text, RepairConfig(kernel=kernel, weights=off)).text == without


def test_the_filter_passes_every_key_and_few_others() -> None:
    """A key the filter turns away is surely absent (the kernel then skips the probe): no
    key of the table may be turned away, and few keys outside it get through."""
    from digestkit.repair.model.arrays import filter_maybe, key_filter

    table = ModelArrays.get("zh").trigrams()
    assert table is not None
    words, bits = table.filter()
    stored = table.keys[table.keys != 0]
    assert (words.nbytes, bits) == (64 << bits, bits) and len(stored) <= 64 << bits
    sample = stored[:: max(1, len(stored) // 20_000)]
    assert all(filter_maybe(words, bits, int(k)) for k in sample)
    others = np.random.default_rng(7).integers(1, 1 << 62, 20_000, dtype=np.int64)
    others = others[~np.isin(others.astype(np.uint64), stored)]
    passed = sum(filter_maybe(words, bits, int(k)) for k in others) / len(others)
    assert passed < 0.01
    small, small_bits = key_filter(np.array([1, 2, 3], np.uint64))
    assert small_bits == 0 and all(filter_maybe(small, 0, k) for k in (1, 2, 3))


@pytest.mark.skipif(fastpass._compiled is None, reason="the C kernel is not built")
def test_the_kernel_reads_the_filter() -> None:
    """With the table's filter the kernel gives what it gives without one (the reference's
    text, by the parity tests); a filter that turns every key away changes seed 004's
    repair (so the kernel does consult it), and a filter of the wrong size is refused."""
    from tests.conftest import seed_path

    text = seed_path(4).read_text(encoding="utf-8")
    arrays = ModelArrays.get("zh")
    buffers = fastpass._model_buffers(arrays)
    both, bits, words, filter_bits = buffers[13]
    config = RepairConfig(threads=1)

    def repaired(tri: tuple[object, ...]) -> str:
        fastpass._BUFFERS[id(arrays)] = (arrays, buffers[:13] + (tri,))
        try:
            return repair_text(text, config).text
        finally:
            fastpass._BUFFERS.pop(id(arrays), None)

    with_filter = repaired((both, bits, words, filter_bits))
    assert repaired((both, bits)) == with_filter
    assert repaired((both, bits, np.zeros_like(words), filter_bits)) != with_filter
    with pytest.raises(ValueError, match="filter of the wrong size"):
        repaired((both, bits, words[:8], filter_bits))
