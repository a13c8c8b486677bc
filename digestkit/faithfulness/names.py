"""Latin-script names in a summary (models, datasets, metrics, methods) must be in the source.

A digest that credits "OSWorld" with a number the paper reported on "WebArena", or calls
the method "VESPA", misleads exactly the readers who will search for that name. Names are
easy to check offline: Latin-script tokens with capitals inside, digits, or (in a Japanese
or Chinese summary) any Latin token at all. A name is supported when the source has it
(ignoring case, hyphens and plurals), when it is the acronym of a phrase in the source
("VESPO" for "Variational sEquence-level Soft Policy Optimization"), or when it is the
expansion of an acronym in the source.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from digestkit.faithfulness._text import fold, latin_tokens

__all__ = ["Name", "acronym_of", "extract_names", "locate_name", "unsupported_names"]


def _wordlist(text: str) -> list[str]:
    """Word lists are written as one string: easier to read and extend than a list."""
    return text.split()


# Capitalised English words that start sentences or are ordinary words, not names.
_COMMON = frozenset(
    _wordlist(
        "a an the this that these those we our it its in on of for to with by from and or but how what which when where why who can does do is are was were be as at via using based our their both each all most many some such however furthermore moreover also then thus finally first second third experiments results extensive specifically"
    )
)
_SPLIT = re.compile(r"[-_./+@&']")
# General abbreviations and calendar terms any reader knows, which a summary may use though
# its source spells them out ("Q3" for "the third quarter", "U.K." for "Britain"): they
# name no model, dataset or method, so their absence from the source proves nothing.
_GENERAL = frozenset(
    _wordlist(
        "us usa uk eu un uae covid covid-19 ceo cfo coo cto yoy qoq mom ytd eps ebitda gaap "
        "ai ml api gpu cpu pdf url faq ok tv pm am hr it gdp nasa fbi cia who nato"
    )
)
_CALENDAR = re.compile(r"(?:Q[1-4]|H[12]|FY\d{2,4}|\d{4}s?)", re.I)


@dataclass(frozen=True)
class Name:
    """A name-like token: ``strong`` when it has capitals inside or digits (a real name)."""

    text: str
    span: tuple[int, int]
    strong: bool
    folded: str = ""  # the width-folded token (pass@１ -> pass@1), what is looked up


_DIGIT = re.compile(r"\d")
_PARAMETER_NAME = re.compile(r"[A-Z][a-z]+-[a-z]")


def _general_compound(token: str) -> bool:
    """A hyphenated word made of general abbreviations and lower-case words.

    >>> _general_compound("AI-based"), _general_compound("GPT-based"), _general_compound("AI")
    (True, False, False)
    """
    parts = token.split("-")
    return len(parts) > 1 and all(p.casefold() in _GENERAL or p.islower() for p in parts)


def _is_strong(token: str, cjk: bool = False) -> bool:
    """Digits, a capital after the first letter (two capitals, camel case), a parameter
    name (Top-k); in a ja/zh summary also a capitalised hyphenated token, which English
    prose uses for ordinary words (Covid-related)."""
    rest = token[1:]
    return (
        rest != rest.lower()
        or _DIGIT.search(token) is not None
        or (cjk and token[:1].isupper() and _SPLIT.search(token) is not None)
        or _PARAMETER_NAME.fullmatch(token) is not None
    )


def extract_names(summary: str, *, cjk: bool) -> list[Name]:
    """Name-like tokens of ``summary``.

    In English only tokens that look like names count (capitals inside, digits, or a
    capitalised word that does not start a sentence); in a CJK summary every Latin token
    of two letters or more does, since the prose itself is not Latin.

    >>> [n.text for n in extract_names("We train GPT-4 on ImageNet with Adam.", cjk=False)]
    ['GPT-4', 'ImageNet', 'Adam']
    >>> [(n.text, n.strong) for n in extract_names("VESPOはtokenを使う", cjk=True)]
    [('VESPO', True), ('token', False)]
    """
    f = fold(summary)
    names: list[Name] = []
    text = f.text
    for m in latin_tokens(text):
        token = m.group().rstrip(".")
        if not cjk and token.islower() and token.isalpha():
            continue  # a plain lower-case English word: never a name (the common case)
        if len(token) < 2 and not token.isdigit():
            continue
        if token.replace(".", "").casefold() in _GENERAL or _CALENDAR.fullmatch(token):
            continue
        if _general_compound(token):
            continue  # AI-based, COVID-related: a general abbreviation with ordinary words
        strong = _is_strong(token, cjk)
        if not cjk and not strong:
            if not token[0].isupper() or token.lower() in _COMMON:
                continue
            k = m.start() - 1
            while k >= 0 and text[k] in " \"'(":
                k -= 1
            if k < 0 or text[k] in ".!?:;\n":
                continue  # sentence-initial capital
        span = f.span(m.start(), m.start() + len(token))
        names.append(Name(summary[span[0] : span[1]], span, strong, token))
    return names


def _compact(s: str) -> str:
    return _SPLIT.sub("", s).casefold()


def acronym_of(words: list[str]) -> str:
    """The acronym a phrase spells: first letters, plus capitals inside words.

    >>> acronym_of("Variational sEquence-level Soft Policy Optimization".split())
    'VESPO'
    >>> acronym_of(["Self-Aware", "Guided", "Efficient", "Reasoning"])
    'SAGER'
    """
    letters = []
    for word in words:
        for i, part in enumerate(_SPLIT.split(word)):
            if not part:
                continue
            inner = [c for c in part[1:] if c.isupper()]
            if part[0].isupper() or (i == 0 and not inner):
                letters.append(part[0].upper())
            letters.extend(inner)
    return "".join(letters)


@dataclass(frozen=True)
class _SourceNames:
    tokens: frozenset[str]
    parts: frozenset[str]
    words: tuple[str, ...]
    first: dict[str, int]  # compact token or part -> where it first occurs in the source

    # Built on first use, once per source, so that each lookup costs no pass over it.
    @cached_property
    def spelled(self) -> dict[str, int]:
        """Every acronym (up to ``_MAX_ACRONYM`` letters) a run of source words spells, with
        the fewest words that spell it from a word starting with its first letter."""
        return _spelled_runs(self.words)

    @cached_property
    def sorted_parts(self) -> list[str]:
        return sorted(self.parts)


_MAX_ACRONYM = 8  # _supported looks up acronyms of 2-8 letters
_RUN_SLACK = 3  # a run may hold up to 3 words more than its acronym has letters


def _spelled_runs(words: Sequence[str]) -> dict[str, int]:
    """Each acronym a run ``words[i:j]`` spells, mapped to the shortest such run (in words),
    for runs whose first word starts with the acronym's first letter. Linear in the number
    of words: a run stops growing once its acronym is longer than any looked up, and
    ``acronym_of`` of a run is the concatenation of its words' acronyms."""
    own = [acronym_of([w]) for w in words]
    found: dict[str, int] = {}
    for i, word in enumerate(words):
        first = word[:1].upper()
        spelled = ""
        for j in range(i, min(len(words), i + _MAX_ACRONYM + _RUN_SLACK)):
            spelled += own[j]
            if len(spelled) > _MAX_ACRONYM:
                break
            if spelled[:1] == first and j + 1 - i < found.get(spelled, _MAX_ACRONYM + 99):
                found[spelled] = j + 1 - i
    return found


