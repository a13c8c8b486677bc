"""The character language model that chooses lost bytes, loaded once from a shipped file.

``charlm.bin.gz`` is built by ``python -m tools.repair_model.build`` from wordfreq (see
that module for the format). :func:`load_model` parses it lazily, once per process, into
plain dicts of integer log-probabilities; :class:`CharModel` adapts them to one document with a
cache of what the document shows intact (Dirichlet smoothing: the document's own counts
outweigh the prior as soon as it has a few of them).

>>> m = load_model()
>>> m.unigram("zh", "的") > m.unigram("zh", "旳")
True
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
import threading
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from digestkit.repair.types import LossyWeights

__all__ = ["CharModel", "LanguageTables", "load_model"]

_PATH = Path(__file__).with_name("charlm.bin.gz")
_LOCK = threading.Lock()
_CACHE: dict[Path, LanguageTables] = {}

#: What ends a phrase: a phrase-opening word (不, 与, 在: see build.clause_openers) is
#: followed by one of these this much less often than the word model says, and a
#: sentence-final particle (吗, 呢) by anything else.
CLAUSE_END = frozenset("，。、：；！？）」』】》”,.;:!?)的了")

#: A dictionary word scores WORD_MIX[lang] * (log P(word) - WORD_FLOOR) when that beats
#: its cohesion: frequent characters make common words look uncohesive (前向, 剪枝). Only
#: for Chinese, whose list holds whole words (the Japanese list holds kana fragments).
#: These shape the model's word table (built once per language), not a pass.
WORD_FLOOR = -16.0
WORD_MIX = {"zh": 0.5}

_NON_ASCII = re.compile("[^\x00-\x7f]{2,}")

#: Log-probability of a character the model has never seen (rare Han, symbols).
FLOOR = math.log(1e-8)


@dataclass
class LanguageTables:
    """Per language: -log P in 0.01 nat for characters, backoffs, pairs, words and trigrams."""

    uni: dict[str, dict[str, int]] = field(default_factory=dict)
    backoff: dict[str, dict[str, int]] = field(default_factory=dict)
    bi: dict[str, dict[str, int]] = field(default_factory=dict)
    words: dict[str, dict[str, int]] = field(default_factory=dict)
    openers: dict[str, dict[str, int]] = field(default_factory=dict)
    closers: dict[str, dict[str, int]] = field(default_factory=dict)
    start: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Running-text trigrams (``abc``) and their contexts (``ab``), see build.trigram_table:
    #: kept as read (the newline-joined keys, the values) until asked for
    #: (:meth:`trigram_items`, :meth:`trigrams`): as a dict they would hold ~70 MB.
    tri: dict[str, tuple[bytes, array[int]]] = field(default_factory=dict)
    _tri_dicts: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    _prefixes: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _inner_pairs: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def prefixes(self, lang: str) -> frozenset[str]:
        """Every proper prefix (2+ characters) of ``lang``'s words, built once: a word
        search stops extending as soon as what it has is not the start of any word."""
        hit = self._prefixes.get(lang)
        if hit is None:
            words = self.words.get(lang, {})
            hit = frozenset(w[:k] for w in words for k in range(2, len(w)))
            self._prefixes[lang] = hit
        return hit

    def inner_pairs(self, lang: str) -> frozenset[str]:
        """Every pair of adjacent characters inside ``lang``'s words, built once: a
        character that forms none with either neighbour completes no word there."""
        hit = self._inner_pairs.get(lang)
        if hit is None:
            words = self.words.get(lang, {})
            hit = frozenset(w[k : k + 2] for w in words for k in range(len(w) - 1))
            self._inner_pairs[lang] = hit
        return hit

    def trigrams(self, lang: str) -> dict[str, int]:
        """``lang``'s trigram table as a dict (built on first use; empty when there is none).

        >>> load_model().trigrams("zh")["过程中"] < load_model().trigrams("zh")["过程与"]
        True
        """
        hit = self._tri_dicts.get(lang)
        if hit is None:
            hit = self._tri_dicts[lang] = dict(zip(*self.trigram_items(lang), strict=True))
        return hit

    def trigram_items(self, lang: str) -> tuple[list[str], array[int]]:
        """``lang``'s trigram keys and values (-log P in 0.01 nat), as two sequences."""
        blob, vals = self.tri.get(lang, (b"", array("H")))
        return (blob.decode("utf-8").split("\n") if vals else []), vals

    def unigram(self, lang: str, ch: str) -> float:
        """log P(ch) in ``lang`` (a floor for unknown characters)."""
        v = self.uni.get(lang, {}).get(ch)
        return FLOOR if v is None else -v / 100


