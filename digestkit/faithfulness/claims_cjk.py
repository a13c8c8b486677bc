"""Claim checks for Japanese and Chinese summaries of English sources.

A ja/zh sentence shares no words with its source, only names, numbers and (through the
small :mod:`.glossary`) research terms; that is what aligns it. Without a parser the checks
are sentence-level: a direction (up/down, better/worse, stable/unstable, kept/down) the
aligned source sentences contradict, a negation they do not have, and a sentence nothing
ties to the source at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

from digestkit.faithfulness._source import Finding, Sentence, Source, anchors_of
from digestkit.faithfulness._text import stem, words
from digestkit.faithfulness.glossary import cjk_terms
from digestkit.faithfulness.lexicon import (
    CJK_PRIOR_WORK,
    CJK_WITHOUT,
    CONCEPT_OPPOSITE,
    CONCEPTS,
    JA_NEGATOR,
    ZH_NEGATOR,
)

__all__ = ["aligned_cjk", "check_cjk_sentence"]

CJK_UNTRACEABLE_WEIGHT = 0.5
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def check_cjk_sentence(text: str, offset: int, src: Source, lang: str) -> list[Finding]:
    """Findings for one Japanese (``ja``) or Chinese (``zh``) summary sentence.

    >>> from digestkit.faithfulness._source import parse_source
    >>> src = parse_source("Method X improves accuracy.")
    >>> [f.type for f in check_cjk_sentence("この手法は精度を低下させる。", 0, src, "ja")]
    ['direction']
    """
    found = []
    if not CJK_PRIOR_WORK.search(text):
        found += _direction(text, offset, src) + _negation(text, offset, src, lang)
    return found + _untraceable(text, offset)


def _aligned(text: str, src: Source) -> list[Sentence]:
    """The source sentences a Japanese/Chinese sentence restates: most shared names and
    numbers (2 points each) and glossary terms (1 point each); at least 2 points, ties kept.

    Scored through the source's index: the work is the length of the postings of the
    sentence's own anchors and terms (within the source's lookup budget), never a pass
    over the whole source."""
    found = src.postings((src.by_anchor, anchors_of(text)), (src.by_stem, cjk_terms(text)))
    score = Counter(chain.from_iterable(ids for n, ids in found if n == 0))
    score += score  # an anchor counts twice
    score.update(chain.from_iterable(ids for n, ids in found if n == 1))
    best = max(score.values(), default=0)
    if best < 2:
        return []
    return [src.sentences[i] for i in sorted(i for i, v in score.items() if v == best)]


def aligned_cjk(text: str, src: Source) -> list[Sentence]:
    """The source sentences a Japanese/Chinese sentence restates (see :func:`_aligned`)."""
    return _aligned(text, src)


def _direction(text: str, offset: int, src: Source) -> list[Finding]:
    """Up/down, better/worse, stable/unstable against the source sentences ``text``
    restates (the whole source when none is found). A sentence that says both a direction
    and its opposite contrasts two things and is left alone."""
    mine = _concepts(text, cjk=True)
    if not mine:
        return []
    related = _aligned(text, src)
    theirs, covered = _said(related) if related else _said_in_source(src)
    out = []
    for concept in sorted(mine):
        if concept not in covered:
            continue  # one of the sentences it may restate does not say the opposite
        clash = sorted(CONCEPT_OPPOSITE[concept] & theirs)
        mixed = _PRIMARY_OPPOSITE[concept] in mine  # "faster but less accurate": a contrast
        if clash and concept not in theirs and not mixed:
            detail = f"says {concept} where the source says {clash[0]}"
            out.append(Finding("direction", (offset, offset + len(text)), text, detail, 1.5))
    return out


def _said(sentences: Sequence[Sentence]) -> tuple[frozenset[str], frozenset[str]]:
    """The concepts ``sentences`` say, and the concepts whose opposite every one of them
    says (a direction check needs both)."""
    each = [_concepts(s.text, cjk=False) for s in sentences]
    theirs = frozenset().union(*each)
    covered = frozenset(c for c, opp in CONCEPT_OPPOSITE.items() if all(opp & e for e in each))
    return theirs, covered


def _said_in_source(src: Source) -> tuple[frozenset[str], frozenset[str]]:
    """:func:`_said` over the whole source, computed once per source: the fallback for
    every sentence that aligns with nothing (rescanning the source for each of them made
    this step quadratic)."""
    said = src.memo.get("cjk_said")
    if said is None:
        said = src.memo["cjk_said"] = _said(src.sentences)
    return said  # type: ignore[return-value]


_PRIMARY_OPPOSITE = {"up": "down", "down": "up", "kept": "down", "better": "worse",
                     "worse": "better", "stable": "unstable", "unstable": "stable"}  # fmt: skip


@lru_cache(maxsize=65536)
def _concepts(text: str, cjk: bool) -> frozenset[str]:
    stems = {stem(w) for w in words(text)}
    found = {name for name, (en, _) in CONCEPTS.items() if stems & en}
    if cjk:
        # 不安定 contains 安定: blank out longer words before looking for the shorter ones.
        for name, word in sorted(_CJK_WORDS, key=lambda t: -len(t[1])):
            if word in text:
                found.add(name)
                text = text.replace(word, "\0")
    return frozenset(found)


_CJK_WORDS = [(name, w) for name, (_, cjk_words) in CONCEPTS.items() for w in cjk_words]


def _negation(text: str, offset: int, src: Source, lang: str) -> list[Finding]:
    """A negated Japanese/Chinese sentence needs a negated source sentence among those it
    restates or shares a name or number with. Only insertion is checked: a translation
    often turns an English negation into a positive word ("training-free" -> 免训练), so a
    missing negation is no evidence."""
    pattern = JA_NEGATOR if lang == "ja" else ZH_NEGATOR
    m = pattern.search(text)
    if not m:
        return []
    without = bool(CJK_WITHOUT.fullmatch(m.group()))
    if without and src.has_without:
        return []
    mine = anchors_of(text)
    related = _aligned(text, src) or src.with_anchors(mine)
    if not related or any(s.negated or _NEGATIVE_AFFIX.search(s.text) for s in related):
        return []  # "uncorrelated" is a negation a translation renders as 相関しない
    span = (offset + m.start(), offset + m.end())
    detail = f"negates what the source says: {related[0].text[:100]!r}"
    # "Without X" (无需 X) often renders "instead of" or "directly": weaker evidence.
    return [Finding("negation", span, m.group(), detail, 0.6 if without else 1.2)]


_NEGATIVE_AFFIX = re.compile(
    r"\b(?:un(?!der|til|it|iq|iv|if|ion|less)|non-?)[a-z]{4,}", re.I
)  # uncorrelated, unstable, non-trivial; not under, until, unit, unique, universal, unless


def _untraceable(text: str, offset: int) -> list[Finding]:
    """A Japanese/Chinese sentence with no name, number or glossary term to anchor it.
    Weak (it does not flag a summary alone): the glossary is small, so a faithful sentence
    can miss it too."""
    if anchors_of(text) or cjk_terms(text) or len(_CJK_CHAR.findall(text)) < 12:
        return []
    detail = "no name, number or known term ties it to the source"
    return [
        Finding("unsupported", (offset, offset + len(text)), text, detail, CJK_UNTRACEABLE_WEIGHT)
    ]
