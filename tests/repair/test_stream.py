"""Streamed repair equals the whole-text repair: text, steps, encoding and spans.

The chunk sizes here are tiny, so that the text is cut at nearly every line start where a
cut is allowed (see :mod:`digestkit.repair.stream`); each test also checks that cuts were
made, so that a chunker that never cuts cannot pass.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digestkit.repair import RepairConfig, Repaired, repair_text
from digestkit.repair import stream as stream_mod
from digestkit.repair.corrupt import KINDS, corrupt
from digestkit.repair.stream import repair_chunked, repair_path, repair_stream

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _key(r: Repaired) -> tuple[object, ...]:
    return (r.text, r.changed, r.steps, r.encoding, r.encoding_confidence, tuple(r.spans))


class _Cuts:
    """Counts the chunk boundaries the streamed passes chose."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.total = 0
        real = stream_mod._census

        def spy(*args: object, **kwargs: object) -> object:
            doc, census = real(*args, **kwargs)  # type: ignore[arg-type]
            self.total += len(census.cuts)
            return doc, census

        monkeypatch.setattr(stream_mod, "_census", spy)


def _assert_same(text: str, chunk: int, config: RepairConfig | None = None) -> None:
    whole = repair_text(text, config)
    streamed = repair_chunked(text, config, chunk_chars=chunk)
    assert _key(streamed) == _key(whole)


# Lines in the scripts the bots write: Chinese and Japanese sentences, English words,
# brackets and the 在 … 中 frame (both read back along the line), and short lines (a cut
# needs intact characters on the two sides of a line break).
_WORDS = [
    "论文",
    "我们提出了一种新的方法",
    "在实验中",
    "与基线相比",
    "效率不可及",
    "（注意力）",
    "“引号”",
    "多模态模型的评估",
    "。",
    "，",
    "論文の要約",
    "モデル",
    "です。",
    "café",
    "model",
    " arXiv 2024 ",
    "?",
    "  ",
]
_LINE = st.lists(st.sampled_from(_WORDS), max_size=12).map("".join)
_TEXT = st.lists(_LINE, min_size=1, max_size=30).map("\n".join)
_KIND = st.sampled_from(sorted(KINDS))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_TEXT, _KIND), min_size=1, max_size=3), st.integers(1, 120),
       st.sampled_from([1, 2]))  # fmt: skip
# Empty lines first: a chunk's margin once started a line late (found with 500 examples).
@example([("\n\n论文论文\n", "cp1250")], 1, 1)
@example([("\n\n论文论文", "cp1250")], 1, 1)
def test_streamed_equals_whole_on_random_texts(
    parts: list[tuple[str, str]], chunk: int, threads: int
) -> None:
    """Documents of one to three parts, each damaged its own way (a pass, a code page and
    its evidence are chosen over the whole document)."""
    text = "\n".join(corrupt(part, kind) for part, kind in parts)
    _assert_same(text, chunk, RepairConfig(threads=threads))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, _KIND, st.integers(1, 120))
