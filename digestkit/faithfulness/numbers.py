"""Numbers in a summary must come from the source: the check digest readers care about most.

A digest that says "18.6倍" where the paper says "18.6x" is right; one that says "16.8倍" is
wrong, and no amount of fluent prose makes up for it. This module finds quantities in
English, Japanese and Chinese text (full-width digits, ``万``/``億``/``亿``, ``K``/``M``/``B``,
``%``, percentage points, ``倍``/``×``/``x``/``-fold``, ranges, small counted numbers such as
``3つ``/``三个``) and decides whether each is supported by the source: stated there (at the
summary's precision, or in another scale: ``0.97`` is ``97%``, ``1.5K`` is ``1500``), or a
simple value derived from two source numbers (a difference, a ratio, a relative change).

Numbers glued to a name (``GPT-4``, ``SLA2``, ``pass@1``) belong to the name check.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from digestkit.faithfulness._text import fold

__all__ = [
    "Quantity",
    "extract_quantities",
    "is_supported",
    "locate",
    "spelled_numbers",
    "unsupported_quantities",
]

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "千": 1e3,
    "m": 1e6,
    "million": 1e6,
    "百万": 1e6,
    "b": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
    "万": 1e4,
    "千万": 1e7,
    "億": 1e8,
    "亿": 1e8,
}
_PERCENT = ("%", "percent", "パーセント", "％")
_POINTS = (
    "pp",
    "percentage point",
    "percentage points",
    "ポイント",
    "个百分点",
    "百分点",
    "pt",
    "pts",
    "points",
)
_TIMES = ("倍", "x", "×", "-fold", "fold", "times")

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.])(?<![A-Za-z]-)(?<![A-Za-z]@)"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<scale>\s?(?:thousand|million|billion|trillion)\b|(?:[KMBT])(?![A-Za-z])"
    r"|千万|百万|[千万億亿])?"
    r"(?P<unit>\s?(?:%|percent\b|パーセント|percentage[- ]points?\b|pp\b|pts?\b|points\b|ポイント|个百分点|百分点"
    r"|倍|×|x(?![A-Za-z])|-?fold\b|\s?times\b))?"
)
_ANY_DIGIT = re.compile(r"\d")
_CJK_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
# A CJK numeral counts only before a counter (三つ, 两种); 一 is left out: 一个 / 一つ mean "a".
_CJK_COUNTED = re.compile(
    r"(?<![一二两兩三四五六七八九十])([二两兩三四五六七八九十])(?=つ|个|種|种|项|項|点|類|类|段|層|层|倍|大)"
)
_EN_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "dozen": 12,
    "twice": 2, "double": 2, "doubled": 2, "triple": 3, "half": 0.5,
}  # fmt: skip
_EN_WORD = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b", re.I)
_ENUM_STYLES = (r"\(([ivx]+)\)", r"\(([IVX]+)\)", r"\((\d)\)", r"\(([a-h])\)")


@dataclass(frozen=True)
class Quantity:
    """A number found in text: ``value`` as written, ``scale`` (1 when none), ``unit``.

    ``unit`` is ``'%'``, ``'pp'``, ``'x'`` or ``''``; ``decimals`` is the written precision.
    ``span`` indexes the caller's original string.
    """

    value: float
    scale: float
    unit: str
    decimals: int
    span: tuple[int, int]
    text: str

    @property
    def magnitude(self) -> float:
        return self.value * self.scale


def _unit(raw: str | None) -> str:
    u = (raw or "").strip().lower()
    if not u:
        return ""
    if u in _PERCENT:
        return "%"
    if u.startswith("percentage") or u in _POINTS:
        return "pp"
    return "x" if u.lstrip("-") in _TIMES else ""


@lru_cache(maxsize=2048)
def extract_quantities(text: str) -> tuple[Quantity, ...]:
    """Every quantity in ``text``, in order.

    >>> [(q.value, q.scale, q.unit) for q in extract_quantities("精度は９７％、1.5K件、3億")]
    [(97.0, 1.0, '%'), (1.5, 1000.0, ''), (3.0, 100000000.0, '')]
    >>> [q.text for q in extract_quantities("GPT-4 reaches 18.6x and 2B/4B models")]
    ['18.6x', '2B', '4B']
    """
    f = fold(text)
    found: list[Quantity] = []
    digits = _ANY_DIGIT.search(f.text) is not None
    for m in _NUMBER.finditer(f.text) if digits else ():
        if _is_list_marker(f.text, m):
            continue
        num = m.group("num").replace(",", "")
        decimals = len(num.split(".")[1]) if "." in num else 0
        scale_raw = (m.group("scale") or "").strip().lower()
        span = f.span(m.start(), m.end())
        found.append(
            Quantity(
                float(num),
                _SCALES.get(scale_raw, 1.0),
                _unit(m.group("unit")),
                decimals,
                span,
                text[span[0] : span[1]],
            )
        )
    for m in _CJK_COUNTED.finditer(f.text) if not f.text.isascii() else ():
        span = f.span(m.start(), m.end())
        found.append(Quantity(float(_CJK_DIGITS[m.group(1)]), 1.0, "", 0, span, m.group(1)))
    for m in _EN_WORD.finditer(f.text):
        span = f.span(m.start(), m.end())
        found.append(Quantity(float(_EN_WORDS[m.group(1).lower()]), 1.0, "", 0, span, m.group()))
    return tuple(sorted(found, key=lambda q: q.span))


def _is_list_marker(text: str, m: re.Match[str]) -> bool:
    """Not a quantity: ``(2)`` in "(1) ... (2) ...", ``9)`` or ``9.`` opening a line (a
    list item), and digits glued to a letter the number pattern did not take as a unit
    or scale (``4Q 2020``, ``3D``, ``2nd``: part of a word).

    >>> [q.text for q in extract_quantities("(2) ok\\n9) The 4Q result: 3D scenes, 2nd, 5 GPUs")]
    ['5']
    """
    start, end = m.start(), m.end()
    after = text[end : end + 1]
    if after.isascii() and after.isalpha():
        return True
    if len(m.group()) == 1 and start > 0 and text[start - 1] == "(" and after == ")":
        return True
    line_start = start == 0 or text[start - 1] == "\n"
    return line_start and m.group("num").isdigit() and text[end : end + 2] in (") ", ". ")


def _forms(q: Quantity) -> set[float]:
    """The values a quantity may be written as elsewhere: 97% is also 0.97, 1.5K is 1500."""
    forms = {q.value, q.magnitude}
    if q.unit in ("%", "pp"):
        forms.add(q.value / 100)
    elif q.unit == "" and q.value <= 1:
        forms.add(q.value * 100)
    return forms


def _close(written: float, decimals: int, candidate: float) -> bool:
    """Does ``candidate`` round to ``written`` at the summary's precision (with float slack)?"""
    tolerance = 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(written))
    return abs(written - candidate) <= tolerance


