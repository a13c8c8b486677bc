"""The source, parsed once: sentences with their stems, anchors, negations and tokens.

Every claim check compares a summary sentence with source sentences; parsing the source
once per source (cached) keeps scoring many summaries of one paper cheap. ``Finding`` is
what a check reports; :mod:`digestkit.faithfulness` turns findings into issues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from digestkit.faithfulness._text import fold, latin_tokens, sentences, stem, words
from digestkit.faithfulness.lexicon import (
    EN_NEGATOR,
    EN_WITHOUT,
    OPPOSITES,
    STOPWORDS,
    opposite_forms,
)

__all__ = [
    "CONTRAST",
    "Finding",
    "Sentence",
    "Source",
    "anchors_of",
    "content",
    "content_tokens",
    "negation_scopes",
    "parse_sentence",
    "parse_source",
]

SCOPE = 4  # content words after a negator that it governs
LOOKUP_BUDGET = 8192
"""Sentence ids one claim check may look up in the source's index (:meth:`Source.postings`).
The largest fixture paper (3,362 sentences) has one stem in 2,100 of them, and a summary
sentence has a few such stems; a smaller budget changed the full-text alignments."""
# A sentence about prior work: it opens with a contrast or names earlier methods as subject
# ("However, ...", "Previous methods ...", "these previous models ..."). "outperforms prior
# work" is about this paper and does not count.
CONTRAST = re.compile(
    r"^\W*(?:however|although|previous|prior|existing|conventional|traditional|most prior"
    r"|most previous|most existing|many previous|many existing)\b"
    r"|\bthese (?:previous |prior |existing )?(?:methods|models|approaches|works)\b",
    re.I,
)


@dataclass(frozen=True)
class Finding:
    """One claim-level problem: ``type`` is antonym, direction, negation or unsupported.

    ``strong`` marks identity evidence (an affix opposite of a word the aligned source
    sentence uses: known/unknown, pre-/post-); everything else is weaker, for review."""

    type: str
    span: tuple[int, int]
    text: str
    detail: str
    weight: float
    strong: bool = False


@dataclass(frozen=True)
class Sentence:
    text: str
    stems: frozenset[str]
    words: frozenset[str]
    anchors: frozenset[str]
    negated: tuple[frozenset[str], ...]  # scopes of its negators
    tokens: tuple[tuple[str, str], ...]  # (word, stem) of its content words, in order
    contrast: bool  # about prior work ("previous models degrade..."): not the paper's claim


@dataclass(frozen=True)
class Source:
    """The parsed source, indexed once so that a claim check looks up the few sentences
    that share a word with it instead of scanning them all (full papers have thousands).

    ``starts[i]`` is where sentence ``i`` begins in the source text; ``by_stem`` and
    ``by_anchor`` map a content stem or an anchor to the sentences using it, ``by_word`` a
    word; ``prefixes`` maps the first six letters of a stem to the stems starting so."""

    sentences: tuple[Sentence, ...]
    stems: frozenset[str]
    starts: tuple[int, ...] = ()
    by_stem: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    by_word: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    by_anchor: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    has_without: bool = False
    negated: frozenset[str] = frozenset()  # every stem some source negation governs
    # Words that have an opposite somewhere in the source (by stem list or by affix): a
    # summary word in neither set cannot be an antonym of anything here, and is skipped.
    opposable_stems: frozenset[str] = frozenset()
    opposable_words: frozenset[str] = frozenset()
    # Per-source values the claim checks compute on first use (their whole-source
    # summaries, kept by claims_cjk): a check per summary sentence must not rescan the source.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {id(s): i for i, s in enumerate(self.sentences)}

    def position(self, sentence: Sentence) -> int:
        """Where ``sentence`` (one of :attr:`sentences`) is, by identity, in O(1)."""
        return self._positions[id(sentence)]

    def postings(
        self, *queries: tuple[dict[str, tuple[int, ...]], Iterable[str]]
    ) -> list[tuple[int, tuple[int, ...]]]:
        """The sentences using each key of each ``(index, keys)`` query, as ``(query number,
        sentence ids)``, rarest key first, within :data:`LOOKUP_BUDGET` sentence ids in all.
        A key that would overrun the budget is left out: a word so common in the source
        says little about which sentence is meant, and skipping it keeps every claim check
        bounded, so scoring stays linear in the summary and the source."""
        found = sorted(
            (len(ids), n, key, ids)
            for n, (index, keys) in enumerate(queries)
            for key in set(keys)
            if (ids := index.get(key))
        )
        out, left = [], LOOKUP_BUDGET
        for size, n, _, ids in found:
            if size > left:
                break  # the rest are commoner still
            left -= size
            out.append((n, ids))
        return out

    def sentences_using(
        self, *queries: tuple[dict[str, tuple[int, ...]], Iterable[str]]
    ) -> list[Sentence]:
        ids = sorted({i for _, ids in self.postings(*queries) for i in ids})
        return [self.sentences[i] for i in ids]

    def with_anchors(self, anchors: Iterable[str]) -> list[Sentence]:
        return self.sentences_using((self.by_anchor, anchors))


def content(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2]


def _singular(token: str) -> str:
    return (
        token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token
    )


def anchors_of(text: str) -> frozenset[str]:
    """Language-neutral anchors: Latin tokens (case and plural folded) and numbers.

    >>> sorted(anchors_of("LRMはLRMsと同じ、64倍"))
    ['64', 'lrm']
    """
    folded = fold(text).text
    found = {_singular(m.group().casefold()) for m in latin_tokens(folded) if len(m.group()) > 1}
    found.update(re.findall(r"\d+(?:\.\d+)?", folded))
    return frozenset(found)


def negation_scopes(text: str) -> tuple[frozenset[str], ...]:
    """For each English negator, the content stems it governs (the next few)."""
    scopes = []
    for m in EN_NEGATOR.finditer(text):
        if m.group().endswith("-free"):  # the word it is attached to ("training-free")
            before = content(text[_window_start(text, m.start() + 1) : m.start() + 1])
            scopes.append(frozenset(before[-1:]))
        else:  # SCOPE content words rarely take more than 120 characters
            scopes.append(frozenset(content(text[m.end() : m.end() + WINDOW])[:SCOPE]))
    return tuple(scopes)


WINDOW = 160
"""Characters a negator looks through for the words it governs, either way. Bounded, so
that a sentence of any length costs time linear in it (the "-free" look-back read the
whole sentence before it: quadratic on one long sentence)."""


def _window_start(text: str, end: int) -> int:
    """Where a look-back of :data:`WINDOW` characters ending at ``end`` starts: moved back
    to the start of a word it would cut (at most another ``WINDOW`` characters), so the
    words found in the window are words of the whole text."""
    start = max(0, end - WINDOW)
    floor = max(0, start - WINDOW)
    while start > floor and (text[start - 1].isalpha() or text[start - 1] in "'-"):
        start -= 1
    return start


def parse_sentence(text: str) -> Sentence:
    return Sentence(
        text,
        frozenset(content(text)),
        frozenset(words(text)),
        anchors_of(text),
        negation_scopes(text),
        tuple(content_tokens(text)),
        bool(CONTRAST.search(text)),
    )


def content_tokens(text: str) -> list[tuple[str, str]]:
    return [(w, stem(w)) for w in words(text) if w not in STOPWORDS and len(w) > 2]


@lru_cache(maxsize=256)
def parse_source(source: str) -> Source:
    """``source`` split into sentences and indexed (:meth:`Source.postings` looks it up)."""
    spans = sentences(source) or [(0, len(source))]
    sents = tuple(parse_sentence(source[a:b]) for a, b in spans)
    by_stem: dict[str, list[int]] = {}
    by_word: dict[str, list[int]] = {}
    by_anchor: dict[str, list[int]] = {}
    # A sentence repeated word for word is indexed once, at its first place: every check
    # takes the first of equal candidates (or asks whether any of them says something),
    # so the copies change no answer, and a source that repeats itself costs no more.
    seen: set[str] = set()
    for i, sent in enumerate(sents):
        if sent.text in seen:
            continue
        seen.add(sent.text)
        for st in sent.stems:
            by_stem.setdefault(st, []).append(i)
        for w in sent.words:
            by_word.setdefault(w, []).append(i)
        for a in sent.anchors:
            by_anchor.setdefault(a, []).append(i)
    stems = frozenset(by_stem)
    prefixes: dict[str, list[str]] = {}
    for st in stems:
        if len(st) >= 6:
            prefixes.setdefault(st[:6], []).append(st)
    return Source(
        sents,
        stems,
        tuple(a for a, _ in spans),
        {k: tuple(v) for k, v in by_stem.items()},
        {k: tuple(v) for k, v in by_word.items()},
        {k: tuple(v) for k, v in by_anchor.items()},
        {k: tuple(v) for k, v in prefixes.items()},
        bool(EN_WITHOUT.search(source)),
        frozenset(st for sent in sents for scope in sent.negated for st in scope),
        frozenset(o for st in stems for o in OPPOSITES.get(st, ())),
        frozenset(f for w in by_word for f in opposite_forms(w)),
    )
