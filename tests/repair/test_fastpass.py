"""The lossy pass (:mod:`digestkit.repair.fastpass`): its two forms, the C kernel and the
per-slot Python reference (``lossy.scan`` / ``lossy.decide``), give the same text, spans and
confidences; runs are found exactly where ``codec_table(c).runs`` finds them, UTF-8 is
decoded as Python decodes it, and spans describe the text.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.repair import fastpass, lossy, repair_text
from digestkit.repair.fastpass import fast_pass
from digestkit.repair.lossless import codec_table
from digestkit.repair.types import LossyWeights, RepairConfig
from tests.conftest import seed_path
from tests.repair.cases import load_cases

EVAL_PAIRS = Path(__file__).resolve().parents[2] / "fixtures" / "eval" / "repair_pairs.json"
CODECS = ("cp1252", "cp1254", "cp1250", "latin-1", "mac_roman", "cp437")
#: Every slot goes to round two and every pair of slots may move in round three (from its
#: best reading by outer score and the current one), so rarely deciding terms get to.
EAGER_ONE = LossyWeights(sure=1.01, pair_margin=0.0, pair_keep=1)


@pytest.fixture(scope="module")
def eval_results() -> list[tuple[dict, str, str]]:
    """Every eval case with its repair (twice the text: the tests read (case, text, _))."""
    cases = json.loads(EVAL_PAIRS.read_text(encoding="utf-8"))["cases"]
    out = []
    for c in cases:
        got = repair_text(c["corrupted"]).text
        out.append((c, got, got))
    return out


def test_eval_lossless_and_clean_exact(eval_results) -> None:
    checked = [(c["id"], f, c["clean"]) for c, f, _ in eval_results if c["category"] != "lossy"]
    assert len(checked) > 300
    assert [i for i, got, clean in checked if got != clean] == []


@pytest.mark.parametrize("number", [0, 1, 2, 3])
def test_clean_seed_whole_file_unchanged(number: int) -> None:
    # Seeds 000-003 are clean Japanese: nothing may change.
    text = seed_path(number).read_text(encoding="utf-8")
    assert repair_text(text).text == text


REFERENCE = RepairConfig(kernel=False)
needs_kernel = pytest.mark.skipif(fastpass._compiled is None, reason="the C kernel is not built")


@needs_kernel
def test_kernel_equals_the_reference(eval_results) -> None:
    texts = [c["corrupted"] for c, _, _ in eval_results if c["category"] == "lossy"]
    texts.append(seed_path(4).read_text(encoding="utf-8"))
    for text in texts:
        compiled = repair_text(text)
        reference = repair_text(text, REFERENCE)
        assert compiled.text == reference.text
        assert compiled.spans == reference.spans


def test_kernel_is_built_where_a_compiler_is() -> None:
    """`make install` compiles the kernel when a C compiler exists (CI has one): a broken
    build must not pass unnoticed as the slower Python reference."""
    import shutil
    import sysconfig

    if not shutil.which(sysconfig.get_config_var("CC").split()[0] or "cc"):
        pytest.skip("no C compiler on this machine: the Python reference is the expected pass")
    assert fastpass._compiled is not None


@needs_kernel
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["论文总结", "提出了方法", "模型", "「要約」", "与", "不", "中", "😀", "cafe"]
            + ["在架构与", "テクスチャ", "「見るか」", "かつ"]
            # past the model's per-character arrays (ModelArrays.top): read at their end
            + ["\U00030000", "\U000f0000", "𪜀"]
        ),
        min_size=1,
        max_size=12,
    ).map(" ".join),
    st.sampled_from(
        [
            "cp1252-ignore",
            "cp1250-ignore",
            "seed004",
            "cp1252-question",
            "cp1252-replace",
            "cp1252-strip-invisible",
        ]
    ),
    st.booleans(),
)
def test_kernel_equals_the_reference_on_random_damage(clean: str, kind: str, eager: bool) -> None:
    from digestkit.repair.corrupt import corrupt

    text = corrupt(clean, kind)
    # eager: every slot goes to round two and every pair of slots may change in round
    # three, from the best reading of each by its outer score and the current one (often
    # another), so every term of theirs gets to decide something.
    config = RepairConfig(weights=EAGER_ONE) if eager else RepairConfig()
    for codec in ("cp1252", "cp1254", "cp1250"):
        compiled = fast_pass(text, codec_table(codec), config)
        reference = fast_pass(text, codec_table(codec), replace(config, kernel=False))
        assert compiled[0] == reference[0]
        assert tuple(compiled[1]) == tuple(reference[1])


@pytest.mark.parametrize("kernel", [True, False], ids=["compiled", "reference"])
def test_round_three_moves_a_pair_together(kernel: bool) -> None:
    # cp1250 loses チ's two last bytes and one of ャ's: the bigrams prefer トっ, and neither
    # slot alone can move (チっ and トャ read worse); テクスチャ is a word only as a whole.
    from digestkit.repair.corrupt import corrupt

    clean = "細かいテクスチャと"
    damaged = corrupt(clean, "cp1250-ignore")
    assert repair_text(damaged, RepairConfig(kernel=kernel)).text == clean
    no_pairs = RepairConfig(kernel=kernel, weights=LossyWeights(pair_margin=math.inf))
    assert repair_text(damaged, no_pairs).text == "細かいテクストっと"


@pytest.mark.parametrize("kernel", [True, False], ids=["compiled", "reference"])
def test_round_three_counts_a_word_once(kernel: bool) -> None:
    # 揶揄 (two rare characters that occur only together) is a strong word; counted once per
    # centre it outbid 架构 and took 架构与 to 揶揄中.
    case = next(c for c in load_cases("in_the_wild") if c["label"] == "seed004:50")
    assert "架构" in repair_text(case["in"], RepairConfig(kernel=kernel)).text


@pytest.mark.parametrize("kernel", [True, False], ids=["compiled", "reference"])
def test_a_closing_word_ahead_reads_yu(kernel: bool) -> None:
    # cp1254 loses the last byte of 与, 不 and 中 alike (0x8E, 0x8D and a stripped 0xAD); the
    # bigrams prefer 不全, 中键 and 。不以, but 相比 / 之间 / 不同 later in the clause close a
    # 与-phrase.
    from digestkit.repair.corrupt import corrupt
    from eval.repair_dev import dev_chunks

    chunks = dict(dev_chunks("zh"))
    cases = [
        ("clean_zh#0", 0, ("与键", "注意力。与以往")),  # 查询块与键块之间; 与以往的方法不同
        ("clean_zh#1", 1, ("，与全注意力",)),  # 与全注意力相比
    ]
    off = RepairConfig(kernel=kernel, weights=LossyWeights(closer_bonus=0.0))
    for name, seed, phrases in cases:
        damaged = corrupt(chunks[name], "seed004", seed=seed)
        got = repair_text(damaged, RepairConfig(kernel=kernel)).text
        without = repair_text(damaged, off).text
        for phrase in phrases:
            assert phrase in got
            assert phrase not in without


# -- structure ------------------------------------------------------------------------------

_MOJIBAKE = "è®ºæ–‡æ€»ç»“ï¼šã€‚ğŸ¤–Ã©Ã¤â€œâ€\u009d\u0081Å¡ÄŸÅŸÂ"
_PIECES = st.sampled_from(
    [*_MOJIBAKE, " ", " ", "?", "??", "a", "Z", "1", "\n", "论", "文", "の", "\ufffd", "😀", "é"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join), st.sampled_from(CODECS))
def test_runs_match_the_regex(text: str, codec: str) -> None:
    want = [m.span() for m in codec_table(codec).runs.finditer(text)]
    scanned = _scanned(lossy, text, codec)
    assert scanned[0] == want
    if fastpass._compiled is not None:
        assert _scanned(fastpass._compiled, text, codec) == scanned
    # The same damaged mixes through the whole pass: no exception, consistent spans.
    out, spans, _ = fast_pass(text, codec_table(codec), RepairConfig())
    assert isinstance(out, str)
    _check_spans(out, spans)


def _scanned(kernel, text: str, codec: str) -> tuple[list, ...]:
    """What ``kernel.scan`` (and the slot building after it) found: the runs, what each
    position writes, the slots, the byte and script counts."""
    p = fastpass.prepare(kernel, text, codec_table(codec), RepairConfig())
    runs = []
    if p.doc is not None:
        runs = list(zip(p.doc.runs_start.tolist(), p.doc.runs_end.tolist(), strict=True))
    slots = [] if p.slots is None else [p.slots.start.tolist(), p.slots.first.tolist()]
    return runs, p.emit.tolist(), slots, p.counts.tolist(), p.lang_counts.tolist()


_CJK = st.text(
    alphabet=st.sampled_from(
        "论文总结提出方法模型注意力機構の要約です。、「」：😀🤖👍🏽 abcXYZ0123,.()-"
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(_CJK, st.sampled_from(("cp1252", "cp1254", "latin-1", "mac_roman", "cp437")))
def test_whole_sequences_decode_like_python(clean: str, codec: str) -> None:
    raw = clean.encode("utf-8")
    try:
        mojibake = raw.decode(codec)
    except UnicodeDecodeError:
        return  # a byte the code page does not define: not a lossless input
    out, spans, lossy = fast_pass(mojibake, codec_table(codec), RepairConfig())
    assert mojibake.encode(codec).decode("utf-8") == clean
    assert out == clean
    assert not lossy
    assert all(s.kind == "lossless" for s in spans)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60), st.sampled_from(CODECS))
def test_arbitrary_text_never_raises(text: str, codec: str) -> None:
    out, spans, _ = fast_pass(text, codec_table(codec), RepairConfig())
    assert isinstance(out, str)
    _check_spans(out, spans)


@settings(max_examples=100, deadline=None)
@given(_CJK)
def test_clean_cjk_unchanged(text: str) -> None:
    assert fast_pass(text, codec_table("cp1252"), RepairConfig())[0] == text
    assert repair_text(text).text == text


# -- spans ----------------------------------------------------------------------------------


def _check_spans(text: str, spans) -> None:
    last = 0
    for s in sorted(spans, key=lambda s: s.start):
        assert text[s.start : s.end] == s.replacement
        assert s.start >= last, "spans overlap"
        assert s.start <= s.end
        last = s.end
        if s.kind == "lossy":
            assert 0 < s.confidence <= 1
        else:
            assert s.confidence == 1.0
    starts = [s.start for s in spans]
    assert starts == sorted(starts)


def test_spans_of_seed004() -> None:
    text = seed_path(4).read_text(encoding="utf-8")
    out, spans, lossy = fast_pass(text, codec_table("cp1254"), RepairConfig())
    assert lossy
    assert sum(s.kind == "lossy" for s in spans) > 100
    _check_spans(out, spans)


def test_spans_of_eval_lossy(eval_results) -> None:
    cases = [c for c, _, _ in eval_results if c["category"] == "lossy"][::4]
    for c in cases:
        result = repair_text(c["corrupted"])
        _check_spans(result.text, result.spans)


@needs_kernel
@pytest.mark.parametrize("kind", ["seed004", "cp1252-ignore", "cp1252-strip-invisible", None])
def test_two_threads_decide_what_one_does(kind: str | None) -> None:
    """A long document is split between two threads only where the halves cannot see each
    other: text and spans are those of one thread (seed 004 itself, and long corrupted
    Chinese with many damaged characters and lost NBSPs)."""
    from digestkit.repair.corrupt import corrupt

    root = Path(__file__).resolve().parents[2]
    clean = (root / "fixtures" / "repair" / "clean_zh.txt").read_text(encoding="utf-8")
    text = seed_path(4).read_text(encoding="utf-8") if kind is None else corrupt(clean * 20, kind)
    codec = "cp1252" if kind and kind.startswith("cp1252") else "cp1254"
    results = []
    for threads in (1, 2):
        out, spans, lossy = fast_pass(text, codec_table(codec), RepairConfig(threads=threads))
        results.append((out, tuple(spans), lossy))
    assert results[0] == results[1]
    assert results[0][2]


@needs_kernel
def test_concurrent_callers_get_what_one_gets() -> None:
    """The kernel releases the GIL and keeps its caches in a small pool: callers in several
    Python threads at once (more than the pool holds) each get the text one caller gets."""
    from concurrent.futures import ThreadPoolExecutor

    from digestkit.repair.corrupt import corrupt

    root = Path(__file__).resolve().parents[2]
    clean = (root / "fixtures" / "repair" / "clean_zh.txt").read_text(encoding="utf-8")
    texts = [seed_path(4).read_text(encoding="utf-8")]
    texts += [
        corrupt(clean * 3, kind, seed=n) for n, kind in enumerate(("seed004", "cp1252-ignore"))
    ]
    alone = [repair_text(t).text for t in texts]
    jobs = texts * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda t: repair_text(t).text, jobs))
    assert together == alone * 4


@needs_kernel
@pytest.mark.parametrize("keep", [None, 1, 8], ids=["tuned", "eager-one", "eager-eight"])
@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_kernel_equals_the_reference_on_the_dev_set(lang: str, keep: int | None) -> None:
    """The dev prose under every lossy kind (every other chunk): brackets and frames look
    back over a whole line, which once made a numpy form order slots differently. Eager
    (every fourth chunk): every slot goes to round two and every pair of slots is free to
    move in round three, from ``keep`` readings each and the current one, so that terms
    which rarely decide anything get to."""
    from digestkit.repair.corrupt import LOSSY_KINDS, corrupt
    from eval.repair_dev import dev_chunks

    config = RepairConfig()
    if keep is not None:
        config = RepairConfig(weights=replace(EAGER_ONE, pair_keep=keep))
    for n, (_, chunk) in enumerate(dev_chunks(lang)):
        if n % {None: 2, 1: 4, 8: 8}[keep]:  # eight readings per slot: the costliest
            continue
        for seed, kind in enumerate(LOSSY_KINDS):
            text = corrupt(chunk, kind, seed=seed)
            compiled = repair_text(text, config)
            reference = repair_text(text, replace(config, kernel=False))
            assert compiled.text == reference.text, (kind, chunk[:40])
            assert compiled.spans == reference.spans, (kind, chunk[:40])


@needs_kernel
def test_kernel_equals_the_reference_without_document_prior(eval_results) -> None:
    config = RepairConfig(document_prior=False)
    texts = [c["corrupted"] for c, _, _ in eval_results if c["category"] == "lossy"][::3]
    for text in texts:
        compiled = repair_text(text, config)
        reference = repair_text(text, replace(config, kernel=False))
        assert compiled.text == reference.text
        assert compiled.spans == reference.spans


@needs_kernel
def test_the_kernel_refuses_other_shared_constants(monkeypatch: pytest.MonkeyPatch) -> None:
    """CONTEXT and LINE are compiled into ``_kernel.c``: a Python value that differs must
    stop the repair, not silently break parity."""
    text = "\n".join(["æ•ˆç‡ä¸å¯åŠæ€§"] * 3)
    real = lossy.params

    def shifted(config: RepairConfig, lang: str) -> tuple[object, ...]:
        *rest, context, line = real(config, lang)
        return (*rest, context + 1, line)

    monkeypatch.setattr(lossy, "params", shifted)
    with pytest.raises(ValueError, match="CONTEXT"):
        fast_pass(text, codec_table("cp1254"), RepairConfig())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=300),
    st.integers(2, 40),
    st.integers(1, 5),
)
def test_pattern_rows_cache_gives_the_rows_of_the_table(
    picks: list[int], limit: int, bits: int
) -> None:
    """rows_of (a hashed cache in front of the table) gives each key's row in the table,
    when keys share a place in the cache (few bits) and when the table starts afresh (a
    small LIMIT renumbers its rows)."""
    import numpy as np

    from digestkit.repair.fastpass import _PatternRows

    table = _PatternRows("cp1252", lossy.default_losses("cp1252", LossyWeights()), "zh", 4)
    table.LIMIT, table.BITS = limit, bits
    table.cached_key = np.full(1 << bits, -1, np.int64)
    table.cached_row = np.zeros(1 << bits, np.int64)
    lead = 0xE4 << 27
    keys = [lead | ((0x80 + p + 1) << 18) for p in picks]
    fresh = _PatternRows("cp1252", lossy.default_losses("cp1252", LossyWeights()), "zh", 4)
    for half in (keys[: len(keys) // 2], keys):
        got = table.rows_of(np.array(half, np.int64))
        assert got.tolist() == [table.index[key] for key in half]
        want = fresh.rows(half)
        assert table.first[got].tolist() == fresh.first[want].tolist()
        assert table.prior[got].tolist() == fresh.prior[want].tolist()
