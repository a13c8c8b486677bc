r"""TeX in digests: accents in names decoded, math shown as MathML or readable Unicode.

Why: arXiv metadata is TeX. Author names arrive as ``Kora\c{s}`` or ``Mar\'ia`` (and a
Markdown parser eats the backslash of ``\'``, leaving ``Mar'ia``), abstracts and LLM
summaries write ``$\beta_1=0.9$``. Readers should see ``Koraş``, ``María`` and formulas.

* :func:`decode_accents` turns the TeX accent macros (and ``\ss``, ``\o``, ...) into
  Unicode and leaves everything else alone, math spans included. Parsers apply it to the
  Markdown source of titles, names and fields *before* Markdown unescapes it, so the
  decoded text round-trips: our renderers never write a TeX accent back.
* :func:`to_mathml` converts one formula with ``latex2mathml`` and keeps the result only
  if it is MathML built from an allow-list of elements and attributes (the converter
  copies ``\text{<script>}`` and ``\href{javascript:…}`` through verbatim); otherwise the
  caller shows the TeX source as text.
* :func:`math_to_unicode` / :func:`text_to_unicode` are for feeds and plain text, where
  MathML is not rendered: ``$5\times10^{-4}$`` becomes ``5×10⁻⁴`` (``pylatexenc``).

>>> decode_accents(r"Osman Alperen Kora\c{s}, Ana Mar\'ia T\'arano, Fran\c{c}ois Ta\"iani")
'Osman Alperen Koraş, Ana María Tárano, François Taïani'
>>> text_to_unicode(r"with $\beta_1=0.9$ and $5\times10^{-4}$, costs $5 and $10")
'with β₁=0.9 and 5×10⁻⁴, costs $5 and $10'
>>> to_mathml(r"\text{<script>x</script>}") is None
True
"""

from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as ET
from functools import lru_cache

__all__ = [
    "MATH_SPAN",
    "decode_accents",
    "find_math",
    "html_with_math",
    "is_math",
    "math_spans",
    "math_to_unicode",
    "text_to_unicode",
    "to_mathml",
]

# $$…$$ or $…$: no space-only content, not \$, and a closing $ not followed by a digit
# ("costs $5 and $10" is money, not math).
MATH_SPAN = re.compile(
    r"(?<![\\$])\$\$(?P<block>[^$]+?)\$\$|(?<![\\$])\$(?P<inline>[^$\n]*[^$\s\\][^$\n]*?)(?<!\\)\$(?!\d)"
)

_TEX_MARK = re.compile(r"[\\^_{}=<>]")


def is_math(m: re.Match[str]) -> bool:
    """Whether a :data:`MATH_SPAN` match is math, not two prices ("$10, or $").

    >>> [is_math(m) for m in MATH_SPAN.finditer("$10, or $ and $5\\times10^{-4}$")]
    [False, True]
    """
    inline = m.group("inline")
    return not (
        inline is not None
        and inline[:1].isdigit()
        and " " in inline
        and not _TEX_MARK.search(inline)
    )


def find_math(text: str) -> list[re.Match[str]]:
    """The math spans of ``text`` (:data:`MATH_SPAN` matches that pass :func:`is_math`)."""
    return [m for m in MATH_SPAN.finditer(text) if is_math(m)]


# Accents written with punctuation: \'e \"o \^o (also braced: \'{e}, {\'e}).
# \`, \~, \=, \. only braced: a Markdown escape (\` \~) or an escaped list marker (1\.)
# followed by a letter must stay what it is.
_ACCENT = re.compile(
    r"""(?P<esc>\\\\)|\{?\\(?:
        (?P<p>['"^])\s*(?:\{(?P<pb>\\?[A-Za-z])\}|(?P<pl>\\[ij](?![A-Za-z])|[A-Za-z]))
      | (?P<q>[`~=.])\{(?P<qb>\\?[A-Za-z])\}
      | (?P<m>[cvuHkrdbt])(?:\{(?P<mb>\\?[A-Za-z]{1,2})\}|\ (?P<ml>[A-Za-z])(?![A-Za-z]))
      | (?P<s>ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])(?:\{\}|\ )?
    )\}?""",
    re.VERBOSE,
)


_UMLAUTED = frozenset("aeiouyAEIOUY") | {"\\i"}


@lru_cache(maxsize=1)
def _latex2text() -> object:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text")


def _to_text(tex: str) -> str:
    return str(_latex2text().latex_to_text(tex))  # type: ignore[attr-defined]


def _decode_one(m: re.Match[str]) -> str:
    whole = m.group(0)
    if m.group("esc"):  # an escaped backslash: what follows is text, not a macro
        return whole
    letter = m.group("pb") or m.group("pl") or ""
    if m.group("p") == '"' and letter not in _UMLAUTED:  # \"quoted\" is Markdown, not TeX
        return whole
    core = whole[1:] if whole.startswith("{") else whole
    core = core[:-1] if whole.endswith("}") and core.count("{") < core.count("}") else core
    decoded = unicodedata.normalize("NFC", _to_text(core))
    if whole.startswith("{") and not whole.endswith("}"):
        decoded = "{" + decoded
    return decoded