def load_model(path: Path = _PATH) -> LanguageTables:
    """Parse the model file once per process (thread-safe)."""
    with _LOCK:
        if path not in _CACHE:
            _CACHE[path] = _parse(gzip.decompress(path.read_bytes()))
        return _CACHE[path]


def _parse(data: bytes) -> LanguageTables:
    """Decode the format written by :func:`tools.repair_model.build.encode_tables`."""
    end = data.index(b"\n")
    header = json.loads(data[:end])
    tables = LanguageTables()
    pos = end + 1
    for entry in header["tables"]:
        blob = data[pos : pos + entry["keys"]]
        pos += entry["keys"]
        vals = array("H")
        vals.frombytes(data[pos : pos + 2 * entry["n"]])
        if sys.byteorder != "little":
            vals.byteswap()
        pos += 2 * entry["n"]
        if entry["table"] == "tri":
            tables.tri[entry["lang"]] = (blob, vals)
            continue
        keys = blob.decode("utf-8").split("\n") if entry["n"] else []
        getattr(tables, entry["table"])[entry["lang"]] = dict(zip(keys, vals, strict=True))
    return tables


#: Priors for characters the word lists do not have: emoji and their joiners are common in
#: digests; rare Han, symbols and letters are not; math alphanumerics almost never.
_EMOJI_JOINERS = {"\ufe0f": 1e-4, "\u200d": 3e-5, "\u20e3": 1e-6}


def _outside_prior(ch: str) -> float:
    """P(ch) for a character outside the tables.

    >>> _outside_prior("🔍") > _outside_prior("𝟔")
    True
    """
    joiner = _EMOJI_JOINERS.get(ch)
    if joiner is not None:
        return joiner
    o = ord(ch)
    if 0x1F300 <= o <= 0x1FAFF:
        return 1e-7
    if 0x1D400 <= o <= 0x1D7FF:
        return 1e-10
    return 1e-8


def _best_totals(found: list[tuple[int, int, float]], lo: int, hi: int) -> dict[int, float]:
    """For each position ``end`` from ``lo`` to ``hi``: the best total value of
    non-overlapping words of ``found`` ((start, end, value)) inside ``lo`` to ``end``."""
    best = {lo: 0.0}
    for end in range(lo + 1, hi + 1):
        v = best[end - 1]
        for s, e, x in found:
            if e == end and best[s] + x > v:
                v = best[s] + x
        best[end] = v
    return best


def _segment_gain(found: list[tuple[int, int, float]], lo: int, hi: int, i: int) -> float:
    """Over positions ``lo`` to ``hi`` holding the words ``found`` ((start, end, value)):
    the best total of non-overlapping words with one covering ``i``, minus the best total
    without one (0 when no word covers ``i``).

    >>> _segment_gain([(0, 2, 1.0), (1, 3, 3.0)], 0, 3, 0)  # 丝线 against 线性
    0.0
    >>> _segment_gain([(0, 2, 4.0), (1, 3, 3.0)], 0, 3, 0)
    1.0
    """
    best = _best_totals(found, lo, hi)
    rest = {hi: 0.0}
    for start in range(hi - 1, lo - 1, -1):
        v = rest[start + 1]
        for s, e, x in found:
            if s == start and x + rest[e] > v:
                v = x + rest[e]
        rest[start] = v
    without = best[i] + rest[i + 1]
    with_i = without
    for s, e, x in found:
        if s <= i < e and best[s] + x + rest[e] > with_i:
            with_i = best[s] + x + rest[e]
    return with_i - without


