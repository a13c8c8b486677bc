"""The code-page choice in its two forms agree: ``_codec.c`` and the regular expressions.

``lossless._regex_votes`` / ``_regex_evidence`` are the reference (readable, and what runs
without a C compiler). Besides the final choice, the per-code-page counts are compared for
EVERY code page (not only the ones the shortlist re-reads): the pair votes, and (valid,
valid bytes, damaged, junk) of each re-reading; and the score bound that lets ``_decide``
skip a code page is checked to be one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.repair import lossless
from digestkit.repair.corrupt import CORRUPTION_KINDS, corrupt
from digestkit.repair.lossless import CodecChoice, byte_map, choose_codec, codec_table
from digestkit.repair.types import DEFAULT_CODECS
from tests.conftest import seed_path
from tests.repair.cases import load_cases

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(text: str, codecs: tuple[str, ...], sample: int = 60_000) -> CodecChoice | None:
    """The choice counted with the regular expressions (``kernel=False``)."""
    return choose_codec(text, codecs, sample, kernel=False)


MODULE = lossless.COMPILED
pytestmark = pytest.mark.skipif(
    MODULE is None, reason="_codec.c is not built: one form, nothing to compare"
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CODEC_SETS = [DEFAULT_CODECS, ("latin-1",), ("cp437",), ("cp1252", "cp1254"), DEFAULT_CODECS[::-1]]


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


def compiled(text: str, codecs: tuple[str, ...], sample: int = 60_000) -> CodecChoice | None:
    tables = lossless._compiled_tables(codecs)
    assert tables is not None
    return lossless._choose_codec_compiled(MODULE, tables, text, codecs, sample)


def counts_of(text: str, codecs: tuple[str, ...]) -> tuple[list[int], list[tuple], list[int]]:
    """The compiled votes, every code page's evidence, and the score bounds."""
    tables = lossless._compiled_tables(codecs)
    assert tables is not None
    squeezed, counts, votes, bounds = tables.prepare(MODULE, text, len(text))
    evidence = [
        MODULE.evidence(squeezed, counts, tables.run_bytes[k], tables.holes[k], tables.defined[k])
        for k in range(len(codecs))
    ]
    return votes, evidence, bounds


def assert_same(text: str, codecs: tuple[str, ...] = DEFAULT_CODECS) -> None:
    """Choice and every code page's counts agree between C and the regular expressions."""
    head = text[:60_000]
    want = reference(text, codecs)
    assert compiled(text, codecs) == want
    assert choose_codec(text, codecs) == want
    votes, evidence, bounds = counts_of(head, codecs)
    assert votes == lossless._regex_votes(head, codecs)
    for codec, got, bound in zip(codecs, evidence, bounds, strict=True):
        assert got == lossless._regex_evidence(head, codec), codec
        valid, valid_bytes, damaged, junk = got
        assert valid_bytes + damaged - junk <= bound


@lru_cache(maxsize=1)
def _corrupted_fixture_text() -> list[str]:
    """The repair fixtures' plain-text files, broken in every way the generator knows."""
    texts = []
    for path in sorted((FIXTURES / "repair").glob("*.txt")):
        clean = path.read_text(encoding="utf-8")[:3_000]
        texts += [clean] + [corrupt(clean, kind, seed=1) for kind in CORRUPTION_KINDS]
    return texts


def test_every_fixture_text_gets_the_same_choice() -> None:
    texts = _fixture_texts()
    assert len(texts) > 1000
    for text in texts:
        assert_same(text)


def test_the_eval_pairs_inputs_get_the_same_choice() -> None:
    """fixtures/eval repair pairs: what the evaluation feeds repair, under each code-page set."""
    pairs = json.loads((FIXTURES / "eval" / "repair_pairs.json").read_text(encoding="utf-8"))
    inputs = [case["corrupted"] for case in pairs["cases"]]
    assert len(inputs) > 100
    for text in inputs:
        for codecs in CODEC_SETS[1:]:
            assert compiled(text, codecs) == reference(text, codecs)