@lru_cache(maxsize=256)
def _source_names(source: str) -> _SourceNames:
    f = fold(source)
    matches = latin_tokens(f.text)
    toks = [m.group().rstrip(".") for m in matches]
    first: dict[str, int] = {}
    for m, t in zip(matches, toks, strict=True):
        at = f.span(m.start(), m.end())[0]
        first.setdefault(_compact(t), at)
        for p in _SPLIT.split(t):
            if p:
                first.setdefault(p.casefold(), at)
    tokens = {_compact(t) for t in toks}
    parts = {p.casefold() for t in toks for p in _SPLIT.split(t) if p}
    return _SourceNames(frozenset(tokens), frozenset(parts), tuple(toks), first)


def locate_name(name: str, source: str) -> int | None:
    """Where ``name`` (or its plural or singular) first occurs in ``source``, if it does as a
    token or a part of one; ``None`` for names supported only as an acronym.

    >>> locate_name("OSWorld", "We test on WebArena and OSWorld-MCP.")
    24
    """
    src = _source_names(source)
    key = _compact(fold(name).text)
    for k in (key, key.rstrip("s"), key + "s"):
        if k in src.first:
            return src.first[k]
    return None


def _acronym_in_source(acronym: str, src: _SourceNames) -> bool:
    """Does some run of source words spell ``acronym`` (initials, or capitals inside), from
    a word starting with its first letter and of at most 3 words more than its letters?"""
    target = acronym.upper().rstrip("S") if len(acronym) > 3 else acronym.upper()
    words = src.spelled.get(target)
    return words is not None and words <= len(target) + _RUN_SLACK


