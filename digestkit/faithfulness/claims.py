"""Claims: does the summary keep the source's direction, polarity and content?

The cheapest way to make a summary wrong is one word: "improves" for "degrades", "can" for
"cannot", "labeled" for "unlabeled". Such edits keep every name and number, so this module
looks at what they change. An English summary sentence is aligned to the source sentence
it shares most content words with, then:

* ``antonym``: the summary uses a word whose opposite the aligned source sentence uses (a
  lexicon pair, or an affix opposite such as ``known``/``unknown``), or that stands among
  the same neighbours in another source sentence, and no synonym of it;
* ``negation``: the summary negates a predicate the source asserts, or asserts one the
  source negates;
* ``unsupported``: content words the source never uses, pairs of content words it never
  puts together, each weighted lightly since summaries paraphrase; and sentences made
  mostly of such words (untraceable content), weighted more.

Japanese and Chinese sentences go to :mod:`.claims_cjk`.
"""

from __future__ import annotations

import re

from digestkit.faithfulness._source import (
    CONTRAST,
    Finding,
    Sentence,
    Source,
    content,
    negation_scopes,
    parse_source,
)
from digestkit.faithfulness._text import sentences, stem
from digestkit.faithfulness.claims_cjk import check_cjk_sentence
from digestkit.faithfulness.lexicon import (
    EN_NEGATOR,
    OPPOSITES,
    SAME_SIDE,
    STOPWORDS,
    opposite_forms,
)