def test_corrupted_fixture_files_get_the_same_choice() -> None:
    texts = _corrupted_fixture_text()
    assert len(texts) > 3 * len(CORRUPTION_KINDS)
    for text in texts:
        assert_same(text)
        assert_same(text, ("cp1252", "cp1254"))


@pytest.mark.parametrize("number", range(5))
def test_seeds_get_the_same_choice(number: int) -> None:
    text = seed_path(number).read_text(encoding="utf-8")
    assert_same(text)
    assert_same(text[len(text) // 2 :])
    assert_same(text[:5_000], ("cp1252", "cp1254"))


def test_seed004_and_its_repair() -> None:
    """The two calls repair_text makes on seed 004: the choice, then None on the result."""
    from digestkit.repair import repair_text

    text = seed_path(4).read_text(encoding="utf-8")
    assert compiled(text, DEFAULT_CODECS) == CodecChoice("cp1254", 0.9966, 11358, 155, ())
    repaired = repair_text(text).text
    assert compiled(repaired, DEFAULT_CODECS) is None
    assert_same(repaired)


def test_the_bound_skips_a_code_page_on_seed004(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: on seed 004 one shortlisted code page (latin-1) is never re-read."""
    text = seed_path(4).read_text(encoding="utf-8")
    read = []
    real = lossless._decide

    def spy(codecs, votes, length, evidence, bounds):  # type: ignore[no-untyped-def]
        def counting(codec: str) -> tuple[int, int, int, int]:
            read.append(codec)
            return evidence(codec)

        return real(codecs, votes, length, counting, bounds)

    monkeypatch.setattr(lossless, "_decide", spy)
    choice = compiled(text, DEFAULT_CODECS)
    assert choice == real(*_unbounded_args(text))
    assert "latin-1" not in read and len(read) == 3


def _unbounded_args(text: str) -> tuple:
    votes, evidence, _ = counts_of(text[:60_000], DEFAULT_CODECS)
    by_codec = dict(zip(DEFAULT_CODECS, evidence, strict=True))
    return DEFAULT_CODECS, votes, 60_000, by_codec.__getitem__


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "Ã",
        "\ufffd",
        "?",
        " ",
        "Ã©",
        "Ã ©",
        "Ã   ©",
        "Ã    ©",
        " Ã©",
        "?Ã?",
        "Ã??",
        "Ã???",
        "Ã©???? ",
        "è®ºæ–‡ ? æ€»ç»“",
        "æ\ufffd\ufffdæ–‡",
        "abcdefgh Ã© ijklmnop????????Ã",
        "aaaaaaaaÃ" + "b" * 8 + "©",
        "Ã" + " " * 9 + "©",
        "ð\U0001f916Ÿ¤–",
        "\udcc3\udca9Ã©\ud800",
    ],
)
def test_edge_cases_get_the_same_choice(text: str) -> None:
    for codecs in CODEC_SETS:
        assert_same(text, codecs)
        assert_same(text * 3, codecs)


@pytest.mark.parametrize("sample", [0, 1, 2, 7, 100, -1, -5, 10**9])
def test_the_sample_is_the_head_of_the_text(sample: int) -> None:
    text = "café " + "è®ºæ–‡æ€»ç»“ " * 10 + "ÅŸ " * 10
    want = reference(text, DEFAULT_CODECS, sample)
    assert compiled(text, DEFAULT_CODECS, sample) == want
    assert choose_codec(text, DEFAULT_CODECS, sample) == want


def test_every_string_width_is_read() -> None:
    """The same text stored with 1, 2 and 4 bytes per character (CPython's str kinds)."""
    latin = "naÃ¯ve cafÃ© ÃƒÂ© " * 20  # 1 byte per character
    for text in (latin, latin + "Ÿ€", latin + "🤖"):
        assert_same(text)
        assert_same(text, ("latin-1",))


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
    assert_same(text + " " + broken)


# Mojibake's raw material: every code page's high half, loss marks, gaps, astral and
# surrogate code points, all densely mixed so that runs, gaps and sequences collide.
_RAW = st.one_of(
    st.characters(min_codepoint=0x80, max_codepoint=0x24FF, exclude_categories=()),
    st.sampled_from(" ?  ??\ufffd\ufffdaZ\n\x00\U0001f916\ud800\udcc3"),
)


@SETTINGS
@given(st.text(_RAW, max_size=300), st.sampled_from(CODEC_SETS))
def test_random_text_gets_the_same_choice(text: str, codecs: tuple[str, ...]) -> None:
    assert_same(text, codecs)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_read_with_surrogates_get_the_same_choice(data: bytes) -> None:
    assert_same(data.decode("utf-8", "surrogateescape"))
    assert_same(data.decode("utf-16-le", "surrogatepass" if len(data) % 2 == 0 else "replace"))


def test_long_random_text() -> None:
    rng = np.random.default_rng(7)
    alphabet = [chr(c) for c in range(0x80, 0x100)] + list(" ?\ufffd  ??") + ["中", "a", "🤖"]
    assert_same("".join(rng.choice(alphabet, 30_000)))


def test_without_the_compiled_module_the_other_paths_answer() -> None:
    text = seed_path(4).read_text(encoding="utf-8")[:3_000]
    want = choose_codec(text, DEFAULT_CODECS)
    assert choose_codec(text, DEFAULT_CODECS, kernel=False) == want
    assert choose_codec(text[:200], DEFAULT_CODECS, kernel=False) == compiled(
        text[:200], DEFAULT_CODECS
    )


def test_code_pages_the_tables_cannot_take_fall_back() -> None:
    many = tuple(f"cp{n}" for n in range(1250, 1259)) * 8  # 72 > 64 bits
    assert lossless._compiled_tables(many) is None
    text = "cafÃ© è®ºæ–‡"
    assert choose_codec(text, many) == reference(text, many)


def test_bad_buffers_raise_instead_of_reading_out_of_bounds() -> None:
    tables = lossless._compiled_tables(DEFAULT_CODECS)
    assert tables is not None
    module = MODULE
    n = len(DEFAULT_CODECS)
    good = (tables.char_index, tables.lead_bits, tables.cont_bits, tables.run_bytes)
    with pytest.raises(ValueError):
        module.prepare("Ã©", 2, tables.char_index[:10], *good[1:], n, tables.size)
    with pytest.raises(ValueError):
        module.prepare("Ã©", 2, *good, n + 1, tables.size)  # run_bytes too short
    with pytest.raises(ValueError):
        module.prepare("Ã©", 2, *good, n, 1000)  # not a power of two
    with pytest.raises(ValueError):
        module.evidence(b"\x00\x00", b"", tables.run_bytes[0][:5], 0xC0, 0)
    with pytest.raises(ValueError):
        module.evidence(b"\x00", b"", tables.run_bytes[0], 0xC0, 0)
    # Arbitrary squeezed text and counts: counted, never read outside the buffers.
    rng = np.random.default_rng(1)
    for _ in range(50):
        squeezed = rng.integers(0, 0x10000, rng.integers(0, 300), dtype=np.uint16).tobytes()
        counts = rng.integers(0, 1000, 2 ** rng.integers(0, 15), dtype=np.uint32).tobytes()
        hole = int(rng.integers(0, 256))
        valid, valid_bytes, damaged, junk = module.evidence(
            squeezed, counts, tables.run_bytes[0], hole, 0xFFFF_FFFF_FFFF_FFFF
        )
        assert 0 <= valid <= valid_bytes and damaged >= 0


def test_the_fixtures_exercise_both_answers() -> None:
    """Guard against a vacuous comparison: the inputs include real choices and None."""
    results = [choose_codec(t, DEFAULT_CODECS) for t in _fixture_texts()[:400]]
    assert any(r is None for r in results)
    assert len({r.codec for r in results if r is not None}) >= 5
    assert choose_codec(seed_path(4).read_text(encoding="utf-8"), DEFAULT_CODECS) == CodecChoice(
        "cp1254", 0.9966, 11358, 155, ()
    )


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
