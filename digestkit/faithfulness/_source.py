"""The source, parsed once: sentences with their stems, anchors, negations and tokens.

Every claim check compares a summary sentence with source sentences; parsing the source
once per source (cached) keeps scoring many summaries of one paper cheap. ``Finding`` is
what a check reports; :mod:`digestkit.faithfulness` turns findings into issues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from digestkit.faithfulness._text import fold, latin_tokens, sentences, stem, words
from digestkit.faithfulness.lexicon import EN_NEGATOR, STOPWORDS

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
PAIR_WINDOW = 4  # two content words count as "together" within this many content words
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
    sentences: tuple[Sentence, ...]
    stems: frozenset[str]
    pairs: frozenset[tuple[str, str]]


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
        if m.group().endswith("-free"):
            before = content(text[: m.start() + 1])
            scopes.append(frozenset(before[-1:]))
        else:
            scopes.append(frozenset(content(text[m.end() :])[:SCOPE]))
    return tuple(scopes)


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


def word_pairs(stems: list[str]) -> set[tuple[str, str]]:
    return {
        (a, b) for i, a in enumerate(stems) for b in stems[i + 1 : i + 1 + PAIR_WINDOW] if a != b
    }


@lru_cache(maxsize=256)
def parse_source(source: str) -> Source:
    sents = tuple(parse_sentence(source[a:b]) for a, b in sentences(source)) or (
        parse_sentence(source),
    )
    pairs: set[tuple[str, str]] = set()
    for s in sents:
        seq = content(s.text)
        pairs |= word_pairs(seq) | {(b, a) for a, b in word_pairs(seq)}
    return Source(sents, frozenset().union(*(s.stems for s in sents)), frozenset(pairs))
