"""LaTeX body -> text with light Markdown, in one left-to-right pass.

Why hand-written: a summary needs the paper's words, numbers and math, in order, with its
structure (numbered sections, tables as grids, captions, footnotes), not a faithful TeX
interpreter. One pass over the string with a handler per command or environment keeps the
time linear in the input (no backtracking regexes; nested arguments are matched by a
bracket scanner with a depth guard), and malformed TeX (unbalanced braces, unterminated
environments) degrades to text plus a warning instead of an exception.

Sectioning commands, tables, citations and cross-references leave sentinel marks in the
text (control characters TeX never sees); :class:`Converter` keeps the side tables
(sections with their LaTeX numbers, labels, tables, captions, footnotes) and the caller
splits and resolves the marks once the whole body has been read, so forward ``\\ref``\\ s
resolve.

>>> c = Converter()
>>> reflow(c.convert(r"We use \\textbf{8} GPUs~(\\emph{A100}) and get 12.5\\% on $x^2$."))
'We use 8 GPUs (A100) and get 12.5% on $x^2$.'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from digestkit.fulltext.model import Table

__all__ = [
    "Converter",
    "SectionMark",
    "brace_index",
    "find_group",
    "match_environment",
    "strip_comments",
]


def words(text: str) -> frozenset[str]:
    """A set of command or environment names written as one string (easier to scan)."""
    return frozenset(text.split())


SEC = "\x00"  # \x00S<index>\x00 : a section starts here; \x00T<index>\x00 : a table
REF = "\x01"  # \x01R<key>\x01 / \x01C<keys>\x01 / \x01E<key>\x01 : resolved in finish()
BR = "\x02"  # a hard line break that survives paragraph reflow (lists, code)

MAX_DEPTH = 40
# nesting of environments/arguments converted recursively
OPTIONAL_LIMIT = 4000  # an [optional argument] longer than this is taken as text
NESTED_OPTIONAL_LIMIT = 256  # ... and one with [brackets] or {braces} inside it, this

_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331"}  # fmt: skip
_ESCAPES = {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}",
            ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "\n": " ", "/": "",
            "-": "", "@": "", "|": "‖"}  # fmt: skip
# Commands whose arguments are text that stays (the braces fall away by themselves).
_KEEP = words(
    """textbf textit emph textsc texttt textrm textsf textup textmd textnormal underline mbox
    hbox text textsuperscript textsubscript uline uppercase lowercase MakeUppercase
    MakeLowercase fbox framebox makecell shortstack centerline mathrm mathbf ensuremath
    boldsymbol smash phantom natexlab showarticletitle showDOI emph*"""
)
# Commands dropped with their arguments (count of mandatory arguments; optional ones too).
_DROP_ARGS = {"vspace": 1, "hspace": 1, "label": 1, "includegraphics": 1, "bibliographystyle": 1,
              "bibliography": 1, "thispagestyle": 1, "pagestyle": 1, "setlength": 2,
              "addtolength": 2, "setcounter": 2, "addtocounter": 2, "color": 1,
              "pagenumbering": 1, "usepackage": 1, "RequirePackage": 1, "documentclass": 1,
              "newpage": 0, "linewidth": 0, "pageref": 1, "addcontentsline": 3, "author": 1,
              "affiliation": 1, "institute": 1, "email": 1, "date": 1, "title": 1,
              "thanks": 1, "keywords": 1, "acmConference": 1,
              "input": 1, "graphicspath": 1, "newcolumntype": 2, "definecolor": 3,
              "hypersetup": 1, "captionsetup": 1, "icmltitle": 1, "icmlauthor": 2,
              "icmlaffiliation": 2, "icmlcorrespondingauthor": 2, "icmlkeywords": 1,
              "renewcommand": 2, "newcommand": 2, "providecommand": 2, "rowcolor": 1,
              "cellcolor": 1, "columncolor": 1, "arrayrulecolor": 1, "cmidrule": 1,
              "cline": 1, "specialrule": 3, "nocite": 1, "bibliographystyle*": 1,
              "resizebox": 2, "scalebox": 1, "adjustbox": 1, "rotatebox": 1, "textcolor": 1,
              "colorbox": 1, "raisebox": 1, "parbox": 1, "makebox": 0, "linebreak": 0,
              "footnotemark": 0, "subfile": 0, "counterwithin": 2,
              "numberwithin": 2, "newif": 1, "newtheorem": 2, "theoremstyle": 1, "multirow": 2, "multicolumn": 2, "tnote": 1}  # fmt: skip
# Argument-taking commands above whose LAST argument is text that stays.
_SILENT = words(
    """maketitle centering raggedright raggedleft noindent indent small footnotesize scriptsize
    tiny large Large LARGE huge Huge normalsize bf it em rm sf tt sc sl bfseries itshape
    mdseries upshape scshape slshape normalfont ttfamily sffamily rmfamily clearpage
    cleardoublepage pagebreak nopagebreak newline par medskip smallskip bigskip hline toprule
    midrule bottomrule hfill vfill null relax protect xspace tableofcontents listoffigures
    listoftables appendix onecolumn twocolumn sloppy fussy frenchspacing selectfont strut
    hrule vrule noalign nobreak hfil vfil break allowbreak printbibliography FloatBarrier
    centerfirst sepfootnotes quad qquad enspace thinspace negthinspace ignorespaces unskip
    displaystyle textstyle scriptstyle arraystretch tabcolsep extracolsep abovecaptionskip
    belowcaptionskip endfirsthead endhead endfoot endlastfoot nolinenumbers linenumbers
    icmlsetsymbol printAffiliationsAndNotice ninept frontmatter mainmatter backmatter and
    hline addlinespace morecmidrules bottomrulec toprulec midrulec titlerunning authorrunning
    maketitlepage IEEEpeerreviewmaketitle IEEEoverridecommandlockouts sisetup leavevmode
    vphantom"""
)
_TEXT_SYMBOLS = {"ldots": "…", "dots": "…", "textellipsis": "…", "LaTeX": "LaTeX", "TeX": "TeX",
                 "BibTeX": "BibTeX", "S": "§", "P": "¶", "textdegree": "°", "texttimes": "×",
                 "times": "×", "textasciitilde": "~", "textbackslash": "\\", "textbar": "|",
                 "textless": "<", "textgreater": ">", "textendash": "–", "textemdash": "—",
                 "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
                 "textquotedblright": "”", "checkmark": "✓", "cmark": "✓", "xmark": "✗",
                 "pm": "±", "textpm": "±", "ie": "i.e.", "eg": "e.g.", "etal": "et al.",
                 "today": "", "copyright": "©", "textregistered": "®", "texttrademark": "™",
                 "dag": "†", "ddag": "‡", "textdagger": "†", "ss": "ß", "o": "ø", "O": "Ø",
                 "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "l": "ł", "L": "Ł",
                 "i": "ı", "j": "ȷ", "percent": "%", "textperthousand": "‰", "euro": "€",
                 "pounds": "£", "textsection": "§", "rightarrow": "→", "to": "→",
                 "leftarrow": "←", "approx": "≈", "sim": "~", "le": "≤", "ge": "≥",
                 "leq": "≤", "geq": "≥", "textmu": "µ", "mu": "µ", "alpha": "α",
                 "beta": "β", "gamma": "γ", "lambda": "λ", "sigma": "σ", "infty": "∞",
                 "textasciicircum": "^", "textunderscore": "_", "newblock": " "}  # fmt: skip
_SI_UNITS = {"giga": "G", "mega": "M", "kilo": "k", "milli": "m", "micro": "µ", "nano": "n",
             "tera": "T", "byte": "B", "bit": "bit", "percent": "%", "second": "s",
             "hour": "h", "minute": "min", "metre": "m", "meter": "m", "gram": "g",
             "hertz": "Hz", "watt": "W", "joule": "J", "per": "/", "day": "d", "flop": "FLOP",
             "celsius": "°C", "degreeCelsius": "°C", "volt": "V", "ampere": "A"}  # fmt: skip
_SECTIONS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
             "paragraph": 5, "subparagraph": 6}  # fmt: skip
_CITES = words(
    """cite citep citet citealp citealt citeauthor citeyear citeyearpar parencite textcite
    autocite Cite Citep Citet footcite citenum"""
)
_REFS = {"ref": "", "eqref": "eq", "autoref": "auto", "cref": "auto", "Cref": "auto",
         "cref*": "auto", "Autoref": "auto", "nameref": "name", "subref": "",
         "vref": "", "Vref": "auto", "hyperref": ""}  # fmt: skip
_MATH_ENVS = words(
    """equation equation* align align* gather gather* multline multline* eqnarray eqnarray*
    flalign flalign* alignat alignat* displaymath math dmath dmath* split"""
)
_LIST_ENVS = {"itemize": "-", "enumerate": "1", "description": "-", "compactitem": "-",
              "compactenum": "1", "enumerate*": "1", "itemize*": "-", "inparaenum": "1",
              "asparaenum": "1", "list": "-"}  # fmt: skip
_DROP_ENVS = words(
    """comment thebibliography tikzpicture pgfpicture picture filecontents filecontents*
    references IEEEkeywords keywords CCSXML"""
)
_CODE_ENVS = words("verbatim verbatim* lstlisting minted Verbatim alltt code")
_FIGURE_ENVS = words("figure figure* wrapfigure SCfigure")
_SUBFLOAT_ENVS = words("subfigure subtable")
_ALGORITHM_ENVS = words("algorithm algorithm* algorithm2e")
_TABLE_ENVS = words("table table* sidewaystable wraptable longtable* SCtable")
_TABULARS = words(
    """tabular tabular* tabularx tabulary longtable supertabular xltabular tblr NiceTabular"""
)
_COMMAND = re.compile(r"\\([A-Za-z@]+\*?|.)", re.S)
_SPECIAL = re.compile(r"[\\{}$~&#^_]|``|''|---?|\n[ \t]*\n|\r")
_BEGIN_END = re.compile(r"\\(begin|end)\s*\{([^{}\\]{1,60})\}")
_RULES = re.compile(
    r"\\(?:hline|toprule|midrule|bottomrule|addlinespace|morecmidrules|hdashline|Xhline)"
    r"(?:\s*\[[^\]]*\])?|\\(?:cline|cmidrule)\s*(?:\([^)]*\))?\s*\{[^{}]*\}|"
    r"\\specialrule\s*\{[^{}]*\}\s*\{[^{}]*\}\s*\{[^{}]*\}"
)  # fmt: skip


@lru_cache(maxsize=1)
def _pylatexenc_symbols() -> dict[str, str]:
    """Text-mode symbols pylatexenc knows (``\\ss``, ``\\textregistered``, ...): the wide
    tail of LaTeX's symbol macros, read once from its table; ``{}`` when not installed."""
    try:
        from pylatexenc import latex2text
    except ImportError:  # pragma: no cover - pylatexenc is a dependency
        return {}
    table: dict[str, str] = {}
    db = latex2text.get_default_latex_context_db()
    for spec in db.iter_macro_specs():
        repl = getattr(spec, "simplify_repl", None)
        if isinstance(repl, str) and "%" not in repl:
            table[spec.macroname] = repl
    return table


