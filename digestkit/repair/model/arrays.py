"""The character model as numpy arrays: every score of a document looked up in one go.

:class:`~digestkit.repair.model.CharModel` answers one pair at a time from dicts, which is
right for a few characters and far too slow for a README with thousands of damaged ones.
:class:`ModelArrays` holds the same tables (built once per language from
:func:`~digestkit.repair.model.load_model`) as dense per-character arrays, CSR pair tables and
open-addressing hash tables, which the lossy pass reads (``lossy.decide`` and
``_kernel.c`` apply :meth:`CharModel.logp`'s formula to them: the prior, stored pair else the
back-off weight times the unigram or word-start probability, and the clause-end rule; mixed
with the pairs the document shows intact and, in the second round, its character counts).

>>> arrays = ModelArrays.get("zh")
>>> arrays.top, len(arrays.uni) == arrays.top + 1
(177911, True)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable

import numpy as np

from digestkit.repair import model as _model
from digestkit.repair.model import CLAUSE_END, LanguageTables, load_model

__all__ = [
    "HashTable",
    "ModelArrays",
    "filter_maybe",
    "key_filter",
    "pair_keys",
    "triple_keys",
    "word_hashes",
]

#: Code points are below 2**21, so a pair packs into one int64 key.
SHIFT = 21
UNICODE = 0x110000
_MULT = np.uint64(0x9E3779B97F4A7C15)
#: Multiplier of the polynomial hash of character strings (words): odd, 64-bit.
_POLY = np.uint64(0x100000001B3)
_LOCK = threading.Lock()
#: The filter's hash multiplier (not _MULT: the table's place and the filter's block must not
#: go together).
_FILTER_MULT = np.uint64(0xD6E8FEB86659FD93)
#: Keys per filter block (512 bits, four set per key): about 1 key asked about in 500 that
#: the table does not hold passes the filter.
_FILTER_LOAD = 32


def key_filter(stored: np.ndarray) -> tuple[np.ndarray, int]:
    """A blocked Bloom filter of ``stored`` keys (a hash table's key + 1, uint64): a key
    outside it is surely not in the table, so a probe that would miss in main memory is
    answered from the filter, which is small enough to stay in cache.

    Returns the filter (2**bits blocks of eight uint64 words) and ``bits``. A key's block is
    the top ``bits`` of ``h = stored * 0xD6E8FEB86659FD93`` (mod 2**64); within it, with
    ``x = h ^ (h >> 29)``, the bits ``(x >> 9q) & 511`` for q = 0..3 are set. ``_kernel.c``
    (``filter_maybe``) reads it so.

    >>> f, bits = key_filter(np.array([6, 8, 1 << 40], np.uint64))
    >>> bits, f.shape, all(filter_maybe(f, bits, int(k)) for k in (6, 8, 1 << 40))
    (0, (8,), True)
    """
    stored = np.asarray(stored, np.uint64)
    bits = max(0, int(max(1, len(stored) // _FILTER_LOAD) - 1).bit_length())
    words = np.zeros(8 << bits, np.uint64)
    h = stored * _FILTER_MULT
    block = (h >> np.uint64(64 - bits)).astype(np.intp) if bits else np.zeros(len(h), np.intp)
    x = h ^ (h >> np.uint64(29))
    for q in range(4):
        bit = (x >> np.uint64(9 * q)) & np.uint64(511)
        np.bitwise_or.at(
            words,
            block * 8 + (bit >> np.uint64(6)).astype(np.intp),
            np.uint64(1) << (bit & np.uint64(63)),
        )
    return words, bits


def filter_maybe(words: np.ndarray, bits: int, stored: int) -> bool:
    """Whether the stored key ``stored`` may be in the filter (:func:`key_filter`)."""
    h = (stored * int(_FILTER_MULT)) & 0xFFFFFFFFFFFFFFFF
    block = h >> (64 - bits) if bits else 0
    x = h ^ (h >> 29)
    for q in range(4):
        bit = (x >> (9 * q)) & 511
        if not int(words[block * 8 + (bit >> 6)]) >> (bit & 63) & 1:
            return False
    return True


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One int64 key per (a, b) code-point pair.

    >>> int(pair_keys(np.array([1]), np.array([2]))[0]) == (1 << 21) + 2
    True
    """
    return (a.astype(np.int64) << SHIFT) | b.astype(np.int64)


#: The third code point of a context's key in the trigram table (no character has it).
CONTEXT_KEY = (1 << SHIFT) - 1


def triple_keys(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """One non-negative int64 key per (a, b, c) code-point triple (c = :data:`CONTEXT_KEY`:
    the context ``ab`` itself).

    >>> int(triple_keys(np.array([1]), np.array([2]), np.array([3]))[0]) == (1 << 42) + (2 << 21) + 3
    True
    """
    ab = (a.astype(np.int64) << (2 * SHIFT)) | (b.astype(np.int64) << SHIFT)
    return ab | c.astype(np.int64)


class HashTable:
    """A read-only map from non-negative int64 keys to float64 values (linear probing).

    Built once from arrays; :meth:`get` looks up a whole array of keys with a few vectorised
    probe rounds.

    >>> t = HashTable(np.array([5, 7, 1 << 40]), np.array([0.5, 0.7, 2.0]))
    >>> t.get(np.array([7, 6, 1 << 40]), -1.0).tolist()
    [0.7, -1.0, 2.0]
    """

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        n = len(keys)
        self.bits = max(4, int(n * 2 - 1).bit_length())
        size = 1 << self.bits
        self.mask = size - 1
        self.keys = np.zeros(size, np.uint64)  # 0 = empty; stored as key + 1
        self.values = np.zeros(size, np.float64)
        stored = np.asarray(keys, np.int64).astype(np.uint64) + np.uint64(1)
        vals = np.asarray(values, np.float64)
        pos = self._hash(stored)
        pending = np.arange(n)
        while len(pending):
            p = pos[pending]
            free = self.keys[p] == 0
            _, first = np.unique(p, return_index=True)
            win = np.zeros(len(pending), bool)
            win[first] = True
            win &= free
            self.keys[p[win]] = stored[pending[win]]
            self.values[p[win]] = vals[pending[win]]
            lose = pending[~win]
            pos[lose] = (pos[lose] + 1) & self.mask
            pending = lose
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._filter: tuple[np.ndarray, int] | None = None
        # One array for both passes: keys and values are views of its columns.
        both = np.empty((size, 2), np.uint64)
        both[:, 0] = self.keys
        both[:, 1] = self.values.view(np.uint64)
        self._interleaved = both
        self.keys = both[:, 0]
        self.values = both[:, 1].view(np.float64)

    @classmethod
    def from_interleaved(
        cls, both: np.ndarray, bits: int, key_filter: tuple[np.ndarray, int] | None = None
    ) -> HashTable:
        """The table whose :meth:`interleaved` array is ``both`` (e.g. a read-only memory
        map: lookups only read it), with its :meth:`filter` when it was kept.

        >>> t = HashTable(np.array([5, 7]), np.array([0.5, 0.7]))
        >>> HashTable.from_interleaved(t.interleaved(), t.bits).get(np.array([7, 5])).tolist()
        [0.7, 0.5]
        """
        self = cls.__new__(cls)
        self.bits = bits
        self.mask = (1 << bits) - 1
        self._sorted = None
        self._filter = key_filter
        self._interleaved = both
        self.keys = both[:, 0]
        self.values = both[:, 1].view(np.float64)
        return self

    def interleaved(self) -> np.ndarray:
        """(stored key, value bits) pairs side by side: one cache line per probe, for the
        compiled pass (:attr:`keys` and :attr:`values` are its columns)."""
        return self._interleaved

    def filter(self) -> tuple[np.ndarray, int]:
        """The table's keys as a :func:`key_filter` (built when first asked for)."""
        if self._filter is None:
            self._filter = key_filter(self.keys[self.keys != 0])
        return self._filter

    def __len__(self) -> int:
        return int(np.count_nonzero(self.keys))

    def _hash(self, stored: np.ndarray) -> np.ndarray:
        return ((stored * _MULT) >> np.uint64(64 - self.bits)).astype(np.int64)

    def get(self, keys: np.ndarray, default: float = 0.0) -> np.ndarray:
        """The value of each key, ``default`` where it is absent.

        Two vectorised probes settle almost every key; the few left in long clusters are
        found by binary search in the sorted keys (a bounded number of numpy calls).
        """
        stored = np.asarray(keys, np.int64).astype(np.uint64) + np.uint64(1)
        out = np.full(len(stored), default, np.float64)
        pos = self._hash(stored)
        idx = np.arange(len(stored))
        table_keys = self.keys
        rounds = 0
        while True:
            found = table_keys[pos]
            hit = found == stored[idx]
            out[idx[hit]] = self.values[pos[hit]]
            more = ~hit & (found != 0)
            idx = idx[more]
            if not len(idx):
                return out
            pos = (pos[more] + 1) & self.mask
            rounds += 1
            # A few keys left: probe on (sorting the table for them would cost more).
            if rounds >= 2 and (len(idx) > 64 or rounds > 64):
                break
        if self._sorted is None:
            live = np.flatnonzero(table_keys)
            order = np.argsort(table_keys[live])
            self._sorted = (table_keys[live][order], self.values[live][order])
        sorted_keys, sorted_values = self._sorted
        want = stored[idx]
        at = np.minimum(np.searchsorted(sorted_keys, want), len(sorted_keys) - 1)
        hit = sorted_keys[at] == want
        out[idx[hit]] = sorted_values[at[hit]]
        return out


def word_hashes(codes: np.ndarray) -> np.ndarray:
    """Polynomial hash (uint64) of each row of ``codes`` (code points, -1 = end of string).

    >>> rows = np.array([[ord("论"), ord("文"), -1], [ord("论"), ord("文"), -1]])
    >>> h = word_hashes(rows)
    >>> bool(h[0] == h[1])
    True
    """
    h = np.zeros(len(codes), np.uint64)
    for k in range(codes.shape[1]):
        col = codes[:, k]
        live = col >= 0
        h = np.where(live, h * _POLY + (col.astype(np.uint64) + np.uint64(1)), h)
    return h


def string_codes(strings: list[str], width: int) -> np.ndarray:
    """The code points of each string, one row each, cut or padded with -1 to ``width``.

    >>> string_codes(["ab", "c"], 3).tolist()
    [[97, 98, -1], [99, -1, -1]]
    """
    lengths = np.fromiter(map(len, strings), np.int64, len(strings))
    flat = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), "<u4")
    out = np.full((len(strings), width), -1, np.int64)
    rows = np.repeat(np.arange(len(strings)), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = cols < width
    out[rows[keep], cols[keep]] = flat[keep]
    return out


def _rows(first: np.ndarray) -> np.ndarray:
    """CSR row starts (UNICODE + 1 of them) for entries sorted by ``first``."""
    counts = np.bincount(first, minlength=UNICODE)
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int32)


