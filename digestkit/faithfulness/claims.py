"""Claims: does the summary keep the source's direction, polarity and content?

The cheapest way to make a summary wrong is one word: "improves" for "degrades", "can" for
"cannot", "outperforms" for "underperforms". Those edits keep every name and number, so
this module looks at what they change. Each summary sentence is aligned to the source
sentence it shares most with (words in English; names and numbers across languages), then:

* antonym: the summary uses a word whose opposite the source uses, and not the word itself;
* direction: a sentence says up (向上 / 提升 / improves) where the aligned source says down;
* negation: the summary negates what the aligned source asserts (or the reverse);
* unsupported: English content words the source never uses (untraceable content), weighted
  by how rare the word is, since a rare new word carries a new fact more often than a
  common one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from digestkit.faithfulness._text import fold, latin_tokens, sentences, stem, words

__all__ = ["Finding", "check_claims"]


def _wordlist(text: str) -> list[str]:
    """Word lists are written as one string: easier to read and extend than a list."""
    return text.split()


# Pairs of opposites; each side lists surface words (stemmed on load). English only: the
# cross-lingual direction check below uses the concept lexicon instead.
_ANTONYMS = [
    (
        "increase rise raise grow boost higher more greater larger",
        "decrease reduce drop fall lower less fewer smaller shrink",
    ),
    ("improve enhance better", "degrade worsen worse deteriorate impair hurt harm"),
    ("outperform surpass exceed beat", "underperform trail lag"),
    ("high", "low"),
    ("large big", "small little"),
    ("fast faster quick accelerate speedup", "slow slower decelerate"),
    ("stable stability", "unstable instability"),
    ("efficient efficiency", "inefficient inefficiency"),
    ("robust", "fragile brittle vulnerable"),
    ("strong stronger", "weak weaker"),
    ("easy easier simple simpler", "hard harder difficult complex"),
    ("supervised", "unsupervised"),
    ("success succeed successful", "failure fail unsuccessful"),
    ("maximize maximum", "minimize minimum"),
    ("positive", "negative"),
    ("same similar identical", "different dissimilar"),
    ("accurate accuracy", "inaccurate inaccuracy"),
    ("cooperate cooperation", "defect compete competition"),
    ("explicit", "implicit"),
    ("global", "local"),
    ("sparse", "dense"),
    ("linear", "nonlinear"),
    ("online", "offline"),
    ("early", "late"),
    ("include", "exclude"),
    ("total entire whole", "partial"),
    ("solve", "worsen"),
    ("natural", "artificial synthetic"),
    ("important crucial", "unimportant irrelevant"),
    ("useful", "useless"),
    ("possible", "impossible"),
    ("consistent", "inconsistent"),
    ("correct", "incorrect wrong"),
    ("relevant", "irrelevant"),
    ("benign", "adversarial malicious"),
    ("noisy", "clean"),
    ("open", "closed"),
    ("long longer", "short shorter"),
    ("deep", "shallow"),
    ("theoretical theoretically", "empirical empirically experimental experimentally"),
]


def _antonym_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for left, right in _ANTONYMS:
        a = {stem(w) for w in left.split()}
        b = {stem(w) for w in right.split()}
        for w in a:
            table.setdefault(w, set()).update(b)
        for w in b:
            table.setdefault(w, set()).update(a)
    return {k: frozenset(v) for k, v in table.items()}


_OPPOSITE = _antonym_table()


def _same_side_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for side in (w for pair in _ANTONYMS for w in pair):
        stems = {stem(w) for w in side.split()}
        for w in stems:
            table.setdefault(w, set()).update(stems)
    return {k: frozenset(v) for k, v in table.items()}


# A summary word whose synonym is in the aligned sentence is a paraphrase, not an antonym.
_SAME_SIDE = _same_side_table()

# Direction concepts shared by the three languages: UP and DOWN of a quantity, and BETTER
# and WORSE than a baseline. Chinese and Japanese are matched as substrings.
_CONCEPTS: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "up": (
        {
            stem(w)
            for w in _wordlist(
                "increase increases improve improves enhance boost raise higher gain gains accelerate speedup faster"
            )
        },
        (
            "向上",
            "増加",
            "改善",
            "上昇",
            "高速化",
            "高め",
            "提升",
            "提高",
            "增加",
            "改善",
            "加速",
            "增强",
            "上升",
        ),
    ),
    "down": (
        {
            stem(w)
            for w in _wordlist(
                "decrease degrade degrades worsen lower drop decline deteriorate slower impair harm hurt"
            )
        },
        ("低下", "悪化", "劣化", "減少", "下降", "降低", "减少", "恶化", "减慢", "损害", "損な"),
    ),
    "better": (
        {
            stem(w)
            for w in _wordlist("outperform outperforms surpass surpasses exceed beat superior")
        },
        ("上回", "優れ", "凌駕", "优于", "超越", "超过", "胜过", "领先"),
    ),
    "worse": (
        {stem(w) for w in _wordlist("underperform underperforms trail inferior")},
        ("下回", "劣る", "劣っ", "劣于", "不如", "落后"),
    ),
}
_CONCEPT_OPPOSITE = {"up": "down", "down": "up", "better": "worse", "worse": "better"}

_EN_NEG = re.compile(
    r"\b(?:not|no|never|cannot|can't|don't|doesn't|didn't|isn't|aren't|won't|neither|nor|"
    r"without|lack|lacks|lacking|fail|fails|failed|unable|avoid|prevent|eliminate|hinder)\b"
    r"|\w-free\b",
    re.I,
)
_JA_NEG = re.compile(
    r"ではない|しない|できない|なかった|られない|ません|せず|ことなく|不要|必要とせず|わず|ない[。、]"
)
_ZH_NEG = re.compile(r"没有|未能|未|无法|不能|不会|并不|并非|不是|无需|不需要|不依赖|无须|不可")

_STOP = frozenset(
    _wordlist(
        "a an the this that these those we our it its in on of for to with by from and or but how what which when where why who can could does do did is are was were be been being as at via using use used based both each all most many some such also then thus than into onto over under about across through their they them there here has have had will would may might should shall very more less such only just other another new one two show shows shown paper work approach method propose proposed present study studies results result"
    )
)


@dataclass(frozen=True)
class Finding:
    """One claim-level problem: ``type`` is antonym, direction, negation or unsupported."""

    type: str
    span: tuple[int, int]
    text: str
    detail: str
    weight: float


@dataclass(frozen=True)
class _Source:
    sentences: tuple[str, ...]
    stems: tuple[frozenset[str], ...]
    anchors: tuple[frozenset[str], ...]
    all_stems: frozenset[str]


def _content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if w not in _STOP and len(w) > 1)


def _anchors(text: str) -> frozenset[str]:
    """Language-neutral anchors: Latin tokens and numbers, folded."""
    folded = fold(text).text
    found = {m.group().casefold() for m in latin_tokens(folded) if len(m.group()) > 1}
    found.update(re.findall(r"\d+(?:\.\d+)?", folded))
    return frozenset(found)


@lru_cache(maxsize=256)
def _source(source: str) -> _Source:
    sents = tuple(source[a:b] for a, b in sentences(source)) or (source,)
    stems = tuple(_content_stems(s) for s in sents)
    return _Source(
        sents,
        stems,
        tuple(_anchors(s) for s in sents),
        frozenset().union(*stems),
    )


def _align(sentence: str, src: _Source, cjk: bool) -> str | None:
    """The source sentence sharing most content with ``sentence`` (None if nothing shared)."""
    if cjk:
        mine, pool = _anchors(sentence), src.anchors
    else:
        mine, pool = _content_stems(sentence), src.stems
    best, best_score = None, 0.0
    for i, theirs in enumerate(pool):
        score = len(mine & theirs) / (1 + 0.05 * len(theirs))
        if score > best_score:
            best, best_score = src.sentences[i], score
    return best


def _concepts(text: str, cjk: bool) -> set[str]:
    found = set()
    stems = {stem(w) for w in words(text)}
    for name, (en, cjk_words) in _CONCEPTS.items():
        if stems & en or (cjk and any(w in text for w in cjk_words)):
            found.add(name)
    return found


def _negated(text: str, lang: str) -> bool:
    if lang == "ja":
        return bool(_JA_NEG.search(text))
    if lang == "zh":
        return bool(_ZH_NEG.search(text))
    return bool(_EN_NEG.search(text))


def check_claims(summary: str, source: str, *, lang: str) -> list[Finding]:
    """Claim-level findings for ``summary`` (in ``lang``) against ``source`` (English).

    >>> src = "Our method improves accuracy. It does not need labels."
    >>> [f.type for f in check_claims("Our method degrades accuracy.", src, lang="en")]
    ['antonym']
    >>> [f.type for f in check_claims("この手法は精度を低下させる。", "Method X improves accuracy.", lang="ja")]
    ['direction']
    """
    src = _source(source)
    cjk = lang in ("ja", "zh")
    findings: list[Finding] = []
    for a, b in sentences(summary):
        sent = summary[a:b]
        aligned = _align(sent, src, cjk)
        if cjk:
            findings += _direction(sent, a, aligned, source)
        else:
            findings += _lexical(sent, a, aligned, src)
        findings += _negation(sent, a, aligned, lang)
    return findings


def _direction(sent: str, offset: int, aligned: str | None, source: str) -> list[Finding]:
    context = aligned if aligned is not None else source
    theirs = _concepts(context, cjk=False)
    out = []
    for concept in _concepts(sent, cjk=True):
        opposite = _CONCEPT_OPPOSITE[concept]
        if opposite in theirs and concept not in theirs:
            out.append(
                Finding(
                    "direction",
                    (offset, offset + len(sent)),
                    sent,
                    f"says {concept} where the source says {opposite}: {context[:120]!r}",
                    1.5,
                )
            )
    return out


def _lexical(sent: str, offset: int, aligned: str | None, src: _Source) -> list[Finding]:
    """Antonyms and unsupported content words of one English sentence."""
    out = []
    context = _content_stems(aligned) if aligned else frozenset()
    for m in re.finditer(r"[A-Za-z][A-Za-z'-]*", sent):
        word = m.group().lower()
        if word in _STOP or len(word) < 3:
            continue
        s = stem(word)
        if s in src.all_stems:
            continue
        span = (offset + m.start(), offset + m.end())
        opposites = _OPPOSITE.get(s, frozenset())
        clash = opposites & context
        if clash and not _SAME_SIDE.get(s, frozenset()) & context:
            detail = f"the aligned source sentence says {sorted(clash)[0]!r}"
            out.append(Finding("antonym", span, m.group(), detail, 1.5))
        else:
            out.append(Finding("unsupported", span, m.group(), "not in the source", _rarity(word)))
    return out


@lru_cache(maxsize=65536)
def _rarity(word: str) -> float:
    """Weight of an unsupported word: 0.02 for everyday words up to 0.12 for rare ones.

    Small on purpose: summaries paraphrase, so a new word is weak evidence; only several
    rare ones together should flag a summary, while they still rank it below a close one.
    """
    from wordfreq import zipf_frequency

    zipf = zipf_frequency(word, "en")
    return round(min(0.12, max(0.02, (7.0 - zipf) / 25.0)), 3)


def _negation(sent: str, offset: int, aligned: str | None, lang: str) -> list[Finding]:
    if aligned is None:
        return []
    mine, theirs = _negated(sent, lang), _negated(aligned, "en")
    if mine == theirs:
        return []
    detail = "negates what the source asserts" if mine else "drops the source's negation"
    return [
        Finding(
            "negation",
            (offset, offset + len(sent)),
            sent,
            f"{detail}: {aligned[:120]!r}",
            1.2 if mine else 0.3,
        )
    ]