def test_the_reference_streams_as_the_kernel_does(text: str, kind: str, chunk: int) -> None:
    """Without the kernel, chunks go through the per-slot reference with the whole
    document's counts (``lossy.decide``'s ``doc``): the same result as the whole text, and
    as the kernel's."""
    damaged = corrupt(text, kind)
    reference = RepairConfig(kernel=False)
    _assert_same(damaged, chunk, reference)
    assert _key(repair_chunked(damaged, reference, chunk_chars=chunk)) == _key(
        repair_chunked(damaged, chunk_chars=chunk)
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_streamed_equals_whole_on_the_dev_texts(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cuts = _Cuts(monkeypatch)
    for name in ("dev_zh.txt", "dev_ja.txt", "clean_zh.txt"):
        damaged = corrupt((FIXTURES / "repair" / name).read_text(encoding="utf-8"), kind)
        for chunk in (1, 300):
            _assert_same(damaged, chunk)
    assert cuts.total > 0


def test_streamed_equals_whole_on_the_eval_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = json.loads((FIXTURES / "eval" / "repair_pairs.json").read_text(encoding="utf-8"))
    by_kind: dict[str, list[str]] = {}
    for case in cases["cases"]:
        by_kind.setdefault(case["kind"], []).append(case["corrupted"])
    assert set(KINDS) <= set(by_kind)  # and "clean", which must stay as it is
    cuts = _Cuts(monkeypatch)
    for texts in by_kind.values():
        _assert_same("\n".join(texts), 200)  # a document of all the pairs of a kind
        for text in texts[::7]:  # and some alone
            _assert_same(text, 1)
    assert cuts.total > 0


def test_a_document_prior_off_and_other_weights_stream_too() -> None:
    text = corrupt((FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8"), "seed004")
    _assert_same(text, 50, RepairConfig(document_prior=False))
    _assert_same(text, 50, RepairConfig(lossy=False))


def test_clean_text_is_copied_through() -> None:
    out = io.StringIO()
    result = repair_stream(lambda: iter(["plain\n", "中文，日本語。\n"]), out.write)
    assert out.getvalue() == "plain\n中文，日本語。\n"
    assert not result.changed


def test_repair_path_writes_the_whole_repair(tmp_path: Path) -> None:
    text = corrupt((FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8"), "seed004")
    src, dst = tmp_path / "in.md", tmp_path / "out.md"
    src.write_text(text, encoding="utf-8")
    result = repair_path(src, dst, chunk_chars=100)
    assert dst.read_text(encoding="utf-8") == repair_text(text).text
    assert result.changed and result.steps == repair_text(text).steps
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_line_longer_than_the_limit_is_refused_before_any_repair() -> None:
    from digestkit.repair.stream import LineTooLong

    text = "ok\n" + corrupt("论文" * 50, "seed004") + "\nok\n"
    written: list[str] = []
    with pytest.raises(LineTooLong) as caught:
        repair_stream(lambda: iter([text[i : i + 7] for i in range(0, len(text), 7)]),
                      written.append, max_line=40)  # fmt: skip
    assert caught.value.context["line"] == 2 and written == []
    out = io.StringIO()  # the same text within the limit
    repair_stream(lambda: iter([text]), out.write, max_line=len(text))
    assert out.getvalue() == repair_text(text).text


def test_repair_path_keeps_a_bom_and_can_keep_a_backup(tmp_path: Path) -> None:
    text = corrupt((FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8"), "seed004")
    src = tmp_path / "in.md"
    src.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    repair_path(src, src, chunk_chars=100, backup="always")
    assert src.read_bytes() == b"\xef\xbb\xbf" + repair_text(text).text.encode("utf-8")
    assert (tmp_path / "in.md.orig").read_bytes() == b"\xef\xbb\xbf" + text.encode("utf-8")


@pytest.mark.parametrize("kind", ["seed004", "double", "cp1252", "mixed-lossy"])
def test_a_tally_counts_what_the_spans_hold(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tally=True`` (what the CLI's message needs) gives the number and lowest confidence
    of the spans ``spans=True`` returns, over several chunks and, for double mojibake,
    several passes."""
    cuts = _Cuts(monkeypatch)
    clean = (FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8")
    text = corrupt(clean, kind, seed=3)
    out: list[str] = []
    full = repair_stream(lambda: iter([text]), out.append, spans=True, chunk_chars=400)
    tally = repair_stream(lambda: iter([text]), out.append, tally=True, chunk_chars=400)
    assert full.spans and not tally.spans
    assert (tally.span_count, tally.lowest_confidence) == (
        len(full.spans),
        min(s.confidence for s in full.spans),
    )
    assert (full.span_count, full.lowest_confidence) == (tally.span_count, tally.lowest_confidence)
    if kind != "double":
        assert cuts.total > 0


@pytest.mark.parametrize("kind", ["seed004", "double"])
def test_lazy_spans_know_their_count_without_a_second_repair(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``repair_text`` on a long text (``lazy_spans``): ``len(spans)`` and
    ``min_confidence``, what the CLI reports, come from the first repair's tally."""
    clean = (FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8")
    text = corrupt(clean, kind, seed=3)
    runs: list[bool] = []
    real = stream_mod.repair_stream

    def spy(*args: object, **kwargs: object) -> object:
        runs.append(bool(kwargs.get("spans")))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stream_mod, "repair_stream", spy)
    lazy = repair_chunked(text, chunk_chars=400, lazy_spans=True)
    count, lowest = len(lazy.spans), lazy.min_confidence
    assert runs == [False]  # no second repair yet
    built = tuple(lazy.spans)
    assert runs == [False, True]
    assert (count, lowest) == (len(built), min(s.confidence for s in built))
    assert len(lazy.spans) == len(built)


def _kernel_lookup(slots: np.ndarray, bits: int, key: int) -> int:
    """``_kernel.c: counter_get`` on a table of generation 1 (linear probing)."""
    stored, mask = (key + 1) | (1 << 43), (1 << bits) - 1
    pos = (((key + 1) * 0x9E3779B97F4A7C15) % (1 << 64)) >> (64 - bits)
    while True:
        held = int(slots[2 * pos])
        if held == stored:
            return int(slots[2 * pos + 1])
        if held >> 43 != 1:
            return 0
        pos = (pos + 1) & mask


def test_the_pair_table_answers_every_key_as_the_kernel_probes_it() -> None:
    """Keys crowded at the end of the table wrap to its start; absent keys answer 0."""
    rng = np.random.default_rng(5)
    pool = rng.integers(0, 0x110000 << 21, 20_000).astype(np.uint64)  # a << 21 | b
    home = ((pool + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(60)
    crowded = np.concatenate((pool[home == 15][:5], pool[home == 0][:2]))  # 7 keys: 16 slots
    for keys in (np.unique(crowded), np.unique(pool[:3000])):
        counts = np.arange(1, len(keys) + 1)
        slots, bits, left, counted = stream_mod._pair_table(keys, counts)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            assert _kernel_lookup(slots, bits, key) == count
        absent = np.setdiff1d(rng.integers(0, 0x110000 << 21, 200).astype(np.uint64), keys)
        assert not any(_kernel_lookup(slots, bits, k) for k in absent.tolist())
        assert int(left[counted].sum()) == int(counts.sum())


@pytest.mark.parametrize(
    ("data", "binary"),
    [
        ("论文\n".encode() * 5000, False),
        (b"plain text\n" * 1000 + bytes(range(1, 27)) * 2000, True),  # a text head only
        (b"\xef\xbb\xbfshort\x01\x02\x03\x04 text", True),  # short: binary_text decides
        (b"short text\n", False),
    ],
)
def test_one_read_says_the_encoding_and_whether_the_text_is_binary(
    tmp_path: Path, data: bytes, binary: bool
) -> None:
    from digestkit.repair import decode

    path = tmp_path / "f"
    path.write_bytes(data)
    found = stream_mod.stream_encoding(path)
    assert found.encoding is not None
    text = data.decode(found.encoding)
    odd = sum(text.count(chr(c)) for c in range(0x20) if chr(c) not in decode._TEXT_CONTROLS)
    whole = decode.binary_text(text) if len(text) <= 8192 else odd > 0.01 * len(text)
    assert found.binary == whole == binary