def decode_accents(text: str) -> str:
    r"""``text`` with TeX accent macros decoded to Unicode; math spans left as they are.

    >>> decode_accents(r"Dimitri Ler\'ev\'erend, {\"O}zt{\"u}rk, Pe\~{n}a, Stra\ss e")
    'Dimitri Lerévérend, Öztürk, Peña, Straße'
    >>> decode_accents(r"$\hat{x}$ \cdot 1\. \`code\` Kora\\c{s}")
    '$\\hat{x}$ \\cdot 1\\. \\`code\\` Kora\\\\c{s}'
    """
    if "\\" not in text:
        return text
    out, last = [], 0
    for span in find_math(text):
        out.append(_ACCENT.sub(_decode_one, text[last : span.start()]))
        out.append(span.group(0))
        last = span.end()
    out.append(_ACCENT.sub(_decode_one, text[last:]))
    return "".join(out)


def math_spans(text: str) -> list[str]:
    """The TeX of each ``$…$`` / ``$$…$$`` span in ``text``.

    >>> math_spans(r"a $x_1$ b $$y$$ costs $5")
    ['x_1', 'y']
    """
    return [m.group("block") or m.group("inline") for m in find_math(text)]


_SUP = dict(zip("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", strict=True))
_SUB = dict(
    zip("0123456789+-=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", strict=True)
)
_SPACE_AFTER_MACRO = re.compile(r"\\([A-Za-z]+)\s+")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}\\]*)\}|([0-9A-Za-z]))")


def _scripts(m: re.Match[str]) -> str:
    table = _SUP if m.group(1) == "^" else _SUB
    body = m.group(2) if m.group(2) is not None else m.group(3)
    body = body.replace(" ", "")
    if body and all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    return m.group(0)


def math_to_unicode(tex: str) -> str:
    r"""One formula as readable Unicode (sub/superscripts where Unicode has them).

    >>> math_to_unicode(r"\mathcal{O}(n^2 \log n) \leq \sqrt{d_k}")
    '𝒪(n² log n) ≤ √(dₖ)'
    """
    # pylatexenc drops the space after a control word ("\\log n" -> "logn"): keep it.
    spaced = _SPACE_AFTER_MACRO.sub(r"\\\1{} ", _SCRIPT.sub(_scripts, tex))
    return " ".join(_to_text(spaced).split())


def text_to_unicode(text: str) -> str:
    """``text`` with every math span replaced by :func:`math_to_unicode`."""
    if "$" not in text:
        return text
    out, last = [], 0
    for m in find_math(text):
        out += [text[last : m.start()], math_to_unicode(m.group("block") or m.group("inline"))]
        last = m.end()
    return "".join(out) + text[last:]


_ELEMENTS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "mpadded",
        "mphantom",
        "mfenced",
        "menclose",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "semantics",
        "annotation",
        "merror",
        "mmultiscripts",
        "mprescripts",
        "none",
    ]
)
_ATTRIBUTES = frozenset(
    [
        "xmlns",
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "form",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "movablelimits",
        "largeop",
        "symmetric",
        "minsize",
        "maxsize",
        "linethickness",
        "width",
        "height",
        "depth",
        "columnalign",
        "columnlines",
        "columnspacing",
        "rowalign",
        "rowlines",
        "rowspacing",
        "frame",
        "displaystyle",
        "scriptlevel",
        "notation",
        "open",
        "close",
        "separators",
        "mathsize",
        "mathcolor",
        "mathbackground",
        "columnspan",
        "rowspan",
        "align",
        "equalrows",
        "equalcolumns",
        "bevelled",
    ]
)
_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"


def _serialise(node: ET.Element, out: list[str]) -> bool:
    """Write ``node`` from the allow-lists; False when anything is outside them."""
    tag = node.tag.removeprefix(_MATHML_NS)
    if tag not in _ELEMENTS:
        return False
    attrs = ""
    for name, value in node.attrib.items():
        if name not in _ATTRIBUTES or (name in ("mathcolor", "mathbackground") and "(" in value):
            return False
        attrs += f' {name}="{html.escape(value)}"'
    if tag == "math":
        attrs = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attrs.replace(
            ' xmlns="http://www.w3.org/1998/Math/MathML"', ""
        )
    out.append(f"<{tag}{attrs}>{html.escape(node.text or '', quote=False)}")
    for child in node:
        if not _serialise(child, out):
            return False
        out.append(html.escape(child.tail or "", quote=False))
    out.append(f"</{tag}>")
    return True


@lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool = False) -> str | None:
    r"""``tex`` as MathML, or ``None`` if it cannot be converted into safe MathML.

    >>> to_mathml("x_1")
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msub><mi>x</mi><mn>1</mn></msub></mrow></math>'
    >>> to_mathml(r"\href{javascript:alert(1)}{x}") is None
    True
    """
    from latex2mathml.converter import convert

    try:
        raw = convert(tex.strip(), display="block" if display else "inline")
        root = ET.fromstring(raw)
    except Exception:  # the converter raises many types on TeX it does not know
        return None
    out: list[str] = []
    return "".join(out) if _serialise(root, out) else None


def html_with_math(text: str) -> str:
    """Plain ``text`` as HTML: escaped, each convertible math span as MathML.

    >>> html_with_math("a<b $x$")
    'a&lt;b <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mi>x</mi></mrow></math>'
    """
    out, last = [], 0
    for m in find_math(text):
        out.append(html.escape(text[last : m.start()], quote=False))
        block = m.group("block")
        mathml = to_mathml(block or m.group("inline"), display=block is not None)
        out.append(mathml or html.escape(m.group(0), quote=False))
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)
