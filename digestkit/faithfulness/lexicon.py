"""The word lists behind the claim checks: opposites, direction concepts, negators.

Kept apart from the logic so a reader can extend them without reading the checks. The
English opposites are general-purpose pairs of the kind summaries flip ("improves" /
"degrades", "limited" / "abundant"); morphological opposites (``un-``, ``in-``, ``non-``,
``dis-``) need no entry, :func:`morphological_opposite` finds them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digestkit.faithfulness._text import stem

__all__ = [
    "CJK_PRIOR_WORK",
    "CJK_WITHOUT",
    "CONCEPTS",
    "CONCEPT_OPPOSITE",
    "EN_NEGATOR",
    "EN_WITHOUT",
    "JA_NEGATOR",
    "HAND_OPPOSITES",
    "OPPOSITES",
    "SAME_SIDE",
    "STOPWORDS",
    "ZH_NEGATOR",
    "morphological_opposite",
    "opposite_forms",
    "strong_opposite_forms",
]

# One pair per line: words on the left are opposites of words on the right.
_PAIRS = """
increase rise raise grow boost higher more greater larger | decrease reduce drop fall lower less fewer smaller shrink
improve enhance better help enable | degrade worsen worse deteriorate impair hurt harm hinder
outperform surpass exceed beat | underperform trail lag
high | low
large big | small little
fast faster quick accelerate speedup | slow slower decelerate
stable | unstable
robust | fragile brittle vulnerable
strong stronger | weak weaker
easy easier simple simpler | hard harder difficult complex complicated
success succeed successful | failure fail unsuccessful
maximize maximum | minimize minimum
positive | negative
same similar identical uniform homogeneous | different dissimilar diverse varied heterogeneous
correct | incorrect wrong
benign | adversarial malicious
noisy | clean
long longer | short shorter
deep | shallow
limited scarce few | abundant unlimited plentiful ample
good | bad poor
solve | worsen
cooperate cooperation collaborate collaboration collaborative | defect compete competition competitive
explicit | implicit
global | local
sparse | dense
online | offline
theoretical theoretically | empirical empirically
total entire whole | partial
natural | artificial synthetic
include | exclude
always | never sometimes rarely
"""


def _pairs() -> list[tuple[frozenset[str], frozenset[str]]]:
    out = []
    for line in _PAIRS.strip().splitlines():
        left, right = line.split("|")
        out.append((frozenset(map(stem, left.split())), frozenset(map(stem, right.split()))))
    return out


def _tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    opposite: dict[str, set[str]] = {}
    same: dict[str, set[str]] = {}
    for left, right in _pairs():
        for a, b in ((left, right), (right, left)):
            for w in a:
                opposite.setdefault(w, set()).update(b)
                same.setdefault(w, set()).update(a)
    return (
        {k: frozenset(v) for k, v in opposite.items()},
        {k: frozenset(v) for k, v in same.items()},
    )


HAND_OPPOSITES, SAME_SIDE = _tables()
"""Stem -> stems of its opposites (the hand list above); stem -> stems on the same side."""


def wordnet_opposites() -> dict[str, frozenset[str]]:
    """Stem -> stems of its WordNet direct antonyms (``wordnet_antonyms.tsv``, built
    by :mod:`.build_wordnet` from Debian's ``wordnet-base``; WordNet 3.0 licence)."""
    from pathlib import Path

    table: dict[str, set[str]] = {}
    path = Path(__file__).with_name("wordnet_antonyms.tsv")
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        a, _pos, b = line.split("\t")
        sa, sb = stem(a), stem(b)
        if sa != sb:
            table.setdefault(sa, set()).add(sb)
            table.setdefault(sb, set()).add(sa)
    return {k: frozenset(v) for k, v in table.items()}


def _union(*tables: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    keys = set().union(*tables)
    return {k: frozenset().union(*(t.get(k, frozenset()) for t in tables)) for k in keys}


OPPOSITES = _union(HAND_OPPOSITES, wordnet_opposites())
"""Stem -> stems of its opposites: the hand list and WordNet's direct antonyms together.
Measured on SummEdits (8 domains, pairs where an antonym fires): hand list precision 0.93,
WordNet 0.96, both 0.94 with the most swaps caught and the best mean AUROC (0.673 against
0.667 and 0.669); see eval/faithfulness_report.md."""

# Prefixes that turn a word into its opposite, and prefix pairs that oppose each other.
_NEGATING = ("non-", "non", "un", "in", "im", "il", "ir", "dis", "de", "sub", "mis", "anti")
_OPPOSED = (("pre", "post"), ("on", "off"), ("uni", "multi"), ("single", "multi"), ("over", "under"),
            ("intra", "inter"), ("en", "de"), ("up", "down"), ("in", "out"), ("max", "min"))  # fmt: skip
_OPPOSED_SUFFIXES = (("ful", "less"),)


# The affixes whose opposite is an identity (un-/in-/non-/dis-, pre-/post-, on-/off-):
# what they produce flags. The others (de-, sub-, mis-, anti-, en-/de-, over-/under-,
# -ful/-less, ...) also build words that are no opposite (declutter, subgroup): review.
_STRONG_PREFIXES = ("non-", "non", "un", "in", "im", "il", "ir", "dis")
_STRONG_OPPOSED = (("pre", "post"), ("on", "off"), ("intra", "inter"))


@lru_cache(maxsize=65536)
def strong_opposite_forms(word: str) -> frozenset[str]:
    """The affix opposites of ``word`` that are identity evidence.

    >>> "offline" in strong_opposite_forms("online"), "unlabeled" in strong_opposite_forms("labeled")
    (True, True)
    >>> "clutter" in strong_opposite_forms("declutter")
    False
    """
    word = word.lower()
    if len(word) < 4:
        return frozenset()
    out = set()
    for prefix in _STRONG_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            out.add(word[len(prefix) :])
        out.add(prefix + word)
    for a, b in _STRONG_OPPOSED:
        for x, y in ((a, b), (b, a)):
            if word.startswith(x) and len(word) - len(x) >= 4:
                rest = word[len(x) :]
                out.update({y + rest, y + "-" + rest.lstrip("-")})
    out.discard(word)
    return frozenset(out)


@lru_cache(maxsize=65536)
def opposite_forms(word: str) -> frozenset[str]:
    """Words that mean the opposite of ``word`` by a prefix or suffix.

    >>> sorted(w for w in opposite_forms("labeled") if w.startswith("un"))
    ['unlabeled']
    """
    word = word.lower()
    if len(word) < 4:
        return frozenset()
    out = set()
    for prefix in _NEGATING:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            out.add(word[len(prefix) :])
        out.add(prefix + word)
    for a, b in _OPPOSED:
        for x, y in ((a, b), (b, a)):
            if word.startswith(x) and len(word) - len(x) >= 4:
                rest = word[len(x) :]
                out.update({y + rest, y + "-" + rest.lstrip("-")})
    for a, b in _OPPOSED_SUFFIXES:
        for x, y in ((a, b), (b, a)):
            if word.endswith(x) and len(word) - len(x) >= 3:
                out.add(word[: -len(x)] + y)
    out.discard(word)
    return frozenset(out)


def morphological_opposite(word: str, vocabulary: frozenset[str]) -> str | None:
    """The word of ``vocabulary`` that ``word`` negates or is negated by, by affix.

    >>> morphological_opposite("known", frozenset({"unknown", "labels"}))
    'unknown'
    >>> morphological_opposite("non-linear", frozenset({"linear"}))
    'linear'
    >>> morphological_opposite("post-stimulus", frozenset({"pre-stimulus"}))
    'pre-stimulus'
    >>> morphological_opposite("index", frozenset({"dex"})) is None
    True
    """
    hits = sorted(opposite_forms(word) & vocabulary)
    return hits[0] if hits else None


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _stems(text: str) -> frozenset[str]:
    return frozenset(map(stem, text.split()))


# Direction concepts shared by the three languages: a quantity goes UP or DOWN, a method
# is BETTER or WORSE than a baseline. Japanese and Chinese words match as substrings.
CONCEPTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "up": (
        _stems("increase improve enhance boost raise higher gain accelerate speedup faster"),
        _words("向上 増加 改善 上昇 高速化 高め 提升 提高 增加 加速 增强 上升"),
    ),
    "down": (
        _stems(
            "decrease degrade worsen lower drop decline deteriorate slower impair harm hurt "
            "reduce reduction detrimental"
        ),
        _words(
            "低下 悪化 劣化 減少 下降 降低 减少 恶化 减慢 损害 損な 低速 減速 减速 变慢 遅く 喪失 失う 丧失"
        ),
    ),
    "stable": (
        _stems("stable stability robust robustness"),
        _words("安定 頑健 稳定 鲁棒"),
    ),
    "unstable": (
        _stems("unstable instability collapse fragile"),
        _words("不安定 崩壊 不稳定 崩溃"),
    ),
    "kept": (
        _stems("maintain preserve retain keep"),
        _words("維持 保持 保た 保つ 维持 保留"),
    ),
    "better": (
        _stems("outperform surpass exceed beat superior"),
        _words("上回 優れ 凌駕 优于 超越 超过 胜过 领先"),
    ),
    "worse": (
        _stems("underperform trail inferior"),
        _words("下回 劣る 劣っ 劣于 不如 落后"),
    ),
}
CONCEPT_OPPOSITE: dict[str, frozenset[str]] = {
    "up": frozenset({"down"}),
    "down": frozenset({"up", "kept"}),  # "quality drops" against "while preserving quality"
    "kept": frozenset({"down"}),
    "better": frozenset({"worse"}),
    "worse": frozenset({"better"}),
    "stable": frozenset({"unstable"}),
    "unstable": frozenset({"stable"}),
}

EN_NEGATOR = re.compile(
    r"\b(?:not|no|never|cannot|can't|don't|doesn't|didn't|isn't|aren't|won't|neither|nor|"
    r"without|lacks?|lacking|fails?|failed|unable|avoid\w*|prevent\w*|hinder\w*)\b"
    r"|\w-free\b|\b(?:sub-?optimal|insufficient|inadequate|ineffective)\b",
    re.I,
)
"""English negators, including verbs that negate their object ("fails to", "avoid")."""
JA_NEGATOR = re.compile(
    r"ではない|ではなく|しない|できない|できず|なかった|られない|ません|せず|ことなく|不要|わず(?!か)"
)
"""Japanese negators. ``わず`` is a verb's negative (問わず, 使わず) but not the start of
わずか ("only a little"), which is no negation at all."""
# "Without X" is translated as a negated verb (必要とせず, 无需); it matches any English
# "without"-type phrase in the source, wherever it is.
CJK_WITHOUT = re.compile(r"せず|ことなく|不要|なしで|無しで|无需|不需要|无须|不依赖")
EN_WITHOUT = re.compile(
    r"\bwithout\b|\w-free\b|\bno need\b|\bnot (?:require|need|rely)|\bno (?:additional|extra)\b"
    r"|\binstead of\b|\brather than\b",
    re.I,
)
# Summary sentences about prior work (先行研究では…, 现有方法…): their claims are the
# source's account of other papers, which abstracts state loosely; not checked for polarity.
# Only as the sentence's subject, before its first comma: "…outperforms existing methods"
# (既存の手法を上回る) is a claim about this paper.
CJK_PRIOR_WORK = re.compile(
    r"^[^、，,]{0,8}?(?:先行研究|従来|既存の|現行の|以往|现有|传统|先前|此前的)"
)
ZH_NEGATOR = re.compile(r"没有|未能|未|无法|不能|不会|并不|并非|不是|无需|不需要|不依赖|无须|不可")

STOPWORDS = frozenset(
    _words(
        """a an the this that these those we our it its in on of for to with by from and or but
    how what which when where why who can could does do did is are was were be been being as
    at via using use used based both each all most many some such also then thus than into
    onto over under about across through their they them there here has have had will would
    may might should shall very more less only just other another new one two show shows
    shown paper work approach method propose proposed present study studies results result
    while whose whether if so however"""
    )
)