class CharModel:
    """P(b | a) for one document: the language prior adapted to the document's text.

    ``observe_always_visible(text)`` sets the prior of ASCII characters (never damaged)
    from the document; ``observe(text)`` adds document counts of every character and pair;
    ``logp(a, b)`` blends them with the prior; ``word_bonus`` rewards a reading that
    completes a known word.

    >>> m = CharModel("zh")
    >>> m.logp("论", "文") > m.logp("论", "攵")
    True
    >>> m.word_bonus("论文总结", 1) > m.word_bonus("论攵总结", 1)
    True
    """

    def __init__(
        self, lang: str, tables: LanguageTables | None = None, weights: LossyWeights | None = None
    ):
        self.tables = tables or load_model()
        self.weights = weights or LossyWeights()
        self.lang = lang
        self.uni = self.tables.uni.get(lang, {})
        self.bo = self.tables.backoff.get(lang, {})
        self.bi = self.tables.bi.get(lang, {})
        self.words = self.tables.words.get(lang, {})
        self.symbols = self.tables.uni.get("sym", {})
        self.openers = self.tables.openers.get(lang, {})
        self.closers = self.tables.closers.get(lang, {})
        # Across a word boundary, back off to how words begin (zh: build._starts).
        self.start = self.tables.start.get(lang, {})
        self.visible: dict[str, float] = {}
        self.doc_uni: Counter[str] = Counter()
        self.doc_total = 0
        self._memo: dict[str, float] = {}
        self._prior_memo: dict[str, float] = {}
        #: Scratch space for callers' per-round caches (cleared whenever the model changes).
        self.scratch: dict[int, tuple[object, list[float], list[str], list[str]]] = {}
        self._bonus_memo: dict[tuple[str, int], float] = {}
        self._log_uni: dict[str, float] = {}
        self._p_uni_memo: dict[str, float] = {}
        self._p_start_memo: dict[str, float] = {}
        self._weight_memo: dict[str, float] = {}
        #: Adjacent non-ASCII pairs seen intact (never the engine's guesses).
        self.intact: Counter[str] = Counter()
        self.intact_left: Counter[str] = Counter()

    def observe_always_visible(self, text: str) -> None:
        """Set the prior of ASCII characters from ``text`` (the word lists have none).

        ASCII is never damaged by mojibake, so its counts in the document are reliable
        even before any lost byte is chosen: they say how often a space or a bracket
        follows anything.
        """
        counts = Counter(ch for ch in text if ch.isascii())
        total = max(len(text), 1)
        self.visible = {ch: n / total for ch, n in counts.items()}
        self._memo.clear()
        self._prior_memo.clear()
        self.scratch.clear()
        self._bonus_memo.clear()
        self._log_uni.clear()
        self._p_uni_memo.clear()
        self._p_start_memo.clear()

    def observe(self, text: str) -> None:
        """Count the characters and adjacent pairs of ``text`` as document evidence."""
        self.doc_uni.update(text)
        self.doc_total += len(text)
        self._memo.clear()
        self.scratch.clear()

    def observe_intact(self, text: str) -> None:
        """Count adjacent pairs of non-ASCII characters in ``text``, which must hold only
        characters that survived intact (never a chosen reading: a guess counted as
        evidence would vote for itself).

        >>> m = CharModel("ja")
        >>> m.observe_intact("要約: 論文の要約")
        >>> m.intact["要約"], m.intact["約:"]
        (2, 0)
        """
        for run in _NON_ASCII.findall(text):
            self.intact.update(map(str.__add__, run, run[1:]))
            self.intact_left.update(run[:-1])
        self._memo.clear()
        self.scratch.clear()

    def intact_bonus(self, before: str, reading: str, after: str) -> float:
        """log(1 + n) summed over the pairs a reading forms with its neighbours (and
        within itself) that the document shows intact ``n`` times: a word written intact
        elsewhere (要約) beats a rival the document never shows (規約).

        >>> m = CharModel("ja")
        >>> m.observe_intact("要約")
        >>> m.intact_bonus("", "要", "約") > m.intact_bonus("", "規", "約") == 0.0
        True
        """
        intact = self.intact
        if not intact:
            return 0.0
        text = before[-1:] + reading + after[:1]
        total = 0.0
        for k in range(len(text) - 1):
            n = intact.get(text[k : k + 2])
            if n:
                total += math.log1p(n)
        return total

    def trigram_bonus(self, left: str, reading: str, right: str) -> float:
        """How much better ``reading`` fits the two characters on each side than its
        bigrams say: log P3 / P2 summed over the trigrams (l2 l1 f), (l1 f r1) (a
        one-character reading only) and (f r1 r2), with P3 the running text's trigram
        interpolated with P2 = :meth:`logp` (see ``build.trigram_table``); a trigram whose
        context the running text does not know adds 0.

        >>> m = CharModel("zh")
        >>> m.trigram_bonus("过程", "中", "可以") > 0 > m.trigram_bonus("过程", "不", "可以")
        True
        """
        tri = self.tables.trigrams(self.lang)
        if not tri:
            return 0.0
        first, last = reading[:1], reading[-1:]
        triples = [(left[-2:-1], left[-1:], first, left[-1:])]
        if len(reading) == 1:
            triples.append((left[-1:], first, right[:1], last))
        triples.append((last, right[:1], right[1:2], right[:1]))
        total = 0.0
        for a, b, c, before in triples:
            if not (a and b and c):
                continue
            rest = tri.get(a + b)
            if rest is None:
                continue  # the running text does not know the context: P3 = P2
            p3 = tri.get(a + b + c)
            lam_p = 0.0 if p3 is None else math.exp(-p3 / 100)
            total += math.log(lam_p / math.exp(self.logp(before, c)) + math.exp(-rest / 100))
        return total

    def p_uni(self, ch: str) -> float:
        """P(ch) under the prior (ASCII from the document, emoji from the symbol table)."""
        hit = self._p_uni_memo.get(ch)
        if hit is None:
            hit = self._p_uni_memo[ch] = self._p_uni(ch)
        return hit

    def _p_uni(self, ch: str) -> float:
        v = self.uni.get(ch)
        sym = self.symbols.get(ch)
        if sym is not None and (v is None or sym < v):
            v = sym
        if v is not None:
            return math.exp(-v / 100)
        hit = self.visible.get(ch)
        return hit if hit is not None else _outside_prior(ch)

    def p_start(self, ch: str) -> float:
        """P(the next word begins with ch): what follows a word's end (backoff target)."""
        v = self.start.get(ch)
        return self.p_uni(ch) if v is None else math.exp(-v / 100)

    def prior(self, a: str, b: str) -> float:
        """P(b | a) from the language prior alone (stored pair, else backoff to unigram)."""
        key = a + b
        hit = self._prior_memo.get(key)
        if hit is not None:
            return hit
        value = self._prior(a, b)
        self._prior_memo[key] = value
        return value

    def _prior(self, a: str, b: str) -> float:
        # Stored pair, else backoff to the unigram; a phrase opener before a clause end
        # (or a sentence-final particle before anything else) is rarer than that.
        weight = self._weight_memo.get(a)
        if weight is None:
            bo = self.bo.get(a)
            weight = self._weight_memo[a] = 1.0 if bo is None else math.exp(-bo / 100)
        v = self.bi.get(a + b)
        pair = 0.0 if v is None else math.exp(-v / 100)
        if a.isascii() or not a.isalpha():  # a sure word boundary: a word begins
            uni = self._p_start_memo.get(b)
            if uni is None:
                uni = self._p_start_memo[b] = self.p_start(b)
        else:
            uni = self._p_uni_memo.get(b)
            if uni is None:
                uni = self.p_uni(b)
        p = pair + weight * uni
        if b in CLAUSE_END:
            if a in self.openers:
                return self.weights.opener_before_end * p
        elif a in self.closers and not b.isspace():
            return self.weights.opener_before_end * p
        return p

    def logp(self, a: str, b: str) -> float:
        """log P(b | a): the prior, mixed with the document's pair and character counts.

        The document's counts cannot stand alone: characters whose bytes the code page
        lost are never seen intact, so the prior keeps most of the weight.
        """
        key = a + b
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        p = self._prior_memo.get(key)
        if p is None:
            p = self._prior_memo[key] = self._prior(a, b)
        cache = self.weights.cache_weight
        if cache:
            left = self.intact_left.get(a)
            if left:
                p = (1 - cache) * p + cache * self.intact.get(key, 0) / left
        if self.doc_total:
            w_uni = self.weights.doc_weight
            p = (1 - w_uni) * p + w_uni * self.doc_uni.get(b, 0) / self.doc_total
        value = math.log(p)
        self._memo[key] = value
        return value

    def word_bonus(self, text: str, i: int, longest: int = 7) -> float:
        """What ``text[i]`` gains by joining a known word, when the words around it compete
        for the same characters (``lossy._word_bonus``, what the lossy pass uses).

        A word's value is its cohesion (log P(word) - sum log P(char)) or its plain
        frequency above :data:`WORD_FLOOR` (a rare technical word such as 前向 is still a
        word), floored at 0, in nats. Over the ``longest - 1`` characters on each side of
        ``i``: the best total of non-overlapping words with a word covering ``i``, minus the
        best total without one (稀疏[与]线性: 丝线 is a word, but its 线 belongs to 线性).
        """
        key = (text, i)
        if longest == 7:
            hit = self._bonus_memo.get(key)
            if hit is not None:
                return hit
        # A word covering i holds text[i-1:i+1] or text[i:i+2] as one of its pairs.
        pairs = self.tables.inner_pairs(self.lang)
        gain = 0.0
        if (i > 0 and text[i - 1 : i + 1] in pairs) or text[i : i + 2] in pairs:
            lo, hi = max(0, i - longest + 1), min(len(text), i + longest)
            found = [
                (s, e, v)
                for s in range(lo, hi)
                for e in range(s + 2, min(hi, s + longest) + 1)
                if (v := self._word_value(text[s:e])) > 0
            ]
            gain = _segment_gain(found, lo, hi, i)
        if longest == 7:
            self._bonus_memo[key] = gain
        return gain

    def segmentation_value(self, text: str, longest: int = 7) -> float:
        """The best total of :meth:`word_bonus`'s word values over non-overlapping words
        of ``text`` (0 when it holds no known word)."""
        n = len(text)
        found = [
            (s, e, v)
            for s in range(n)
            for e in range(s + 2, min(n, s + longest) + 1)
            if (v := self._word_value(text[s:e])) > 0
        ]
        return _best_totals(found, 0, n)[n]

    def _word_value(self, piece: str) -> float:
        """A word's value for :meth:`word_bonus` (0 when ``piece`` is not a word)."""
        v = self.words.get(piece)
        if v is None:
            return 0.0
        logp = -v / 100
        log_uni = self._log_uni
        chars = 0.0
        for c in piece:
            lu = log_uni.get(c)
            if lu is None:
                lu = log_uni[c] = math.log(self.p_uni(c))
            chars += lu
        return max(0.0, logp - chars, WORD_MIX.get(self.lang, 0.0) * (logp - WORD_FLOOR))
