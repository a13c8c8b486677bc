"""The character language model that chooses lost bytes, loaded once from a shipped file.

``charlm.tsv.gz`` is built by ``python -m digestkit.repair.model.build`` from wordfreq (see
that module for the format). :func:`load_model` parses it lazily, once per process, into
plain dicts of log-probabilities; :class:`CharModel` adapts them to one document with a
cache of what the document shows intact (Dirichlet smoothing: the document's own counts
outweigh the prior as soon as it has a few of them).

>>> m = load_model()
>>> m.unigram("zh", "的") > m.unigram("zh", "旳")
True
"""

from __future__ import annotations

import gzip
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CharModel", "LanguageTables", "load_model"]

_PATH = Path(__file__).with_name("charlm.tsv.gz")
_LOCK = threading.Lock()
_CACHE: dict[Path, LanguageTables] = {}

#: Log-probability of a character the model has never seen (rare Han, symbols).
FLOOR = math.log(1e-8)


@dataclass
class LanguageTables:
    """Unigram log P(c), backoff log-weights and bigram log P(b|a), per language."""

    uni: dict[str, dict[str, float]] = field(default_factory=dict)
    backoff: dict[str, dict[str, float]] = field(default_factory=dict)
    bi: dict[str, dict[str, float]] = field(default_factory=dict)

    def unigram(self, lang: str, ch: str) -> float:
        """log P(ch) in ``lang`` (a floor for unknown characters)."""
        return self.uni.get(lang, {}).get(ch, FLOOR)


def load_model(path: Path = _PATH) -> LanguageTables:
    """Parse the model file once per process (thread-safe)."""
    with _LOCK:
        if path not in _CACHE:
            _CACHE[path] = _parse(gzip.decompress(path.read_bytes()).decode("utf-8"))
        return _CACHE[path]


def _parse(data: str) -> LanguageTables:
    tables = LanguageTables()
    uni: dict[str, float] = {}
    bo: dict[str, float] = {}
    bi: dict[str, float] = {}
    for line in data.splitlines():
        kind, key, *vals = line.split("\t")
        if kind == "#":
            uni, bo, bi = {}, {}, {}
            tables.uni[key], tables.backoff[key], tables.bi[key] = uni, bo, bi
        elif kind == "u":
            uni[key] = -int(vals[0]) / 100
            bo[key] = -int(vals[1]) / 100
        else:
            bi[key] = -int(vals[0]) / 100
    return tables


class CharModel:
    """P(b | a) for one document: the language prior adapted to the document's intact text.

    ``observe(text)`` feeds characters known to be right (the parts that needed no guess);
    ``logp(a, b)`` then blends the document counts with the prior.

    >>> m = CharModel("zh")
    >>> m.logp("论", "文") > m.logp("论", "攵")
    True
    """

    def __init__(self, lang: str, tables: LanguageTables | None = None):
        self.tables = tables or load_model()
        self.lang = lang
        self.uni = self.tables.uni.get(lang, {})
        self.bo = self.tables.backoff.get(lang, {})
        self.bi = self.tables.bi.get(lang, {})
        self.doc_uni: Counter[str] = Counter()
        self.doc_bi: Counter[str] = Counter()
        self.doc_total = 0
        self._memo: dict[str, float] = {}

    def observe(self, text: str) -> None:
        """Count the characters and adjacent pairs of ``text`` as seen intact."""
        self.doc_uni.update(text)
        self.doc_bi.update(text[i : i + 2] for i in range(len(text) - 1))
        self.doc_total += len(text)
        self._memo.clear()

    def prior(self, a: str, b: str) -> float:
        """P(b | a) from the language prior alone (stored pair, else backoff to unigram)."""
        uni_b = math.exp(self.uni.get(b, FLOOR))
        if a + b in self.bi:
            return math.exp(self.bi[a + b]) + math.exp(self.bo.get(a, 0.0)) * uni_b
        return math.exp(self.bo.get(a, 0.0)) * uni_b

    def logp(self, a: str, b: str) -> float:
        """log P(b | a): the prior, mixed with the document's pair and character counts.

        The document's counts cannot stand alone: characters whose bytes the code page
        lost are never seen intact, so the prior keeps most of the weight.
        """
        key = a + b
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        p = self.prior(a, b)
        if self.doc_total:
            count_a = self.doc_uni.get(a, 0)
            doc_uni = self.doc_uni.get(b, 0) / self.doc_total
            if count_a:
                doc_bi = self.doc_bi.get(key, 0) / count_a
                p = 0.5 * p + 0.3 * doc_bi + 0.2 * doc_uni
            else:
                p = 0.8 * p + 0.2 * doc_uni
        value = math.log(p)
        self._memo[key] = value
        return value
