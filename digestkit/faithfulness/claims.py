"""Claims: does the summary keep the source's direction, polarity and content?

The cheapest way to make a summary wrong is one word: "improves" for "degrades", "can" for
"cannot", "labeled" for "unlabeled". Such edits keep every name and number, so this module
looks at what they change. An English summary sentence is aligned to the source sentence
it shares most content words with (looked up in the source's index), then:

* ``antonym``: the summary uses an affix opposite of a word of the aligned sentence
  (``known``/``unknown``, pre-/post-: strong, it flags), or a word-list opposite (hand list
  plus WordNet) in the same grammatical slot next to a shared word (review);
* ``negation``: the summary negates a word the aligned sentence asserts (and the source
  negates nowhere), or asserts one it negates (review);
* ``unsupported``: a sentence most of whose content words the source never uses, in any
  form (review; measured per sentence, since a per-word penalty punished the rewording
  faithful summaries do).

Japanese and Chinese sentences (split at 。！？ and at ；) go to :mod:`.claims_cjk`.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain

from digestkit.faithfulness._source import (
    CONTRAST,
    WINDOW,
    Finding,
    Sentence,
    Source,
    content,
    negation_scopes,
    parse_source,
)
from digestkit.faithfulness._text import clauses, stem
from digestkit.faithfulness.claims_cjk import aligned_cjk, check_cjk_sentence
from digestkit.faithfulness.lexicon import (
    EN_NEGATOR,
    OPPOSITES,
    SAME_SIDE,
    STOPWORDS,
    opposite_forms,
    strong_opposite_forms,
)

__all__ = ["Finding", "check_claims", "claim_sources", "is_absence_remark"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
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


def _align(mine: frozenset[str], src: Source) -> Sentence | None:
    """The source sentence sharing most content stems (``mine``) with an English summary
    sentence (None when nothing is shared); long sentences are discounted a little."""
    # A sentence is in the postings of each stem of ``mine`` it uses: counting its ids
    # gives ``len(mine & s.stems)`` without a set intersection per candidate.
    shared = Counter(chain.from_iterable(ids for _, ids in src.postings((src.by_stem, mine))))
    best, best_score = None, 0.0
    for i in sorted(shared):
        s = src.sentences[i]
        score = shared[i] / (1 + 0.05 * len(s.stems))
        if score > best_score:
            best, best_score = s, score
    return best


_Token = tuple[re.Match[str], str, str]  # the match, its lower-case form, its stem


def _content_tokens(text: str) -> list[_Token]:
    out = []
    for m in _WORD.finditer(text):
        low = m.group().lower()
        if len(low) > 2 and low not in STOPWORDS:
            out.append((m, low, stem(low)))
    return out


def check_claims(summary: str, source: str, *, lang: str) -> list[Finding]:
    """Claim-level findings for ``summary`` (in ``lang``) against ``source`` (English).

    >>> src = "Our method improves accuracy on unlabeled data. It does not need labels."
    >>> [(f.type, f.text) for f in check_claims("Our method degrades accuracy.", src, lang="en")]
    [('antonym', 'degrades')]
    >>> [(f.type, f.text) for f in check_claims("It needs labels.", src, lang="en")]
    [('negation', 'needs')]
    >>> [f.type for f in check_claims("この手法は精度を低下させる。", "Method X improves accuracy.", lang="ja")]
    ['direction']

    Each lookup in the source's index is bounded (:data:`._source.LOOKUP_BUDGET`).
    """
    src = parse_source(source)
    cjk = lang in ("ja", "zh")
    findings: list[Finding] = []
    for a, b in clauses(summary):
        text = summary[a:b]
        if is_absence_remark(text):
            continue
        if cjk:
            findings += check_cjk_sentence(text, a, src, lang)
            continue
        tokens = _content_tokens(text)
        aligned = _align(frozenset(t[2] for t in tokens), src)
        found = _english(text, a, aligned, src, tokens) if aligned is not None else []
        findings += found + _untraceable(text, a, src, aligned is None, tokens)
    return findings


def _english(
    text: str, offset: int, aligned: Sentence, src: Source, tokens: list[_Token]
) -> list[Finding]:
    stems = [s for _, _, s in tokens]
    out = _negation(text, offset, aligned, src, stems)
    flagged = {f.span for f in out}
    own = bool(_OWN.search(text)) and not CONTRAST.search(text)
    mine: frozenset[str] | None = None
    for i, (m, low, s) in enumerate(tokens):
        if s in aligned.stems or (s not in src.opposable_stems and low not in src.opposable_words):
            continue
        span = (offset + m.start(), offset + m.end())
        if span in flagged:
            continue
        if mine is None:
            mine = frozenset(_WORD.findall(text.lower()))
        if opposite_forms(low) & mine:
            continue  # "non-GAAP and GAAP": the sentence says both sides itself
        near = frozenset(stems[max(0, i - _NEAR) : i + _NEAR + 1]) - {s}
        known = s in src.stems  # said elsewhere: only the aligned sentence's context counts
        sents = [aligned] if known else [aligned, *_with_opposite(m.group(), s, src)]
        for sent in sents:
            whole = sent is aligned and not known
            clash = _opposite_in(m.group(), span, near, sent, whole=whole, own=own)
            if clash:
                out.append(clash)
                break
    return out


def claim_sources(summary: str, source: str, *, lang: str) -> list[tuple[str, int | None]]:
    """For each claim (sentence or clause) of ``summary``, the offset in ``source`` of the
    sentence it restates (``None`` when none shares enough with it): where a reader can
    check it.

    >>> claim_sources("It is fast. It uses GPUs.", "X uses GPUs. X is fast on TPUs.", lang="en")
    [('It is fast.', 13), ('It uses GPUs.', 0)]
    """
    src = parse_source(source)
    out: list[tuple[str, int | None]] = []
    for a, b in clauses(summary):
        text = summary[a:b]
        if is_absence_remark(text):
            continue
        if lang in ("ja", "zh"):
            found = aligned_cjk(text, src)
            best = found[0] if found else None
        else:
            best = _align(frozenset(t[2] for t in _content_tokens(text)), src)
        at = None
        if best is not None:
            at = src.starts[src.position(best)]
        out.append((text, at))
    return out


def _with_opposite(word: str, s: str, src: Source) -> list[Sentence]:
    """The source sentences that use an opposite of ``word`` (looked up in the index), in
    document order."""
    return src.sentences_using(
        (src.by_stem, OPPOSITES.get(s, ())), (src.by_word, opposite_forms(word.lower()))
    )


# Words that carry no claim of the source's: function words the stop list lacks, and the
# words a summary uses to frame its source ("the document discusses", "the speakers agree").
# Counting them as untraceable content punished every summary of a meeting or a chat.
_FRAMING_WORDS = """his her hers him himself herself itself themselves ourselves my mine your yours
    between after before during because since until while though although once others
    other including includes included not without within among upon whether either
    document documents text transcript conversation conversations discussion discussions
    article articles paper papers speaker speakers host hosts author authors writer
    participants participant summary title episode email meeting call chat dialogue
    discuss discusses discussed discussing mention mentions mentioned mentioning describe
    describes described describing talk talks talked talking explain explains explained
    explaining express expresses expressed state states stated note notes noted noting
    ask asks asked asking say says said suggest suggests suggested agree agrees agreed
    highlight highlights highlighted emphasize emphasizes emphasized share shares shared
    provide provides provided overall"""
FRAMING = frozenset(_FRAMING_WORDS.split())


def _support(tokens: list[_Token], src: Source) -> tuple[int, int]:
    """How many content words of a sentence the source supports, out of how many: a word
    is supported when the source uses it or another form of it (algebra/algebraic)."""
    unsupported = 0
    for _, _, s in tokens:
        if s not in src.stems and not _variant_of_source_word(s, src):
            unsupported += 1
    return len(tokens) - unsupported, len(tokens)


def _untraceable(
    text: str, offset: int, src: Source, unaligned: bool, tokens: list[_Token]
) -> list[Finding]:
    """A sentence most of whose content the source never mentions (an inserted fact, or a
    claim from elsewhere). Measured per sentence as *support*, not per new word: a faithful
    paraphrase rewords many words but keeps most of its content traceable, while a penalty
    per new word punished exactly the rewording faithful summaries do. Never flags alone."""
    tokens = [t for t in tokens if t[1] not in FRAMING]
    supported, total = _support(tokens, src)
    novel = total if unaligned else total - supported
    if novel >= UNTRACEABLE_MIN_WORDS and novel >= 0.5 * total:
        detail = f"{novel} of its {total} content words are not in the source"
        return [
            Finding("unsupported", (offset, offset + len(text)), text, detail, UNTRACEABLE_WEIGHT)
        ]
    return []


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
        (t.startswith(s) or s.startswith(t)) and abs(len(t) - len(s)) <= 4
        for t in src.prefixes.get(s[:6], ())
    )


_INFLECTIONS = ("ing", "ed", "ly", "er", "est", "s")


def _inflection(word: str) -> str:
    """The inflectional ending of ``word`` (``""`` for a bare form): a word-list antonym
    must stand in the same grammatical slot as the source word it opposes ("improves" /
    "degrades", "higher" / "lower"), not an adjective against a verb.

    >>> _inflection("improves"), _inflection("degraded"), _inflection("stable")
    ('s', 'ed', '')
    """
    w = word.lower()
    for suffix in _INFLECTIONS:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith(("ss", "us")):
            return suffix
    return ""


_IRREGULAR = {"worse": "er", "better": "er", "less": "er", "more": "er", "fewer": "er"}


def _same_slot(a: str, b: str) -> bool:
    ia = _IRREGULAR.get(a.lower(), _inflection(a))
    ib = _IRREGULAR.get(b.lower(), _inflection(b))
    return ia == ib


_SLOT = 2  # a word-list antonym needs a shared content word within this many words


def _opposite_in(
    word: str,
    span: tuple[int, int],
    near: frozenset[str],
    sent: Sentence,
    *,
    whole: bool,
    own: bool = False,
) -> Finding | None:
    """An antonym finding when ``sent`` uses the opposite of ``word``.

    Two kinds of evidence, of different strength:

    * an affix opposite (known/unknown, pre-/post-, online/offline) in the aligned sentence
      (anywhere when ``whole``, else among the same neighbours): strong, it flags;
    * a word-list opposite (improves/degrades) in the same grammatical slot (same
      inflection) with a shared content word within two words on either side: the summary
      swapped one word in place. Weaker (review): the lists are broad, and a loosely related
      word of the opposite direction elsewhere in the sentence is no evidence.

    Sentences about prior work are skipped when not aligned, or when the summary sentence
    is about the paper's ``own`` method."""
    if sent.contrast and (not whole or own):
        return None
    s = stem(word)
    opposites, forms = OPPOSITES.get(s, frozenset()), opposite_forms(word.lower())
    if not (opposites & sent.stems or forms & sent.words):
        return None
    lexical_ok = not SAME_SIDE.get(s, frozenset()) & sent.stems
    close = frozenset(near)
    for j, (w, t) in enumerate(sent.tokens):
        if w in forms:
            window = {x for _, x in sent.tokens[max(0, j - _NEAR) : j + _NEAR + 1]}
            if whole or near & window:
                detail = f"the source says {w!r} (an affix opposite)"
                strong = w in strong_opposite_forms(word.lower())
                return Finding("antonym", span, word, detail, 1.5 if strong else 1.0, strong)
        elif t in opposites and lexical_ok and _same_slot(word, w):
            window = {x for _, x in sent.tokens[max(0, j - _SLOT) : j + _SLOT + 1]} - {t}
            if close & window:
                detail = f"the source says {w!r} (word-list opposite)"
                return Finding("antonym", span, word, detail, 1.0)
    return None


def _negation(
    text: str, offset: int, aligned: Sentence, src: Source, mine: list[str]
) -> list[Finding]:
    """Negators whose predicate the aligned source sentence asserts, and source negations
    the summary drops. Both are review evidence.

    An inserted negation counts only when the aligned source sentence has no negation of
    its own and states the negated word: a summary that negates a *different* word than the
    source does ("is not robust" for "fails under noise") paraphrases a negation."""
    out = []
    for m, scope in zip(EN_NEGATOR.finditer(text), negation_scopes(text), strict=True):
        if not scope or aligned.negated or not scope & aligned.stems:
            continue
        if scope & src.negated:
            continue  # the source negates one of these words somewhere
        span = (offset + m.start(), offset + m.end())
        detail = f"negates {', '.join(sorted(scope & aligned.stems))}, which the source asserts"
        out.append(Finding("negation", span, m.group(), detail, 1.2))
    if aligned.negated and not EN_NEGATOR.search(text):
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
        following = content(text[m.end() : m.end() + WINDOW])[:1]
        if following and following[0] in scope:
            return following[0]
    return None
