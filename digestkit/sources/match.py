"""Keyword matching that understands words, in Latin and CJK text alike.

Why: the seed bots test ``keyword in text``, so the keyword ``RL`` matches "ea**rl**y" and
"wo**rl**d", and ``agent`` matches "re**agent**". A :class:`Term` matches only whole words.

The rules, one per edge of the term (its first and last character decide):

* **Latin letters and digits** (any non-CJK word character): the neighbour must not be a
  letter, digit or ``_`` of a non-CJK script. So ``RL`` matches ``RL-based``, ``(RL)``,
  ``RL.``, ``RLを用いた`` and ``强化学习RL``, but not ``early``, ``RLHF`` or ``RL2``.
  Hyphens, punctuation, spaces and CJK characters are boundaries.
* **Katakana**: katakana words are delimited by a change of script, so the neighbour must not
  be katakana (``エージェント`` matches ``マルチ・エージェント`` but not ``エージェントリ``).
* **Han, hiragana, Hangul**: these scripts write no spaces between words, so there is no
  boundary to check: ``强化学习`` matches inside ``深度强化学习方法``.
* **Anything else** (``C++``, ``.NET``): that edge is not checked.

Case: a term with an upper-case letter after its first character (an acronym or a
mixed-case name: ``RL``, ``MoE``, ``LoRA``, ``GPT``) matches **case-sensitively**, so ``RL``
never matches "rl" and ``MoE`` never matches "moe"; any other term (``agent``,
``Transformer``) matches case-insensitively. ``case_sensitive=`` overrides the guess.

Inside a phrase, a run of spaces or hyphens matches any run of spaces or hyphens
(``large language model`` matches ``large-language\\nmodel``). A term ending in a Latin
letter also matches its plural (``LLM`` matches ``LLMs``; ``agent`` matches ``agents``).
Text and terms are NFKC-normalised first, so full-width ``ＲＬ`` is ``RL``.

>>> Term("RL").count("Early work on world models uses RL, not RLHF.")
1
>>> Term("LLM").count("LLM-based agents; MLLMs; LLMs")
2
>>> Term("强化学习").count("基于深度强化学习的方法")
1
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Hit", "Prepared", "Term", "is_case_sensitive", "normalize", "prepare"]

# Scripts written without spaces between words (no boundary is checked next to them).
_CJK = (
    "\u1100-\u11ff\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
# A word character of a spaced script: \w minus CJK. Written as "not (non-word or CJK)".
_SPACED_WORD = rf"[^\W{_CJK}]"
# Katakana letters and the long-vowel mark; the middle dot U+30FB is a separator.
_KATAKANA = r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff]"
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_SEP_PATTERN = r"[\s\-\u2010-\u2015]+"


def normalize(text: str) -> str:
    """NFKC, so full-width letters and half-width katakana compare equal to their usual forms.

    >>> normalize("ＲＬとｴｰｼﾞｪﾝﾄ")
    'RLとエージェント'
    """
    return unicodedata.normalize("NFKC", text)


def is_case_sensitive(term: str) -> bool:
    """True for acronyms and mixed-case names: an upper-case letter after the first character.

    >>> [is_case_sensitive(t) for t in ("RL", "MoE", "LoRA", "agent", "Transformer", "A")]
    [True, True, True, False, False, False]
    """
    return any(ch.isupper() for ch in term[1:])


def _edge_kind(ch: str) -> str:
    if re.fullmatch(_KATAKANA, ch):
        return "katakana"
    if re.fullmatch(f"[{_CJK}]", ch):
        return "cjk"
    if re.fullmatch(_SPACED_WORD, ch):
        return "word"
    return "other"


def _guard(ch: str, *, before: bool) -> str:
    kind = _edge_kind(ch)
    if kind == "word":
        cls = _SPACED_WORD
    elif kind == "katakana":
        cls = _KATAKANA
    else:
        return ""
    # ``before`` guards sit after the term's first character, hence the two-wide lookbehind.
    return f"(?<!{cls}[\\s\\S])" if before else f"(?!{cls})"


def _plural(term: str) -> str:
    if not re.fullmatch(r"[A-Za-z]", term[-1]):
        return ""
    # An "es" ending is "es" or "ES", never mixed: "ESEs" is one word, not the term "ES"
    # and a plural. (The fast path matches lower-cased text and checks it; see count_in.)
    if re.search(r"(?:s|x|z|ch|sh)$", term, re.I):
        return "(?P<pl>(?-i:es|ES))?"
    return "s?"


@dataclass(frozen=True)
class Hit:
    """One match: the matched text and its span in the normalized text."""

    text: str
    start: int
    end: int


#: ASCII letters lower-cased, and the two letters re's IGNORECASE takes for i / I (dotted
#: capital İ and dotless ı; after NFKC no other non-ASCII letter matches an ASCII one), so
#: that the fast path counts what the IGNORECASE regex finds. One character each: positions
#: are kept.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase + "İı", string.ascii_lowercase + "ii")


@dataclass(frozen=True)
class Prepared:
    """A text normalized once (and its ASCII letters lower-cased once) for many
    :meth:`Term.count_in` calls."""

    text: str
    lower: str


def prepare(text: str) -> Prepared:
    """Normalize ``text`` once so that scoring 20 keywords does not normalize it 20 times.

    >>> prepare("ＲＬ Agents").lower
    'rl agents'
    """
    if text.isascii():
        return Prepared(text, text.lower())
    norm = normalize(text)
    # Lower-case ASCII letters only: str.lower() turns "İ" into "i" + a combining dot, which
    # is not a word character, and would invent a word boundary.
    return Prepared(norm, norm.translate(_ASCII_LOWER))


@dataclass(frozen=True)
class Term:
    """A keyword or phrase matched on word boundaries (see the module docstring).

    >>> Term("MoE").count("moe and MoE")
    1
    >>> Term("large language model").count("Large-language models are large language\\nmodels")
    2
    """

    text: str
    case_sensitive: bool | None = None
    _sensitive: bool = field(init=False, repr=False, compare=False, default=False)

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a keyword must not be empty")
        sensitive = self.case_sensitive
        if sensitive is None:
            sensitive = is_case_sensitive(normalize(self.text.strip()))
        object.__setattr__(self, "_sensitive", sensitive)

    @property
    def is_case_sensitive(self) -> bool:
        """Whether this term matches case-sensitively (explicit, or guessed from its case)."""
        return self._sensitive

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.text, self.is_case_sensitive)

    def find(self, text: str) -> list[Hit]:
        """Every whole-word occurrence in ``text`` (normalized with :func:`normalize`).

        >>> [h.text for h in Term("agent").find("Agents, reagents and an agent.")]
        ['Agents', 'agent']
        """
        norm = normalize(text)
        return [Hit(m.group(0), m.start(), m.end()) for m in self.pattern.finditer(norm)]

    def count(self, text: str) -> int:
        """How many times the term occurs in ``text`` as a whole word.

        >>> Term("RL").count("RL-based RL")
        2
        """
        return self.count_in(prepare(text))

    def count_in(self, text: Prepared) -> int:
        """:meth:`count` on a text :func:`prepare` d once (the fast path for scoring)."""
        fast, probe, on_lower = _fast(self.text, self.is_case_sensitive)
        haystack = text.lower if on_lower else text.text
        # Most keywords are absent from most abstracts: a plain substring test rules them
        # out far faster than the regex with its boundary lookarounds.
        if probe not in haystack:
            return 0
        hits = fast.findall(haystack)
        if not on_lower or "pl" not in fast.groupindex or not any(hits):
            return len(hits)  # (with the "pl" group, hits are the "es" endings found)
        # Lower-casing hid the case of a plural ending: check it in the original text
        # (prepare() keeps positions: it lower-cases ASCII letters only).
        return sum(1 for m in fast.finditer(haystack) if _plural_case_ok(text.text, m))


def _plural_case_ok(original: str, m: re.Match[str]) -> bool:
    """The plural ending of match ``m`` is all lower or all upper case in ``original``."""
    if "pl" not in m.re.groupindex or m.start("pl") < 0:
        return True  # no plural ending (possible or present)
    ending = original[m.start("pl") : m.end("pl")]
    return ending.islower() or ending.isupper()


def _pattern(term: str) -> str:
    pieces = [p for p in _SEPARATORS.split(term) if p] or [term]
    first, last = pieces[0][0], pieces[-1][-1]
    body = _SEP_PATTERN.join(re.escape(p) for p in pieces)
    # The left guard is checked after the term's first character ("R(?<!xR)L"), not before
    # it: a pattern that starts with a literal lets re jump to candidate positions.
    head = re.escape(first)
    rest = body[len(head) :]
    return head + _guard(first, before=True) + rest + _plural(term) + _guard(last, before=False)


@functools.lru_cache(maxsize=4096)
def _compile(text: str, case_sensitive: bool) -> re.Pattern[str]:
    term = normalize(text.strip())
    return re.compile(_pattern(term), 0 if case_sensitive else re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _fast(text: str, case_sensitive: bool) -> tuple[re.Pattern[str], str, bool]:
    """A pattern for counting, the literal every match contains, and whether both apply to
    the lower-cased text.

    re's IGNORECASE disables its literal-prefix scan (~3x slower per search, measured in
    tests/bench/test_select_bench.py), so an ASCII case-insensitive term is matched
    case-sensitively in its lower-case form against the text with its ASCII letters
    lower-cased (and İ / ı read as i, see :data:`_ASCII_LOWER`). Non-ASCII terms
    keep IGNORECASE: Unicode case folding is not ``str.lower()``.
    """
    term = normalize(text.strip())
    pieces = [p for p in _SEPARATORS.split(term) if p] or [term]
    probe = max(pieces, key=len)
    if case_sensitive:
        return re.compile(_pattern(term)), probe, False
    if term.isascii():
        low = term.lower()
        return re.compile(_pattern(low)), probe.lower(), True
    return _compile(text, False), "", False