def _dense(table: dict[str, int], fill: float) -> np.ndarray:
    """A probability per code point from a ``-log P`` table in 0.01 nat."""
    out = np.full(UNICODE, fill, np.float64)
    if table:
        idx = np.fromiter((ord(c) for c in table), np.int64, len(table))
        out[idx] = np.exp(-np.fromiter(table.values(), np.float64, len(table)) / 100)
    return out


def _flags(chars: Iterable[str]) -> np.ndarray:
    out = np.zeros(UNICODE, bool)
    idx = [ord(c) for c in chars if len(c) == 1]
    out[idx] = True
    return out


class ModelArrays:
    """One language's tables as arrays (use :meth:`get`: built once per process).

    ``uni`` is P(c) with ASCII left out (the lossy pass takes ASCII from the document, as
    :meth:`CharModel.observe_always_visible` does); ``start`` is P(a word begins
    with c); ``weight`` the back-off weight of a left character; ``bigram`` the stored pairs.
    """

    _cache: dict[str, ModelArrays] = {}

    @classmethod
    def get(cls, lang: str, tables: LanguageTables | None = None) -> ModelArrays:
        """``lang``'s arrays: the shipped model's from its memory-mapped file
        (:mod:`.mapped`; written on first use), or built from ``tables``."""
        with _LOCK:
            hit = cls._cache.get(lang)
            if tables is not None:
                if hit is None or hit.tables is not tables:
                    hit = cls(lang, tables)
                return hit
            if hit is None:
                hit = cls._cache[lang] = cls._mapped(lang)
            return hit

    @classmethod
    def _mapped(cls, lang: str) -> ModelArrays:
        """The shipped model's arrays, mapped (:func:`.mapped.find`); built and written to
        the cache when no file holds them (removing the cache's stale files)."""
        from digestkit.repair.model import _PATH
        from digestkit.repair.model import mapped as _mapped

        found = _mapped.find(lang, _PATH)
        if found is not None:
            return cls._from_arrays(lang, *found)
        built = cls(lang, load_model())
        with contextlib.suppress(OSError):  # no writable cache: the arrays stay in memory
            path = _mapped.cache_path(lang, _PATH)
            _mapped.save(path, *built._to_arrays(), model=_PATH)
            _mapped.remove_stale(path.parent, _PATH)
        return built

    _FIELDS = ("uni", "start", "weight", "in_table", "clause_end", "openers", "closers",
               "bigram_row", "bigram_col", "bigram_val", "inner_row", "inner_col")  # fmt: skip

    def _to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, int]]:
        """Everything a repair reads, as named arrays (see :meth:`_from_arrays`)."""
        words = self.words()
        trigrams = self.trigrams()
        out = {name: getattr(self, name) for name in self._FIELDS}
        out["words"] = words.interleaved()
        meta = {"words_bits": words.bits}
        if trigrams is not None:
            out["trigrams"] = trigrams.interleaved()
            meta["trigrams_bits"] = trigrams.bits
            out["trigrams_filter"], meta["trigrams_filter_bits"] = trigrams.filter()
        return out, meta

    @classmethod
    def _from_arrays(
        cls, lang: str, arrays: dict[str, np.ndarray], meta: dict[str, int]
    ) -> ModelArrays:
        self = cls.__new__(cls)
        self.lang = lang
        self.tables = None
        for name in cls._FIELDS:
            setattr(self, name, arrays[name])
        self.top = len(self.uni) - 1
        self._words = HashTable.from_interleaved(arrays["words"], meta["words_bits"])
        tri = arrays.get("trigrams")
        kept = arrays.get("trigrams_filter")
        self._trigrams = (
            None
            if tri is None
            else HashTable.from_interleaved(
                tri,
                meta["trigrams_bits"],
                None if kept is None else (kept, meta["trigrams_filter_bits"]),
            )
        )
        return self

    def __init__(self, lang: str, tables: LanguageTables):
        self.lang = lang
        self.tables: LanguageTables | None = tables
        uni = tables.uni.get(lang, {})
        sym = tables.uni.get("sym", {})
        # P(c): the better of the language and symbol tables, else the outside prior.
        outside = np.full(UNICODE, 1e-8, np.float64)
        outside[0x1F300:0x1FB00] = 1e-7
        outside[0x1D400:0x1D800] = 1e-10
        for ch, p in (("\ufe0f", 1e-4), ("\u200d", 3e-5), ("\u20e3", 1e-6)):
            outside[ord(ch)] = p
        merged = dict(sym)
        for ch, v in uni.items():
            if ch not in merged or v <= merged[ch]:
                merged[ch] = v
        self.in_table = _flags(merged)
        self.uni = np.where(self.in_table, _dense(merged, 0.0), outside)
        start = tables.start.get(lang, {})
        self.start = np.where(_flags(start), _dense(start, 0.0), self.uni)
        self.weight = _dense(tables.backoff.get(lang, {}), 1.0)
        bi = tables.bi.get(lang, {})
        codes = string_codes(list(bi), 3)
        two = (codes[:, 1] >= 0) & (codes[:, 2] < 0)
        keys = pair_keys(codes[two, 0], codes[two, 1])
        vals = np.exp(-np.fromiter(bi.values(), float, len(bi))[two] / 100)
        # The same pairs row by row (CSR: the pairs of a start at row[a]), for the compiled
        # pass: the readings of one slot share their left neighbour, hence one row.
        order = np.argsort(keys)
        self.bigram_row = _rows(keys[order] >> SHIFT)
        self.bigram_col = (keys[order] & ((1 << SHIFT) - 1)).astype(np.int32)
        self.bigram_val = vals[order]
        self.openers = _flags(tables.openers.get(lang, {}))
        self.closers = _flags(tables.closers.get(lang, {}))
        self.clause_end = _flags(CLAUSE_END)
        self._words: HashTable | None = None
        self._trigrams: HashTable | None = None
        self.words()  # the word tables' inner pairs have rows too
        self._clip()

    def _clip(self) -> None:
        """Cut the per-code-point arrays where they turn constant (the CSR rows where they
        end): past U+2B6F7 no table knows a character, so the last entry stands for every
        code point above it (:meth:`at`) and the shipped layout is a sixth of its size."""
        per_char = ("uni", "start", "weight", "in_table", "clause_end", "openers", "closers")
        rows = ("bigram_row", "inner_row")
        top = 0x80
        for name in per_char:
            x = getattr(self, name)
            moved = np.flatnonzero(x[:-1] != x[-1])
            top = max(top, int(moved[-1]) + 1 if len(moved) else 0)
        for name in rows:
            moved = np.flatnonzero(np.diff(getattr(self, name)))
            top = max(top, int(moved[-1]) + 1 if len(moved) else 0)
        for name in per_char:
            setattr(self, name, np.ascontiguousarray(getattr(self, name)[: top + 1]))
        for name in rows:
            setattr(self, name, np.ascontiguousarray(getattr(self, name)[: top + 2]))
        self.top = top

    def at(self, cps: np.ndarray) -> np.ndarray:
        """Where code points are read in the per-character arrays: the last entry stands for
        every code point past :attr:`top`."""
        return np.minimum(cps, self.top)

    def trigrams(self) -> HashTable | None:
        """The running-text trigram table (build.trigram_table) keyed by :func:`triple_keys`:
        ``1 - lam`` under a context's key, ``lam * count(abc) / n`` under a triple's; None
        when the model has none for this language."""
        if self._trigrams is None and self.tables is not None:
            strings, logs = self.tables.trigram_items(self.lang)
            if not strings:
                return None
            codes = string_codes(strings, 3)
            third = np.where(codes[:, 2] >= 0, codes[:, 2], CONTEXT_KEY)
            keys = triple_keys(codes[:, 0], codes[:, 1], third)
            vals = np.exp(-np.asarray(logs, np.float64) / 100)
            self._trigrams = HashTable(keys, vals)
        return self._trigrams

    def words(self) -> HashTable:
        """Word hash -> best bonus: the word-match bonus as a lookup (and, in
        :attr:`inner_row` / :attr:`inner_col`, the pairs that occur inside words).

        A word's bonus does not depend on the document (its characters are not ASCII), so
        :meth:`CharModel.word_bonus`'s max(cohesion, frequency) is computed once per word.
        """
        if self._words is None and self.tables is not None:
            words = self.tables.words.get(self.lang, {})
            mix = _model.WORD_MIX.get(self.lang, 0.0)
            longest = max((len(w) for w in words), default=2)
            codes = string_codes(list(words), longest)
            logp = -np.fromiter(words.values(), np.float64, len(words)) / 100
            live = codes >= 0
            chars = np.where(live, np.log(self.uni[np.maximum(codes, 0)]), 0.0).sum(axis=1)
            bonus = np.maximum(logp - chars, mix * (logp - _model.WORD_FLOOR))
            self._words = HashTable(word_hashes(codes).view(np.int64) & _POSITIVE, bonus)
            left, right = codes[:, :-1].ravel(), codes[:, 1:].ravel()
            ok = (left >= 0) & (right >= 0)
            keys = np.unique(pair_keys(left[ok], right[ok]))
            self.inner_row = _rows(keys >> SHIFT)
            self.inner_col = (keys & ((1 << SHIFT) - 1)).astype(np.int32)
        assert self._words is not None
        return self._words


#: Hash keys must be non-negative int64 for :class:`HashTable`.
_POSITIVE = np.int64(0x7FFFFFFFFFFFFFFF)