@dataclass(frozen=True)
class _SourceNumbers:
    forms: tuple[float, ...]  # every value a source number may be written as, sorted
    positions: tuple[int, ...]  # where in the source the number giving forms[i] starts
    derived: dict[str, frozenset[float]]  # by the unit a derived value would be written in
    enumerations: frozenset[int]

    def find(self, value: float, decimals: int) -> int | None:
        """The source offset of a number that rounds to ``value`` at ``decimals`` (binary
        search: a full paper has thousands of numbers)."""
        tolerance = 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(value))
        i = bisect_left(self.forms, value - tolerance)
        if i < len(self.forms) and self.forms[i] <= value + tolerance:
            return self.positions[i]
        return None


@lru_cache(maxsize=256)
def _source_numbers(source: str) -> _SourceNumbers:
    quantities = extract_quantities(source)
    placed: list[tuple[float, int]] = []
    for q in quantities:
        placed += [(f, q.span[0]) for f in _forms(q)]
    # Derived values come from two written numbers of the same unit (two accuracies, two
    # timings), and only in the form a summary would write them: a ratio as a multiplier
    # ("1.61x faster"), a difference as points, a relative change as a percentage. A
    # unitless number is never derived: with a dozen source numbers, differences of any
    # two would cover one value in ten and hide real errors.
    by_unit: dict[str, set[float]] = {}
    for q in quantities:
        if q.magnitude > 0 and fold(q.text).text[:1].isdigit():
            by_unit.setdefault(q.unit, set()).add(q.magnitude)
    derived: dict[str, set[float]] = {"x": set(), "pp": set(), "%": set()}
    for unit, values in by_unit.items():
        plain = sorted(values)[:40]
        for i, a in enumerate(plain):
            for b in plain[i + 1 :]:
                derived["x"].update((b / a, a / b))
                derived["pp"].add(b - a)
                derived["%"].update((100 * (b - a) / a, 100 * (b - a) / b))
                if unit == "%":
                    derived["%"].add(b - a)  # "+2.3%" for 2.3 points is common
    placed += _spelled_at(source)
    placed.sort()
    # A list "(i) ... (ii) ... (iii)" supports "three"; each marker style is one list.
    enums = frozenset(len(set(re.findall(style, source))) for style in _ENUM_STYLES)
    frozen = {unit: frozenset(v) for unit, v in derived.items()}
    return _SourceNumbers(tuple(f for f, _ in placed), tuple(p for _, p in placed), frozen, enums)