__all__ = ["Finding", "check_claims", "is_absence_remark"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
PAIR_WEIGHT = 0.08
UNSUPPORTED_WEIGHT = 0.07
UNTRACEABLE_WEIGHT = 0.6  # a sentence mostly made of words the source never uses
UNTRACEABLE_MIN_WORDS = 3
_OWN = re.compile(r"\b(?:our|we|proposed|this (?:paper|work|method|approach))\b", re.I)
_NEAR = 4  # neighbours on each side that place a word in context
# A sentence that only says the source is silent makes no claim to trace. LLMs (and the
# offline backend) write one for a template section the paper does not cover; flagging it
# as untraceable content punished honesty. Anchored: the whole sentence must be the remark.
_ABSENCE = re.compile(
    r"(?:(?:this|it)\s+is\s+)?not\s+(?:stated|mentioned|reported|specified|described|discussed)"
    r"(?:\s+(?:in|by)\s+the\s+(?:source(?:\s+text)?|paper|abstract|text))?"
    r"|(?:the\s+)?(?:source|paper|abstract)\s+does\s+not\s+(?:say|state|mention|report|specify)"
    r"(?:\s+(?:this|it))?"
    r"|(?:論文|原文|本文|要旨|アブストラクト)?(?:中|内)?(?:に|で)?(?:は)?"
    r"(?:記載|言及|説明)(?:が|は)?(?:なし|ない|ありません|されていない|されていません)"
    r"|(?:论文|原文|文中|摘要)?(?:中)?(?:未|没有)(?:提及|说明|明确说明|提到|给出)",
    re.I,
)
_EDGE = " \t\n.。!！?？:：()（）*_-"


def is_absence_remark(sentence: str) -> bool:
    """Does ``sentence`` only say that the source does not cover something?

    >>> is_absence_remark("Not stated in the source text.")
    True
    >>> is_absence_remark("論文中に記載なし。"), is_absence_remark("原文未提及。")
    (True, True)
    >>> is_absence_remark("The method is not stated to improve accuracy.")
    False
    """
    return _ABSENCE.fullmatch(sentence.strip(_EDGE)) is not None


def _align(sentence: str, src: Source) -> Sentence | None:
    """The source sentence sharing most content words with an English ``sentence`` (None
    when nothing is shared); long sentences are discounted a little."""
    mine = frozenset(content(sentence))
    best, best_score = None, 0.0
    for s in src.sentences:
        score = len(mine & s.stems) / (1 + 0.05 * len(s.stems))
        if score > best_score:
            best, best_score = s, score
    return best


def check_claims(summary: str, source: str, *, lang: str) -> list[Finding]:
    """Claim-level findings for ``summary`` (in ``lang``) against ``source`` (English).

    >>> src = "Our method improves accuracy on unlabeled data. It does not need labels."
    >>> [(f.type, f.text) for f in check_claims("Our method degrades accuracy.", src, lang="en")]
    [('antonym', 'degrades')]
    >>> [(f.type, f.text) for f in check_claims("It needs labels.", src, lang="en")]
    [('negation', 'needs')]
    >>> [f.type for f in check_claims("この手法は精度を低下させる。", "Method X improves accuracy.", lang="ja")]
    ['direction']
    """
    src = parse_source(source)
    cjk = lang in ("ja", "zh")
    findings: list[Finding] = []
    for a, b in sentences(summary):
        text = summary[a:b]
        if is_absence_remark(text):
            continue
        if cjk:
            findings += check_cjk_sentence(text, a, src, lang)
            continue
        aligned = _align(text, src)
        found = _english(text, a, aligned, src) if aligned is not None else []
        findings += found + _untraceable(text, a, found, aligned is None)
    return findings


def _english(text: str, offset: int, aligned: Sentence, src: Source) -> list[Finding]:
    out = _negation(text, offset, aligned, src)
    flagged = {f.span for f in out}
    tokens = [
        (m, stem(m.group().lower()))
        for m in _WORD.finditer(text)
        if m.group().lower() not in STOPWORDS and len(m.group()) > 2
    ]
    stems = [s for _, s in tokens]
    own = bool(_OWN.search(text)) and not CONTRAST.search(text)
    for i, (m, s) in enumerate(tokens):
        span = (offset + m.start(), offset + m.end())
        if span in flagged or s in aligned.stems:
            continue
        near = frozenset(stems[max(0, i - _NEAR) : i + _NEAR + 1]) - {s}
        if s in src.stems:
            # Said elsewhere in the source, but the aligned sentence may say the opposite.
            clash = _opposite_in(m.group(), span, near, aligned, whole=False, own=own)
            if clash:
                out.append(clash)
            continue
        novel = _novel_word(m.group(), span, near, aligned, src, own)
        if novel is not None:
            out.append(novel)
    out += _novelword_pairs(text, offset, stems, src)
    return out


def _untraceable(text: str, offset: int, found: list[Finding], unaligned: bool) -> list[Finding]:
    """A sentence most of whose content the source never mentions: an inserted fact, even
    when each of its words alone weighs little."""
    content = [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2]
    novel = sum(1 for f in found if f.type == "unsupported" and " " not in f.text)
    if unaligned:
        novel = len(content)  # no source sentence shares a word with it
    if novel >= UNTRACEABLE_MIN_WORDS and novel >= 0.5 * len(content):
        detail = f"{novel} of its {len(content)} content words are not in the source"
        return [
            Finding("unsupported", (offset, offset + len(text)), text, detail, UNTRACEABLE_WEIGHT)
        ]
    return []


def _novel_word(
    word: str,
    span: tuple[int, int],
    near: frozenset[str],
    aligned: Sentence,
    src: Source,
    own: bool,
) -> Finding | None:
    """A summary word absent from the source: the opposite of what the source says, new, or
    (``None``) just another form of a source word.

    The opposite counts when it is in the aligned sentence, or when it stands among the
    same neighbours in any source sentence ("motivate ... workers" / "demotivate ... workers").
    """
    for sent in (aligned, *src.sentences):
        found = _opposite_in(word, span, near, sent, whole=sent is aligned, own=own)
        if found:
            return found
    if _variant_of_source_word(stem(word), src):
        return None
    return Finding("unsupported", span, word, "not in the source", _rarity(word.lower()))


def _variant_of_source_word(s: str, src: Source) -> bool:
    """Another form of a source word that the crude stemmer missed: ``algebra`` for
    ``algebraic``, ``generation`` for ``generated`` (a shared start of 6+ letters covering
    all but a suffix of at most 4), or a hyphenated word whose parts all occur."""
    parts = [stem(p) for p in s.split("-") if p]
    if len(parts) > 1 and all(p in src.stems or _variant_of_source_word(p, src) for p in parts):
        return True
    if len(s) < 6:
        return False
    return any(
        len(t) >= 6 and (t.startswith(s) or s.startswith(t)) and abs(len(t) - len(s)) <= 4
        for t in src.stems
    )


def _opposite_in(
    word: str,
    span: tuple[int, int],
    near: frozenset[str],
    sent: Sentence,
    *,
    whole: bool,
    own: bool = False,
) -> Finding | None:
    """An antonym finding when ``sent`` uses the opposite of ``word`` (anywhere in it when
    ``whole``, else among the same neighbours) and no synonym of it. Sentences about prior
    work are skipped when not aligned, or when the summary sentence is about the paper's
    ``own`` method: what earlier methods do is no evidence against what this paper does."""
    if sent.contrast and (not whole or own):
        return None
    s = stem(word)
    opposites, forms = OPPOSITES.get(s, frozenset()), opposite_forms(word.lower())
    if not (opposites & sent.stems or forms & sent.words):
        return None
    lexical_ok = not SAME_SIDE.get(s, frozenset()) & sent.stems
    for j, (w, t) in enumerate(sent.tokens):
        if (t in opposites and lexical_ok) or w in forms:
            window = {x for _, x in sent.tokens[max(0, j - _NEAR) : j + _NEAR + 1]}
            if whole or near & window:
                return Finding("antonym", span, word, f"the source says {w!r}", 1.5)
    return None


def _novelword_pairs(text: str, offset: int, seq: list[str], src: Source) -> list[Finding]:
    """Known words put together in a way the source never does ("edge labels")."""
    novel = [
        (a, b) for a, b in zip(seq, seq[1:], strict=False)
        if a in src.stems and b in src.stems and a != b and (a, b) not in src.pairs
    ]  # fmt: skip
    return [
        Finding("unsupported", (offset, offset + len(text)), f"{a} {b}", "words never together in the source", PAIR_WEIGHT)
        for a, b in novel
    ]  # fmt: skip


def _negation(text: str, offset: int, aligned: Sentence, src: Source) -> list[Finding]:
    """Negators whose predicate the source asserts, and source negations the summary drops."""
    out = []
    sourcenegation_scopes = [scope for s in src.sentences for scope in s.negated]
    for m, scope in zip(EN_NEGATOR.finditer(text), negation_scopes(text), strict=True):
        if scope and not any(scope & theirs for theirs in sourcenegation_scopes):
            span = (offset + m.start(), offset + m.end())
            detail = f"negates {', '.join(sorted(scope))}, which the source does not negate"
            out.append(Finding("negation", span, m.group(), detail, 1.2))
    if not EN_NEGATOR.search(text):
        mine = content(text)
        for scope in aligned.negated:
            head = next(iter(sorted(scope)), None) if len(scope) == 1 else None
            first = _first_negated(aligned.text, scope)
            target = first or head
            if target and target in mine:
                m2 = next(
                    (w for w in _WORD.finditer(text) if stem(w.group().lower()) == target), None
                )
                if m2:
                    span = (offset + m2.start(), offset + m2.end())
                    detail = f"the source negates {m2.group()!r}: {aligned.text[:100]!r}"
                    # Weaker than an inserted negation: "X prevents Y" may be summarised
                    # as "without X, Y improves", which keeps the meaning.
                    out.append(Finding("negation", span, m2.group(), detail, 0.3))
    return out


def _first_negated(text: str, scope: frozenset[str]) -> str | None:
    """The first content word after a negator of ``text`` that is in ``scope``."""
    for m in EN_NEGATOR.finditer(text):
        following = content(text[m.end() :])[:1]
        if following and following[0] in scope:
            return following[0]
    return None


def _rarity(word: str) -> float:
    """Weight of an unsupported word: small and flat.

    Small because summaries paraphrase, so one new word is weak evidence: only several
    together should flag a summary, while they still rank it below a closer one. Flat
    because neither rare nor common new words are reliably the wrong ones (a rare synonym
    is a paraphrase as often as a common noun is a swapped entity); a rarity-weighted
    variant ranked SummEdits dev worse (AUROC 0.657 against 0.679).
    """
    return UNSUPPORTED_WEIGHT