def find_group(text: str, i: int, open_: str = "{", close: str = "}", limit: int = -1) -> int:
    """Index just past the group opening at ``text[i]`` (escaped brackets skipped); ``-1``
    when it never closes. Linear in the group's length.

    >>> find_group("{a{b}\\\\}c}d", 0)
    9
    >>> find_group("{open", 0)
    -1
    """
    depth = 0
    n = len(text) if limit < 0 else min(len(text), i + limit)
    j = i
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return j + 1
        elif open_ == "[" and ch == "{":
            end = find_group(text, j, limit=n - j)
            if end < 0:
                return -1
            j = end
            continue
        j += 1
    return -1


_BRACE = re.compile(r"\\.|[{}]", re.S)


def optional_end(text: str, j: int) -> int:
    """Index past the ``[optional argument]`` opening at ``text[j]``, or ``-1``: the first
    ``]`` within ``OPTIONAL_LIMIT`` (one C-speed find) unless brackets or braces nest
    inside, then a short bracket scan. Bounded per call, so repeated calls stay linear.

    >>> optional_end("[a]b", 0), optional_end("[$[0,1]$]x", 0), optional_end("[open", 0)
    (3, 9, -1)
    """
    close = text.find("]", j + 1, j + OPTIONAL_LIMIT)
    if close < 0:
        return -1
    inner = text[j + 1 : close]
    if "[" not in inner and inner.count("{") == inner.count("}"):
        return close + 1
    return find_group(text, j, "[", "]", NESTED_OPTIONAL_LIMIT)