def _supported(token: str, src: _SourceNames) -> bool:
    key = _compact(token)
    if key in src.tokens or key.rstrip("s") in src.tokens or key + "s" in src.tokens:
        return True
    if key in src.parts:
        return True  # "MCP" in "Tool/MCP", "OSWorld" in "OSWorld-MCP"
    pieces = [p for p in re.split(r"[/&+]", token) if p]
    if len(pieces) > 1:
        return all(_supported(p, src) for p in pieces)
    # An acronym with a version digit (SLA3) is a different name, not an expansion.
    letters = re.sub(r"[^A-Za-z]", "", token)
    plain = letters == token
    if plain and len(token) > 2 and token.endswith("s") and token[:-1].isupper():
        token = letters = token[:-1]  # a plural acronym: LLMs for "large language models"
    return (
        plain
        and token.isupper()
        and 2 <= len(letters) <= _MAX_ACRONYM
        and _acronym_in_source(letters, src)
    )


def _term_supported(token: str, src: _SourceNames) -> bool:
    """A lower-case term in a CJK summary: also fine as the start of a source word
    ("context" for "contextual", "token" for "tokens"), since terms get inflected."""
    key = _compact(token)
    if len(key) < 4:
        return False
    parts = src.sorted_parts  # the parts starting with key sort right from key
    at = bisect_left(parts, key)
    return at < len(parts) and parts[at].startswith(key)


def unsupported_names(summary: str, source: str, *, cjk: bool) -> list[Name]:
    """The names of ``summary`` the source does not have.

    >>> src = "We propose Variational sEquence-level Soft Policy Optimization (VESPO)."
    >>> [n.text for n in unsupported_names("VESPOはOSWorldで評価", src, cjk=True)]
    ['OSWorld']
    >>> [n.text for n in unsupported_names("SPO beats LLMs", "Soft Policy Optimization for LLM", cjk=False)]
    []
    >>> [n.text for n in unsupported_names("LLMs cost pass@１", "Large language models, pass@1", cjk=False)]
    []
    """
    src = _source_names(source)
    missing = [
        n
        for n in extract_names(summary, cjk=cjk)
        if not _supported(n.folded or n.text, src)
        and (n.strong or not _term_supported(n.folded or n.text, src))
    ]
    return _drop_expansions(missing, src, summary)


def _drop_expansions(missing: list[Name], src: _SourceNames, summary: str) -> list[Name]:
    """Forgive a run of adjacent capitalised names that spells an acronym of the source."""
    keep: list[Name] = []
    i = 0
    while i < len(missing):
        j = i + 1
        while (
            j < len(missing)
            and summary[missing[j - 1].span[1] : missing[j].span[0]].strip(" -") == ""
        ):
            j += 1
        run = missing[i:j]
        if len(run) >= 2 and acronym_of([n.text for n in run]).casefold() in src.tokens:
            i = j
            continue
        keep.append(missing[i])
        i += 1
    return keep