_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
          "eighteen": 18, "nineteen": 19}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_MULTIPLIERS = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_NUMBER_WORD = "|".join((*_UNITS, *_TENS, *_MULTIPLIERS, "point", "dot", "and"))
_SPELLED = re.compile(rf"\b(?:{_NUMBER_WORD})\b(?:(?:\s*-\s*|\s+)\b(?:{_NUMBER_WORD})\b)*", re.I)


def _spelled_value(words: list[str]) -> float | None:
    total, current = 0.0, 0.0
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _MULTIPLIERS:
            total += max(current, 1) * _MULTIPLIERS[w]
            current = 0
    value = total + current
    return value if words else None


def spelled_numbers(text: str) -> list[float]:
    """Numbers written in words (see :func:`_spelled_at`).

    >>> spelled_numbers("all twenty - five people, under twelve dot fifty Euros")
    [25.0, 12.5, 12.0, 50.0]
    """
    return [v for v, _ in _spelled_at(text)]


def _spelled_at(text: str) -> list[tuple[float, int]]:
    """Numbers written in words, as transcripts and chats write them: a summary that says
    "25 machines" for "twenty - five machines" is right. "twelve dot fifty" is 12.50 (and
    12 and 50); each run also yields its parts.

    >>> spelled_numbers("all twenty - five people, under twelve dot fifty Euros")
    [25.0, 12.5, 12.0, 50.0]
    """
    out: list[tuple[float, int]] = []
    for m in _SPELLED.finditer(text):
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", m.group()) if w.lower() != "and"]
        if not words:
            continue
        if "point" in words or "dot" in words:
            cut = words.index("point") if "point" in words else words.index("dot")
            whole, frac = _spelled_value(words[:cut]), _spelled_value(words[cut + 1 :])
            if whole is not None and frac is not None:
                out += [
                    (float(f"{whole:g}.{frac:g}"), m.start()),
                    (whole, m.start()),
                    (frac, m.start()),
                ]
            continue
        value = _spelled_value(words)
        if value is not None:
            out.append((value, m.start()))
    return out


def _significant_digits(q: Quantity) -> int:
    digits = f"{q.value:.{q.decimals}f}".replace(".", "").lstrip("0")
    return len(digits)


def is_supported(q: Quantity, source: str) -> bool:
    """Is ``q`` stated in ``source``, or simply derived from two of its numbers?

    >>> src = "Training time drops from 55.34 to 34.41 hours; accuracy 97%."
    >>> [is_supported(q, src) for q in extract_quantities("1.61倍速い、精度0.97、34時間")]
    [True, True, True]
    >>> [is_supported(q, src) for q in extract_quantities("20.93 hours saved, 20.93 points")]
    [False, True]
    >>> [is_supported(q, src) for q in extract_quantities("精度は98%")]
    [False]
    """
    return locate(q, source)[0]


def locate(q: Quantity, source: str) -> tuple[bool, int | None]:
    """Whether ``q`` is supported, and the source offset of the number stating it (``None``
    when it is derived from two numbers, counted from a list, or unsupported).

    >>> src = "Accuracy rises from 55.3 to 58.1 on ImageNet."
    >>> [locate(q, src) for q in extract_quantities("58.1, +2.8 points, 61.0")]
    [(True, 28), (True, None), (False, None)]
    """
    numbers = _source_numbers(source)
    for form in _forms(q):
        decimals = q.decimals if form == q.value else q.decimals + 2
        at = numbers.find(form, decimals)
        if at is not None:
            return True, at
    if q.unit == "" and q.decimals == 0 and q.value in numbers.enumerations and q.value <= 10:
        return True, None  # "three contributions" for a source listing (i), (ii), (iii)
    # Derived values only for numbers precise enough that a chance match is unlikely.
    if _significant_digits(q) >= 2 and q.value >= 1:
        candidates = numbers.derived.get(q.unit, frozenset())
        derived = any(_close(q.magnitude, q.decimals, d) for d in candidates if math.isfinite(d))
        return derived, None
    return False, None


def unsupported_quantities(summary: str, source: str) -> list[Quantity]:
    """The quantities of ``summary`` that ``source`` does not support.

    >>> [q.text for q in unsupported_quantities("陳腐化比率６４倍、精度は９５％", "ratios up to 64x")]
    ['９５％']
    """
    return [q for q in extract_quantities(summary) if not is_supported(q, source)]