def brace_index(text: str) -> dict[int, int]:
    """``{open position: index past its close}`` for every balanced group, in one pass.

    >>> brace_index("{a{b}}{")
    {2: 5, 0: 6}
    """
    index: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(text):
        ch = m.group()
        if ch == "{":
            stack.append(m.start())
        elif ch == "}" and stack:
            index[stack.pop()] = m.end()
    return index


def match_environment(text: str, start: int, name: str) -> tuple[int, int]:
    """For ``\\begin{name}`` whose body starts at ``start``: ``(body_end, after_end)``;
    ``(len(text), len(text))`` when the environment is never closed."""
    depth = 1
    for m in _BEGIN_END.finditer(text, start):
        if m.group(2).strip() != name:
            continue
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return m.start(), m.end()
    return len(text), len(text)


def strip_comments(text: str) -> str:
    """Drop ``%`` comments (not ``\\%``), with the line end they swallow, as TeX does.

    >>> strip_comments("a 5\\\\% b % note\\nc\\n% whole line\\n\\nd")
    'a 5\\\\% b c\\n\\nd'
    """
    out: list[str] = []
    lines = text.split("\n")
    glue = False
    for k, line in enumerate(lines):
        if glue:
            line = line.lstrip(" \t")
        cut = _comment_start(line)
        if cut >= 0:
            out.append(line[:cut])
            glue = True
            if not line[:cut].strip() and not out[:-1]:
                continue
        else:
            out.append(line + ("\n" if k < len(lines) - 1 else ""))
            glue = False
    return "".join(out)


def _comment_start(line: str) -> int:
    pos = line.find("%")
    while pos >= 0:
        slashes = 0
        k = pos - 1
        while k >= 0 and line[k] == "\\":
            slashes += 1
            k -= 1
        if slashes % 2 == 0:
            return pos
        pos = line.find("%", pos + 1)
    return -1


@dataclass
class SectionMark:
    """A sectioning command as read: its level (1 = the top level in use), LaTeX number,
    heading text and whether it came after ``\\appendix``."""

    level: int
    number: str
    heading: str
    appendix: bool


@dataclass
class Converter:
    """The state of one document's conversion: counters, labels and the collected parts.

    ``top`` is the sectioning level printed as level 1 (2 = ``\\section``, 1 when the
    paper uses ``\\chapter``). ``cite_numbers`` maps bibliography keys to ``[n]``.
    """

    top: int = 2
    macros_unknown: dict[str, None] = field(default_factory=dict)
    sections: list[SectionMark] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    table_marks: dict[int, int] = field(default_factory=dict)
    captions: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    cite_numbers: dict[str, int] = field(default_factory=dict)
    bibitems: list[tuple[str, str]] = field(default_factory=list)
    abstract: str = ""
    warnings: list[str] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    in_appendix: bool = False
    _target: tuple[str, str] = ("section", "")
    _depth: int = 0
    _pending_kind: str = "figure"
    _top_number: str = ""
    _misses: list[dict[str, int]] = field(default_factory=list)
    _theorem_title: str = "Theorem"
    #: theorem-like environments: name -> (printed title, counter, numbered within top level)
    theorems: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    _last_caption: tuple[str, str] = ("", "")

    # -- public ---------------------------------------------------------------------------

    def convert(self, tex: str) -> str:
        """Convert a fragment; the marks stay until :meth:`finish`."""
        if self._depth >= MAX_DEPTH:
            self._warn("nesting deeper than 40 levels flattened")
            return _flatten(tex)
        self._depth += 1
        while len(self._misses) <= self._depth:
            self._misses.append({})
        self._misses[self._depth] = {}
        try:
            return self._convert(tex)
        finally:
            self._depth -= 1

    def finish(self, text: str) -> str:
        """Resolve references and citations, drop marks, reflow paragraphs."""
        return reflow(self.resolve(text))

    def resolve(self, text: str) -> str:
        if REF not in text:
            return text
        return re.sub(REF + r"([RCEA])([^\x01]*)" + REF, self._resolve_one, text)

    # -- the pass -------------------------------------------------------------------------

    def _convert(self, s: str) -> str:
        out: list[str] = []
        i = 0
        n = len(s)
        while i < n:
            m = _SPECIAL.search(s, i)
            if m is None:
                out.append(s[i:])
                break
            out.append(s[i : m.start()])
            tok = m.group()
            i = m.end()
            if tok == "\\":
                i = self._command(s, m.start(), out)
            elif tok in "{}":
                continue
            elif tok == "$":
                i = self._dollar(s, m.start(), out)
            elif tok == "~" or tok in "&#":
                out.append(" ")
            elif tok in "^_":
                out.append(tok)
            elif tok == "``":
                out.append("“")
            elif tok == "''":
                out.append("”")
            elif tok == "---":
                out.append("—")
            elif tok == "--":
                out.append("–")
            elif tok == "\r":
                continue
            else:
                out.append("\n\n")
        return "".join(out)

    def _dollar(self, s: str, at: int, out: list[str]) -> int:
        if s.startswith("$$", at):
            end = self._find(s, "$$", at + 2)
            if end < 0:
                self._warn("unterminated $$ math")
                return at + 2
            out.append(_display(s[at + 2 : end]))
            return end + 2
        end = self._find_dollar(s, at + 1)
        if end < 0:
            self._warn("unterminated $ math")
            return at + 1
        out.append(_inline(s[at + 1 : end]))
        return end + 1

    def _command(self, s: str, at: int, out: list[str]) -> int:
        m = _COMMAND.match(s, at)
        if m is None:
            return at + 1
        name = m.group(1)
        i = m.end()
        if len(name) == 1 and not name.isalpha():
            return self._symbol(name, s, i, out)
        if name in _ACCENTS:
            return self._accent(name, s, i, out)
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, name, s, i, out)
        if name in _KEEP:
            if name == "ensuremath":
                arg, j = self._arg(s, i)
                out.append(_inline(arg) if arg is not None else "")
                return j
            return i
        if name in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[name])
            return _eat_empty_group(s, i)
        if name in _SILENT:
            return _eat_empty_group(s, i)
        if name in _DROP_ARGS:
            return self._drop(name, s, i, out)
        sym = _pylatexenc_symbols().get(name)
        if sym is not None:
            out.append(sym)
            return _eat_empty_group(s, i)
        if name.startswith("if") or name in ("fi", "else", "or"):
            return i  # user conditionals (\\newif): both branches are read
        self.macros_unknown.setdefault("\\" + name)
        return i  # an argument that follows stays as text

    # -- small handlers -------------------------------------------------------------------

    def _symbol(self, ch: str, s: str, i: int, out: list[str]) -> int:
        if ch in _ACCENTS:
            return self._accent(ch, s, i, out)
        if ch == "(":
            end = self._find(s, "\\)", i)
            if end < 0:
                self._warn("unterminated \\( math")
                return i
            out.append(_inline(s[i:end]))
            return end + 2
        if ch == "[":
            end = self._find(s, "\\]", i)
            if end < 0:
                self._warn("unterminated \\[ math")
                return i
            out.append(_display(s[i:end]))
            return end + 2
        if ch == "\\":
            j = i
            if j < len(s) and s[j] == "*":
                j += 1
            j = self._skip_optional(s, j)
            out.append(" ")
            return j
        out.append(_ESCAPES.get(ch, ""))
        return i

    def _accent(self, name: str, s: str, i: int, out: list[str]) -> int:
        while i < len(s) and s[i] == " " and name.isalpha():
            i += 1
        if i < len(s) and s[i] == "{":
            end = find_group(s, i)
            base = s[i + 1 : end - 1] if end > 0 else ""
            i = end if end > 0 else i + 1
        elif i < len(s):
            base, i = s[i], i + 1
        else:
            return i
        base = {"\\i": "i", "\\j": "j"}.get(base.strip(), base.strip())
        if not base:
            return i
        out.append(unicodedata.normalize("NFC", base[0] + _ACCENTS[name] + base[1:]))
        return i

    def _drop(self, name: str, s: str, i: int, out: list[str]) -> int:
        count = _DROP_ARGS[name]
        i = _skip_star(s, i)
        i = self._skip_optional(s, i)
        for _ in range(count):  # a text argument after these (\\textcolor{c}{X}) stays
            arg, i = self._arg(s, i)
            i = self._skip_optional(s, i)
            if arg is None:
                return i
        return i

    def _arg(self, s: str, i: int) -> tuple[str | None, int]:
        """The next mandatory argument: a ``{group}`` or one token; ``None`` at the end."""
        n = len(s)
        while i < n and s[i] in " \t\n":
            i += 1
        if i >= n:
            return None, i
        if s[i] == "{":
            end = find_group(s, i)
            if end < 0:
                self._warn("unbalanced braces")
                return s[i + 1 :], n
            return s[i + 1 : end - 1], end
        if s[i] == "\\":
            m = _COMMAND.match(s, i)
            assert m is not None
            return m.group(), m.end()
        if s[i] == "}":
            return None, i
        return s[i], i + 1

    def _skip_optional(self, s: str, i: int) -> int:
        opt, j = self._optional(s, i)
        return j if opt is not None else i

    def _optional(self, s: str, i: int) -> tuple[str | None, int]:
        """An ``[optional argument]`` at ``i`` (see :func:`optional_end`); ``(None, i)``
        when there is none."""
        j = i
        while j < len(s) and s[j] in " \t":
            j += 1
        if j >= len(s) or s[j] != "[":
            return None, i
        end = optional_end(s, j)
        return (s[j + 1 : end - 1], end) if end > 0 else (None, i)

    def _find(self, s: str, token: str, start: int) -> int:
        """``s.find(token, start)``, remembering where it failed: once a closing ``\\)``
        is missing from ``p`` on, it is missing from every later start too, so a thousand
        unclosed ``\\(`` cost one scan, not a thousand (the pass stays linear)."""
        misses = self._misses[self._depth] if self._depth < len(self._misses) else {}
        if start >= misses.get(token, len(s) + 1):
            return -1
        pos = s.find(token, start)
        if pos < 0:
            misses[token] = min(start, misses.get(token, len(s) + 1))
        return pos

    def _find_dollar(self, s: str, i: int) -> int:
        """The next ``$`` that is not ``\\$``."""
        while True:
            j = self._find(s, "$", i)
            if j < 0:
                return -1
            slashes = 0
            k = j - 1
            while k >= i and s[k] == "\\":
                slashes += 1
                k -= 1
            if slashes % 2 == 0:
                return j
            i = j + 1

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _step(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    # -- references -----------------------------------------------------------------------

    def _resolve_one(self, m: re.Match[str]) -> str:
        kind, key = m.group(1), m.group(2)
        if kind == "C":
            keys = [k.strip() for k in key.split(",") if k.strip()]
            shown = [str(self.cite_numbers[k]) if k in self.cite_numbers else k for k in keys]
            return "[" + ", ".join(shown) + "]" if shown else ""
        target = self.labels.get(key)
        if target is None:
            return ""
        what, number = target
        if kind == "E":
            return f"({number})"
        if kind == "A":
            return f"{_REF_NAMES.get(what, what.capitalize())} {number}".strip()
        return number


_REF_NAMES = {"algorithm": "Algorithm", "section": "Section", "table": "Table",
              "figure": "Figure", "equation": "Eq.", "appendix": "Appendix", "item": "item", "chapter": "Chapter"}  # fmt: skip


_MATH_DROP = re.compile(r"\\(?:label|tag)\s*\{[^{}]*\}|\\(?:nonumber|notag)\b")


def _clean_math(tex: str) -> str:
    return " ".join(_MATH_DROP.sub("", tex).split())


def _inline(tex: str) -> str:
    body = _clean_math(tex)
    return f"${body}$" if body else ""


def _display(tex: str) -> str:
    body = _clean_math(tex)
    return f"\n\n$${body}$$\n\n" if body else ""


def _skip_star(s: str, i: int) -> int:
    return i + 1 if i < len(s) and s[i] == "*" else i


def _eat_empty_group(s: str, i: int) -> int:
    if s.startswith("{}", i):
        return i + 2
    if i < len(s) and s[i] == " ":
        return i  # the space after a control word is TeX's, but keeping one is harmless
    return i


def _flatten(tex: str) -> str:
    return re.sub(r"\\[A-Za-z@]+\*?|[{}$]", " ", tex)


_PARA = re.compile(r"\n[ \t]*\n\s*")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def reflow(text: str) -> str:
    """Paragraphs at blank lines, single spaces inside them, hard breaks kept.

    >>> reflow("a\\n b\\n\\n\\n- x\\x02- y ")
    'a b\\n\\n- x\\n- y'
    """
    paras = []
    for para in _PARA.split(text):
        lines: list[str] = []
        for part in para.split(BR):
            line = _SPACES.sub(" ", part).strip()
            if line:
                # a line after a hard break keeps its indent (nested list items, code)
                indent = len(part) - len(part.lstrip(" ")) if lines else 0
                lines.append(" " * indent + line)
        if lines:
            paras.append("\n".join(lines))
    return "\n\n".join(paras)


Handler = Callable[[Converter, str, str, int, list[str]], int]
_HANDLERS: dict[str, Handler] = {}


def _handles(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            _HANDLERS[name] = fn
        return fn

    return register


@_handles(*_SECTIONS, *(k + "*" for k in _SECTIONS))
def _section(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    star = name.endswith("*")
    base = name.rstrip("*")
    i = _skip_star(s, i)
    i = c._skip_optional(s, i)
    arg, i = c._arg(s, i)
    rank = _SECTIONS[base]
    number = ""
    if not star and rank <= 4:
        number = _number_section(c, base, rank)
    if rank == c.top:
        c._top_number = number
    c._target = ("appendix" if c.in_appendix and rank == c.top else "section", number)
    if base == "chapter":
        c._target = ("chapter", number)
    heading = reflow(c.convert(arg or "")).replace("\n", " ")  # a \label in it: this one
    level = max(1, rank - c.top + 1)
    c.sections.append(SectionMark(level, number, heading, c.in_appendix))
    out.append(f"\n\n{SEC}S{len(c.sections) - 1}{SEC}\n\n")
    return i


def _number_section(c: Converter, base: str, rank: int) -> str:
    """Step this level's counter, reset the deeper ones, print ``2.1`` (``A.1`` in the
    appendix; with chapters the chapter leads: ``3.2.1``)."""
    c._step(base)
    for lower, r in _SECTIONS.items():
        if r > rank:
            c.counters[lower] = 0
    parts = []
    for key, r in _SECTIONS.items():
        if c.top <= r <= rank and r > 0:
            v = c.counters.get(key, 0)
            parts.append(_alpha(v) if c.in_appendix and r == c.top else str(v))
    return ".".join(parts)


def _alpha(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (as LaTeX's \\Alph would not go, but safely)."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out or "0"


@_handles("appendix")
def _appendix(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    c.in_appendix = True
    top = "chapter" if c.top == 1 else "section"
    c.counters[top] = 0
    return i


@_handles("label")
def _label(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    arg, i = c._arg(s, i)
    if arg is not None and c._target[1]:
        what, number = c._target
        if what == "theorem":  # \autoref{thm:x} -> "Lemma 2"
            what = c._theorem_title
        c.labels.setdefault(arg.strip(), (what, number))
    return i


@_handles(*_REFS)
def _ref(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    i = _skip_star(s, i)
    if name == "hyperref":  # \hyperref[label]{text}: the text stays
        return c._skip_optional(s, i)
    arg, i = c._arg(s, i)
    kind = {"eq": "E", "auto": "A"}.get(_REFS[name], "R")
    for key in (arg or "").split(","):
        out.append(f"{REF}{kind}{key.strip()}{REF}")
    return i


@_handles(*_CITES)
def _cite(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    i = _skip_star(s, i)
    i = c._skip_optional(s, i)
    i = c._skip_optional(s, i)
    arg, i = c._arg(s, i)
    out.append(f"{REF}C{arg or ''}{REF}")
    return i


@_handles("footnote", "footnotetext", "tablefootnote")
def _footnote(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    i = c._skip_optional(s, i)
    arg, i = c._arg(s, i)
    text = reflow(c.convert(arg or ""))
    if text:
        c.footnotes.append(text)
    return i


@_handles("url", "nolinkurl", "path")
def _url(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    arg, i = c._arg(s, i)
    out.append(arg or "")
    return i


@_handles("href")
def _href(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    _url_arg, i = c._arg(s, i)
    return i  # the link text follows as an ordinary group


@_handles("verb", "lstinline")
def _verb(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    if i >= len(s):
        return i
    delim = s[i]
    if delim == "{":
        end = find_group(s, i)
        out.append(s[i + 1 : end - 1] if end > 0 else "")
        return end if end > 0 else i + 1
    end = c._find(s, delim, i + 1)
    if end < 0:
        return i + 1
    out.append(s[i + 1 : end])
    return end + 1


@_handles("caption", "captionof")
def _caption(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    if name == "captionof":
        kind_arg, i = c._arg(s, i)
        c._pending_kind = (kind_arg or "figure").strip()
    i = c._skip_optional(s, i)
    arg, i = c._arg(s, i)
    kind = c._pending_kind
    counter = "sub" if kind == "sub" else kind.rstrip("*") if kind.startswith(("algorithm", "table")) else "figure"  # fmt: skip
    if counter != "sub":
        c._target = (counter, str(c._step(counter)))  # before the text: its \label is this
    text = reflow(c.convert(arg or "")).replace("\n", " ")
    if counter == "sub":  # a sub-caption (subfigure, subtable): text kept, no number taken
        c.captions.append(text)
        return i
    name = f"{_REF_NAMES[counter]} {c._target[1]}"
    c.captions.append(f"{name}: {text}")
    if counter == "table":
        c._last_caption = (name, text)
    return i


@_handles("SI", "qty", "SIrange", "num", "si", "unit", "numrange", "qtyrange")
def _siunitx(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    i = c._skip_optional(s, i)
    args = []
    count = {"SI": 2, "qty": 2, "num": 1, "si": 1, "unit": 1}.get(name, 3)
    if name == "numrange":
        count = 2
    for _ in range(count):
        arg, i = c._arg(s, i)
        args.append(arg or "")
    units = args[-1] if name not in ("num", "numrange") else ""
    values = args[:-1] if units or name in ("si", "unit") else args
    if name in ("si", "unit"):
        values, units = [], args[0]
    text = "–".join(v.strip() for v in values)
    unit = re.sub(r"\\([A-Za-z]+)\s*", lambda u: _SI_UNITS.get(u.group(1), u.group(1)), units)
    unit = unit.replace("{", "").replace("}", "").strip()
    out.append((text + (" " + unit if unit and unit != "%" else unit)).strip())
    return i


@_handles("item")
def _item(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    opt, i = c._optional(s, i)
    out.append(f"{BR}- " + (c.convert(opt) + ": " if opt else ""))
    return i


@_handles("begin")
def _begin(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    m = re.compile(r"\s*\{([^{}\\]{1,60})\}").match(s, i)
    if m is None:
        return i
    env = m.group(1).strip()
    body_start = m.end()
    body_end, after = match_environment(s, body_start, env)
    if body_end == len(s) and after == len(s):
        c._warn(f"unterminated environment {env}")
    body = s[body_start:body_end]
    _environment(c, env, body, out)
    return after


@_handles("end")
def _end(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    m = re.compile(r"\s*\{[^{}\\]{0,60}\}").match(s, i)
    c._warn("\\end without \\begin")
    return m.end() if m else i


def _environment(c: Converter, env: str, body: str, out: list[str]) -> None:
    if env in _MATH_ENVS:
        _math_env(c, env, body, out)
    elif env in _LIST_ENVS:
        out.append(_list(c, _LIST_ENVS[env], body))
    elif env in _FIGURE_ENVS:
        _float(c, "figure", body)
    elif env in _ALGORITHM_ENVS:
        _float(c, "algorithm", body)
    elif env in _SUBFLOAT_ENVS:
        _subfloat(c, env, body, out)
    elif env in _TABLE_ENVS:
        _table_env(c, body, out)
    elif env in _TABULARS:
        _table_env(c, "\\begin{" + env + "}" + body + "\\end{" + env + "}", out)
    elif env == "abstract":
        c.abstract = reflow(c.convert(body))
    elif env in _CODE_ENVS:
        code = body.strip("\n").replace("\n", BR)
        out.append(f"\n\n```{BR}{code}{BR}```\n\n")
    elif env in _DROP_ENVS:
        if env == "thebibliography":
            c.bibitems.extend(bibitems(c, body))
    elif env.rstrip("*") in ("acks", "acknowledgments", "acknowledgements", "acknowledgment"):
        # acmart and others print these as an unnumbered section
        c.sections.append(SectionMark(1, "", "Acknowledgments", c.in_appendix))
        out.append(f"\n\n{SEC}S{len(c.sections) - 1}{SEC}\n\n" + c.convert(body))
    elif env in ("appendix", "appendices", "subappendices"):
        _appendix(c, "appendix", "", 0, out)
        out.append(c.convert(body))
    else:
        out.append(_generic_env(c, env, body))


def _generic_env(c: Converter, env: str, body: str) -> str:
    # theorem-like environments and unknown ones keep their text; arguments like
    # {minipage}{0.5\linewidth} or [h] are dropped first
    body = re.sub(r"^\s*(\[[^\]]{0,80}\])?(\{[^{}]{0,80}\})*", "", body, count=1) if env in (
        "minipage", "adjustbox", "wrapfigure", "tabularx", "multicols", "subfigure", "CJK",
        "CJK*", "otherlanguage", "otherlanguage*", "wrapfigure", "wraptable", "spacing"
    ) else body  # fmt: skip
    if env in c.theorems or env.rstrip("*").lower() in _THEOREM_LIKE:
        return _theorem(c, env, body)
    return c.convert(body)


_THEOREM_LIKE = words("""theorem lemma proposition corollary definition remark proof example
    assumption claim conjecture hypothesis observation fact problem""")


def _theorem(c: Converter, env: str, body: str) -> str:
    """``Theorem 2.1 (Name). text``: numbered as its ``\\newtheorem`` says (own or shared
    counter, optionally within the top-level section); ``proof`` and starred ones are not."""
    title, counter, within = c.theorems.get(env, (env.rstrip("*").capitalize(), env, False))
    note, j = c._optional(body, 0)
    body = body[j:] if note is not None else body
    number = ""
    if not env.endswith("*") and env != "proof" and counter:
        key = f"thm:{counter}:{c._top_number}" if within else f"thm:{counter}"
        n = str(c._step(key))
        number = f"{c._top_number}.{n}" if within and c._top_number else n
        c._target = ("theorem", number)
        c._theorem_title = title
    head = " ".join(x for x in (title, number) if x)
    if note:
        head += f" ({reflow(c.convert(note))})"
    return f"\n\n{head}. {c.convert(body).strip()}\n\n"


def _math_env(c: Converter, env: str, body: str, out: list[str]) -> None:
    numbered = not env.endswith("*") and env not in ("displaymath", "math", "split")
    if numbered:
        lines = [x for x in re.split(r"\\\\", body) if x.strip()] if env != "equation" else [body]
        for line in lines:
            if re.search(r"\\(nonumber|notag)\b", line):
                continue
            number = str(c._step("equation"))
            for lab in re.findall(r"\\label\s*\{([^{}]*)\}", line):
                c.labels.setdefault(lab.strip(), ("equation", number))
    if env == "math":
        out.append(_inline(body))
        return
    inner = body if env in ("equation", "equation*", "displaymath") else (
        "\\begin{" + _aligned(env) + "}" + body + "\\end{" + _aligned(env) + "}"
    )  # fmt: skip
    out.append(_display(inner))


def _aligned(env: str) -> str:
    base = env.rstrip("*")
    return {"align": "aligned", "flalign": "aligned", "eqnarray": "aligned",
            "gather": "gathered", "multline": "multlined", "alignat": "alignedat",
            "dmath": "aligned", "split": "split"}.get(base, "aligned")  # fmt: skip


def _list(c: Converter, kind: str, body: str) -> str:
    items = _split_items(body)
    lines = []
    for k, (label, raw) in enumerate(items, 1):
        text = reflow(c.convert(raw))
        text_lines = text.replace("\n\n", "\n").split("\n")
        bullet = f"{k}." if kind == "1" else "-"
        head = (reflow(c.convert(label)) + ": " if label else "") + text_lines[0]
        lines.append(f"{bullet} {head}".rstrip())
        lines.extend("  " + x for x in text_lines[1:])
    return "\n\n" + BR.join(lines) + "\n\n" if lines else ""


def _split_items(body: str) -> list[tuple[str, str]]:
    """``\\item[label] text`` pieces at this list's own level (nested lists stay whole)."""
    cuts: list[int] = []
    depth = 0
    for m in re.finditer(r"\\(begin|end)\s*\{[^{}\\]{1,60}\}|\\item(?![A-Za-z@])", body):
        word = m.group(1)
        if word == "begin":
            depth += 1
        elif word == "end":
            depth -= 1
        elif depth == 0:
            cuts.append(m.start())
    items = []
    for k, start in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else len(body)
        raw = body[start + len("\\item") : end]
        label = ""
        stripped = raw.lstrip()
        if stripped.startswith("["):
            close = optional_end(stripped, 0)
            if close > 0:
                label, raw = stripped[1 : close - 1], stripped[close:]
        items.append((label, raw))
    return items


def _subfloat(c: Converter, env: str, body: str, out: list[str]) -> None:
    """A subfigure/subtable: its caption is a sub-caption (a minipage's is a full one)."""
    saved = c._pending_kind
    c._pending_kind = "sub"
    body = re.sub(r"^\s*(\[[^\]]{0,80}\])?(\{[^{}]{0,80}\})?", "", body, count=1)
    out.append(c.convert(body))
    c._pending_kind = saved


def _float(c: Converter, kind: str, body: str) -> None:
    c._pending_kind = kind
    saved = c._target
    unknown = dict(c.macros_unknown)  # a figure's or algorithm's body is not kept
    # a \label before the \caption still names this float
    c._target = (kind, str(c.counters.get(kind, 0) + 1))
    c.convert(body)  # captions, labels and footnotes are recorded; the text is not kept
    c._pending_kind = "figure"
    c._target = saved
    c.macros_unknown = unknown


def _table_env(c: Converter, body: str, out: list[str]) -> None:
    c._pending_kind = "table"
    c._last_caption = ("", "")
    saved = c._target
    c._target = ("table", str(c.counters.get("table", 0) + 1))
    rows: list[tuple[str, ...]] = []
    rest: list[str] = []
    pos = 0
    for m in re.finditer(r"\\begin\s*\{(" + "|".join(map(re.escape, _TABULARS)) + r")\}", body):
        if m.start() < pos:
            continue
        env = m.group(1)
        body_end, after = match_environment(body, m.end(), env)
        rest.append(body[pos : m.start()])
        rows.extend(_tabular_rows(c, env, body[m.end() : body_end]))
        pos = after
    rest.append(body[pos:])
    c.convert("".join(rest))  # caption, label, footnotes, notes under the table
    label, caption = c._last_caption
    c._pending_kind = "figure"
    c._target = saved
    if not rows and not caption:
        return
    c.tables.append(Table(label=label, caption=caption, rows=tuple(rows)))
    out.append(f"\n\n{SEC}T{len(c.tables) - 1}{SEC}\n\n")


def _tabular_rows(c: Converter, env: str, body: str) -> list[tuple[str, ...]]:
    i = 0
    if env in ("tabular*", "tabularx", "tabulary", "xltabular"):
        _width, i = c._arg(body, i)
    i = c._skip_optional(body, i)
    _spec, i = c._arg(body, i)
    body = _RULES.sub(" ", body[i:])
    rows = []
    for raw in _split_top(body, "\\\\"):
        raw = re.sub(r"^\s*\[[^\]]*\]", "", raw)  # \\[2pt]
        cells = []
        for cell in _split_top(raw, "&"):
            span, text = _multicolumn(c, cell)
            cells.append(text)
            cells.extend([""] * (span - 1))
        if any(x for x in cells):
            rows.append(tuple(cells))
    return rows


def _multicolumn(c: Converter, cell: str) -> tuple[int, str]:
    m = re.match(r"\s*\\multicolumn\s*\{\s*(\d+)\s*\}", cell)
    span = int(m.group(1)) if m else 1
    text = reflow(c.convert(cell)).replace("\n", " ")
    return min(span, 50), text


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces (``\\&`` and ``\\\\`` inside groups stay)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if sep == "\\\\" and depth == 0 and text.startswith("\\\\", i):
                parts.append(text[start:i])
                i += 2
                start = i
                continue
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


_BIBITEM = re.compile(r"\\bibitem\s*(\[)?")


def bibitems(c: Converter, body: str) -> list[tuple[str, str]]:
    """``(key, text)`` of each ``\\bibitem`` in a ``thebibliography`` body or a ``.bbl``."""
    starts = [m.start() for m in _BIBITEM.finditer(body)]
    items = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(body)
        chunk = body[start + len("\\bibitem") : end]
        chunk = chunk.split("\\end{thebibliography}", 1)[0]
        j = c._skip_optional(chunk, 0)
        key, j = c._arg(chunk, j)
        text = chunk[j:]
        text = re.sub(r"\\(?:bibinfo|bibfield)\s*\{[^{}]*\}", "", text)
        plain = reflow(c.convert(text.replace("\\newblock", " "))).replace("\n", " ")
        items.append(((key or "").strip(), plain))
    return items


@_handles("abstract")
def _abstract_command(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    j = i
    while j < len(s) and s[j] in " \t\n":
        j += 1
    if j < len(s) and s[j] == "{":  # \abstract{...} (some journal classes)
        arg, i = c._arg(s, j)
        c.abstract = reflow(c.convert(arg or ""))
    return i


@_handles("texorpdfstring")
def _texorpdfstring(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    arg, i = c._arg(s, i)
    _pdf, i = c._arg(s, i)
    out.append(c.convert(arg or ""))
    return i


@_handles("subfloat", "subcaptionbox")
def _subfloat_command(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    """``\\subfloat[caption]{body}``, ``\\subcaptionbox{caption}{body}``: a sub-caption."""
    if name == "subfloat":
        caption, i = c._optional(s, i)
    else:
        caption, i = c._arg(s, i)
    if caption:
        c.captions.append(reflow(c.convert(caption)).replace("\n", " "))
    body, i = c._arg(s, i)
    saved = c._pending_kind
    c._pending_kind = "sub"
    out.append(c.convert(body or ""))
    c._pending_kind = saved
    return i


@_handles("subcaption")
def _subcaption(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    arg, i = c._arg(s, i)
    c.captions.append(reflow(c.convert(arg or "")).replace("\n", " "))
    return i


_DIMEN = re.compile(
    r"\\s*\\*?\\s*-?[\\d.]+\\s*(?:pt|in|cm|mm|em|ex|bp|pc|sp|mu)"
    r"(?:\\s*(?:plus|minus)\\s*-?[\\d.]+\\s*(?:pt|in|cm|mm|em|ex|fil+))*"
)


@_handles("vskip", "hskip", "kern", "mskip", "vspace*", "hspace*")
def _skip(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    """``\\vskip 0.3in`` and friends: a TeX dimension, not text."""
    if name.endswith("*"):
        _arg, i = c._arg(s, i)
        return i
    m = _DIMEN.match(s, i)
    return m.end() if m else i


@_handles("twocolumn")
def _twocolumn(c: Converter, name: str, s: str, i: int, out: list[str]) -> int:
    """``\\twocolumn[title block]`` (ICML): read for its side effects, print nothing."""
    block, i = c._optional(s, i)
    if block is not None:
        saved = dict(c.macros_unknown)
        c.convert(block)
        c.macros_unknown = saved
    return i
