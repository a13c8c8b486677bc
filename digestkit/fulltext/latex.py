"""Read an arXiv e-print (LaTeX source) into a :class:`~digestkit.fulltext.FullText`.

Why from source: the source has what a PDF loses (section numbers, table grids, math as
TeX) and exists for papers arXiv could not render to HTML. The steps, each a small pure
function: read the archive safely (:mod:`digestkit.fulltext.archive`), pick the main file
(``00README.json``, legacy ``00README.XXX``, else the one with ``\\documentclass``), inline
``\\input`` / ``\\include`` / ``\\subfile`` / ``\\import`` recursively (with a cycle and depth
guard), drop comments, ``comment`` environments and ``\\iffalse`` blocks, read the user's
macros from the preamble, local ``.sty`` files and the body and expand them, then convert
the body in one pass (:mod:`digestkit.fulltext.texconvert`). References come from the
``.bbl`` (what arXiv compiles with), else from ``thebibliography``; never from ``.bib``.

Malformed TeX never raises: it degrades, and ``warnings`` says how. Only an input that is
not an e-print at all (no ``.tex`` in it, PostScript or HTML, an archive past its caps) raises
``InputError``.

>>> ft = extract_latex(rb'''\\documentclass{article}
... \\newcommand{\\method}{FooNet}
... \\title{The \\method{} paper}
... \\begin{document}\\begin{abstract}We train \\method.\\end{abstract}
... \\section{Results}\\label{s:r}
... \\method{} reaches 91.2\\% (Section~\\ref{s:r}).\\footnote{On 8 GPUs.}
... \\end{document}''')
>>> ft.title, ft.abstract, ft.sections[0].label, ft.sections[0].text, ft.footnotes
('The FooNet paper', 'We train FooNet.', '1 Results', 'FooNet reaches 91.2% (Section 1).', ('On 8 GPUs.',))
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from digestkit.errors import InputError
from digestkit.fulltext.archive import ArchiveLimits, read_source, safe_member_path
from digestkit.fulltext.model import FullText, Section
from digestkit.fulltext.texconvert import (
    NESTED_OPTIONAL_LIMIT,
    OPTIONAL_LIMIT,
    SEC,
    Converter,
    bibitems,
    brace_index,
    find_group,
    match_environment,
    optional_end,
    reflow,
    strip_comments,
    words,
)

__all__ = ["ArchiveLimits", "Macro", "extract_latex", "expand_macros", "read_macros"]

MAX_INPUT_DEPTH = 20
MAX_EXPANSION_DEPTH = 30
_TEX_SUFFIXES = (".tex", ".ltx", ".latex")
_NOT_MAIN = re.compile(r"(example|sample|template|test|supp|response|rebuttal|cover)", re.I)
_DOCUMENTCLASS = re.compile(r"^[ \t]*\\documentclass", re.M)
_INCLUDE = re.compile(
    r"\\(input|include|subfile|import|subimport|inputfrom|subinputfrom|includefrom|subincludefrom)"
    r"\*?\s*\{([^{}]*)\}(?:\s*\{([^{}]*)\})?|\\input\s+([A-Za-z0-9_./-]+)"
)
_PROTECTED = words(
    """section subsection subsubsection paragraph chapter part begin end item label ref cite
    caption footnote appendix title input include"""
)


@dataclass(frozen=True)
class Macro:
    """A user macro: ``nargs`` arguments, the first optional with ``default`` when given."""

    body: str
    nargs: int = 0
    default: str | None = None


@dataclass
class _Project:
    files: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    size: int = 0
    limit: int = 0


def extract_latex(data: bytes, *, arxiv_id: str = "", version: int | None = None,
                  limits: ArchiveLimits | None = None) -> FullText:  # fmt: skip
    """The paper in ``data`` (a ``.tex``, gzip or tar of a project) as a FullText."""
    limits = limits or ArchiveLimits()
    raw, notes = read_source(data, limits=limits)
    files = {p: _decode(b) for p, b in raw.items()}
    notes.extend(f"{p} is not UTF-8; read as Latin-1" for p, b in raw.items() if not _is_utf8(b))
    # inlining may repeat a file, but not without bound: a few times the project's text
    inline_cap = min(limits.max_total_bytes, 4 * sum(map(len, files.values())) + (1 << 20))
    project = _Project(files, list(notes), 0, inline_cap)
    main = choose_main(project.files)
    if main is None:
        raise InputError("no .tex file in the e-print")
    _check_latex(project, main)
    text = _assemble(project, main, ())
    preamble, body = _split_document(text)
    macros: dict[str, Macro] = {}
    for sty in _local_packages(project.files, preamble):
        read_macros(_clean(project.files[sty], project.warnings), macros)
    preamble = read_macros(preamble, macros)
    body = read_macros(body, macros)
    preamble = expand_macros(preamble, macros, project.warnings)
    body = expand_macros(body, macros, project.warnings)
    return _build(project, main, preamble, body, arxiv_id=arxiv_id, version=version)


# -- files -----------------------------------------------------------------------------------


_MARK_CHARS = dict.fromkeys(range(4))  # the converter's marks (NUL..ETX) never come from input


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.translate(_MARK_CHARS)


def choose_main(files: dict[str, str]) -> str | None:
    """The top-level file: ``00README.json`` (``usage: toplevel``), then the legacy
    ``00README.XXX`` ``toplevelfile`` line, then the ``.tex`` with ``\\documentclass``
    (ties: ``\\begin{document}``, not an example/sample/template, a matching ``.bbl``,
    the largest).

    >>> choose_main({"a.tex": "x", "paper.tex": "\\\\documentclass{article}\\\\begin{document}"})
    'paper.tex'
    """
    readme = _readme_main(files)
    if readme:
        return readme
    texs = [p for p in files if p.lower().endswith(_TEX_SUFFIXES)]
    if not texs:
        return None
    bbls = {posixpath.splitext(p)[0] for p in files if p.endswith(".bbl")}

    def rank(path: str) -> tuple[bool, bool, bool, bool, int, str]:
        text = files[path]
        return (_DOCUMENTCLASS.search(text) is not None, "\\begin{document}" in text,
                not _NOT_MAIN.search(posixpath.basename(path)),
                posixpath.splitext(path)[0] in bbls, len(text), path)  # fmt: skip

    return max(texs, key=rank)


_TEX_MARKERS = re.compile(r"\\(?:documentclass|begin\{document\}|section|chapter|input|title)\b")


def _check_latex(project: _Project, main: str) -> None:
    """Refuse what is not TeX (a gzipped PostScript or HTML e-print), and say when the
    main file was a guess among several."""
    text = project.files[main]
    head = text.lstrip()[:64]
    if head.startswith(("%!PS", "%PDF-")) or head.lower().startswith(("<!doctype", "<html")):
        raise InputError(f"e-print is not LaTeX source ({head[:10].strip()!r}...)")
    if not _TEX_MARKERS.search(text):
        raise InputError(f"e-print is not LaTeX source: no \\documentclass or \\section in {main}")
    candidates = [p for p, t in project.files.items()
                  if p.lower().endswith(_TEX_SUFFIXES) and _DOCUMENTCLASS.search(t)]  # fmt: skip
    if len(candidates) > 1 and _readme_main(project.files) is None:
        others = ", ".join(sorted(p for p in candidates if p != main))
        project.warnings.append(f"main file {main} chosen over {others}")


def _readme_main(files: dict[str, str]) -> str | None:
    if "00README.json" in files:
        try:
            meta = json.loads(files["00README.json"])
            for src in meta.get("sources") or ():
                name = str(src.get("filename") or "")
                if src.get("usage") == "toplevel" and name in files:
                    return name
        except (ValueError, AttributeError, TypeError):
            pass
    for name in ("00README.XXX", "00README"):
        for line in files.get(name, "").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1] == "toplevelfile" and parts[0] in files:
                return parts[0]
    return None


def _local_packages(files: dict[str, str], preamble: str) -> list[str]:
    found = []
    for m in re.finditer(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}",
                         preamble):  # fmt: skip
        for name in m.group(1).split(","):
            path = name.strip() + ".sty"
            if path in files:
                found.append(path)
    return found


def _clean(text: str, warnings: list[str]) -> str:
    """Comments, ``comment`` environments and ``\\iffalse ... \\fi`` removed."""
    text = strip_comments(text)
    text = _drop_between(text, "\\begin{comment}", "\\end{comment}", warnings)
    return _drop_iffalse(text, warnings)


def _drop_between(text: str, start: str, end: str, warnings: list[str]) -> str:
    out = []
    pos = 0
    while True:
        a = text.find(start, pos)
        if a < 0:
            break
        b = text.find(end, a + len(start))
        if b < 0:
            warnings.append(f"unterminated {start}")
            break
        out.append(text[pos:a])
        pos = b + len(end)
    out.append(text[pos:])
    return "".join(out)


_IF_TOKENS = re.compile(r"\\(if[A-Za-z@]*|fi|else)(?![A-Za-z@])")


def _drop_iffalse(text: str, warnings: list[str]) -> str:
    """``\\iffalse A \\else B \\fi`` -> ``B``; nested ``\\if..\\fi`` counted."""
    if "\\iffalse" not in text:
        return text
    out = []
    pos = 0
    tokens = list(_IF_TOKENS.finditer(text))
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t.group(1) != "iffalse" or t.start() < pos:
            k += 1
            continue
        depth, keep_from, j = 1, -1, k + 1
        while j < len(tokens) and depth:
            word = tokens[j].group(1)
            if word == "fi":
                depth -= 1
            elif word == "else" and depth == 1:
                keep_from = tokens[j].end()
            elif word.startswith("if"):
                depth += 1
            j += 1
        if depth:
            warnings.append("unterminated \\iffalse")
            break
        close = tokens[j - 1]
        out.append(text[pos : t.start()])
        if keep_from >= 0:
            out.append(text[keep_from : close.start()])
        pos = close.end()
        k = j
    out.append(text[pos:])
    return "".join(out)


def _assemble(project: _Project, path: str, stack: tuple[str, ...]) -> str:
    """``path`` with its inputs inlined (recursively, relative to the archive root)."""
    text = _clean(project.files[path], project.warnings)
    project.size += len(text)
    if project.size > project.limit:
        project.warnings.append("inputs inline past 4x the project's size; the rest was skipped")
        return ""
    here = posixpath.dirname(path)

    def inline(m: re.Match[str]) -> str:
        command, a, b, bare = m.group(1) or "input", m.group(2), m.group(3), m.group(4)
        if command in ("import", "subimport", "inputfrom", "subinputfrom", "includefrom",
                       "subincludefrom"):  # fmt: skip
            if b is None:
                return m.group(0)
            base = posixpath.join(here, a) if command.startswith("sub") else a
            name = posixpath.join(base, b)
        else:
            name = (bare or a or "").strip()
            if b is not None:  # \input{a}{b} is \input{a} followed by a group
                return inline_file(name, command) + "{" + b + "}"
        return inline_file(name, command)

    def inline_file(name: str, command: str) -> str:
        target = _resolve(project.files, name.strip(), here)
        if target is None:
            if not name.lower().endswith((".bbl", ".pdf", ".png", ".tikz", ".pgf")):
                project.warnings.append(f"missing \\{command} file {name}")
            return ""
        if target in stack or target == path:
            project.warnings.append(f"\\{command} cycle at {target}; not inlined again")
            return ""
        if len(stack) >= MAX_INPUT_DEPTH:
            project.warnings.append(f"\\input nesting deeper than {MAX_INPUT_DEPTH} at {target}")
            return ""
        inner = _assemble(project, target, (*stack, path))
        if command == "subfile" or "\\begin{document}" in inner:
            inner = _split_document(inner)[1]
        return ("\n\\clearpage\n" if command == "include" else "") + inner + "\n"

    return _INCLUDE.sub(inline, text)


def _resolve(files: dict[str, str], name: str, here: str) -> str | None:
    for base in ("", here):
        for suffix in ("", ".tex"):
            path = safe_member_path(posixpath.join(base, name + suffix)) if name else None
            if path is not None and path in files:
                return path
    return None


def _split_document(text: str) -> tuple[str, str]:
    start = text.find("\\begin{document}")
    if start < 0:
        return "", text
    end = text.find("\\end{document}", start)
    body = text[start + len("\\begin{document}") : end if end >= 0 else len(text)]
    return text[:start], body


# -- macros ------------------------------------------------------------------------------------

_DEFINE = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand|DeclareMathOperator)\*?"
    r"|\\(?:New|Renew|Provide|Declare)DocumentCommand"
    r"|\\[gex]?def(?![A-Za-z@])|\\let(?![A-Za-z@])"
)
_NAME = re.compile(r"\s*(?:\{\s*\\([A-Za-z@]+|.)\s*\}|\\([A-Za-z@]+|.))")


def read_macros(text: str, macros: dict[str, Macro]) -> str:
    """Add the definitions in ``text`` to ``macros``; return ``text`` without them.

    >>> m: dict[str, Macro] = {}
    >>> read_macros(r"a\\newcommand{\\score}[2][x]{#1=\\textbf{#2}}b\\def\\eg{e.g.}c", m)
    'abc'
    >>> m["score"], m["eg"].body
    (Macro(body='#1=\\\\textbf{#2}', nargs=2, default='x'), 'e.g.')
    """
    out = []
    pos = 0
    groups: dict[int, int] | None = None
    for d in _DEFINE.finditer(text):
        if d.start() < pos:
            continue
        groups = groups if groups is not None else brace_index(text)
        parsed = _parse_definition(text, d, groups)
        if parsed is None:
            continue
        name, macro, end = parsed
        keeps_old = d.group().startswith(("\\providecommand", "\\newcommand"))
        if name not in _PROTECTED and not (keeps_old and name in macros):
            macros[name] = macro  # \providecommand and \newcommand never redefine
        out.append(text[pos : d.start()])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _parse_definition(
    text: str, d: re.Match[str], groups: dict[int, int]
) -> tuple[str, Macro, int] | None:
    word = d.group()
    nm = _NAME.match(text, d.end())
    if nm is None:
        return None
    name = nm.group(1) or nm.group(2)
    i = nm.end()
    if word == "\\let":
        target = re.compile(r"\s*=?\s*(\\[A-Za-z@]+|\\.|[^\s\\])").match(text, i)
        if target is None:
            return None
        return name, Macro(target.group(1)), target.end()
    nargs, default = 0, None
    if word.endswith("DocumentCommand"):  # xparse: {m O{default} ...}
        spec_m = re.compile(r"\s*\{").match(text, i)
        spec_end = groups.get(spec_m.end() - 1, -1) if spec_m else -1
        if spec_end < 0:
            return None
        spec = text[text.index("{", i) + 1 : spec_end - 1]
        args = re.findall(r"O\{[^{}]*\}|[moslrvgdRDG]", spec)
        nargs = len(args)
        if args and args[0][0] in "oO":
            default = args[0][2:-1] if args[0].startswith("O") else ""
        i = spec_end
    elif word.endswith("def"):
        params = re.compile(r"[^{]{0,40}").match(text, i)
        assert params is not None
        nargs = params.group().count("#")
        i = params.end()
    else:
        opt = re.compile(r"\s*\[\s*(\d)\s*\]").match(text, i)
        if opt:
            nargs, i = int(opt.group(1)), opt.end()
            if text[i : i + 1] == "[":
                end = optional_end(text, i)
                if end > 0:
                    default, i = text[i + 1 : end - 1], end
    while i < len(text) and text[i] in " \t\n":
        i += 1
    if i >= len(text) or text[i] != "{":
        return None
    end = groups.get(i, -1)  # one brace pass for the whole text: no rescans
    if end < 0:
        return None
    body = text[i + 1 : end - 1]
    if word.startswith("\\DeclareMathOperator"):
        star = "*" if word.endswith("*") else ""
        body = "\\operatorname" + star + "{" + body + "}"
    return name, Macro(body, nargs, default), end


_CALL = re.compile(r"\\([A-Za-z@]+)")
_PARAM = re.compile(r"#(#|[1-9])")


def expand_macros(text: str, macros: dict[str, Macro], warnings: list[str]) -> str:
    """``text`` with user macros replaced by their bodies, recursively (depth-limited, and
    the output capped at 4x the input plus 200 kB, so ``\\def\\a{\\a\\a}`` stops with a warning).

    >>> ms = {"score": Macro("\\\\textbf{#1}", 1), "m": Macro("Foo")}
    >>> expand_macros(r"\\m{} got \\score{0.9}, \\mx", ms, [])
    'Foo got \\\\textbf{0.9}, \\\\mx'
    """
    if not macros:
        return text
    budget = [4 * len(text) + 200_000]
    return _expand(text, macros, warnings, 0, budget)


def _expand(text: str, macros: dict[str, Macro], warnings: list[str], depth: int,
            budget: list[int]) -> str:  # fmt: skip
    out = []
    pos = 0
    while True:
        m = _CALL.search(text, pos)
        if m is None:
            break
        macro = macros.get(m.group(1))
        if m.group(1) in _UNIT_COMMANDS:  # siunitx units (\\second, \\metre) are not user macros
            end = _skip_groups(text, m.end())
            out.append(text[pos:end])
            pos = end
            continue
        if macro is None:
            out.append(text[pos : m.end()])
            pos = m.end()
            continue
        out.append(text[pos : m.start()])
        args, pos = _macro_args(text, m.end(), macro)
        body = _substitute(macro.body, args)
        budget[0] -= len(body)
        if depth >= MAX_EXPANSION_DEPTH or budget[0] < 0:
            _warn_once(warnings, "macro expansion stopped (recursive or too large)")
            out.append(body if budget[0] >= 0 else "")
            continue
        if "\\" in body:
            body = _expand(body, macros, warnings, depth + 1, budget)
        out.append(body)
    out.append(text[pos:])
    return "".join(out)


_UNIT_COMMANDS = words("SI si qty unit SIrange qtyrange")


def _skip_groups(text: str, i: int) -> int:
    """Past the ``[..]`` and ``{..}`` groups that follow (a command's raw arguments)."""
    while True:
        j = i
        while j < len(text) and text[j] in " \t":
            j += 1
        if j >= len(text) or text[j] not in "[{":
            return i
        end = optional_end(text, j) if text[j] == "[" else _short_group_end(text, j)
        if end < 0:
            return i
        i = end


def _short_group_end(text: str, j: int) -> int:
    """Past a short ``{group}`` (a siunitx unit) at ``j``: bounded, so repeats stay linear."""
    close = text.find("}", j + 1, j + OPTIONAL_LIMIT)
    if close >= 0 and "{" not in text[j + 1 : close]:
        return close + 1
    return find_group(text, j, limit=NESTED_OPTIONAL_LIMIT)


def _substitute(body: str, args: list[str]) -> str:
    return _PARAM.sub(lambda p: "#" if p.group(1) == "#" else _nth(args, p.group(1)), body)


def _nth(args: list[str], digit: str) -> str:
    k = int(digit) - 1
    return args[k] if k < len(args) else ""


def _macro_args(text: str, i: int, macro: Macro) -> tuple[list[str], int]:
    args: list[str] = []
    if macro.nargs == 0:
        if text.startswith("{}", i):
            i += 2  # \method{} : the empty group only ends the name
        return args, i
    for k in range(macro.nargs):
        j = i
        while j < len(text) and text[j] in " \t\n":
            j += 1
        if k == 0 and macro.default is not None:
            if j < len(text) and text[j] == "[":
                end = optional_end(text, j)
                if end > 0:
                    args.append(text[j + 1 : end - 1])
                    i = end
                    continue
            args.append(macro.default)
            continue
        if j >= len(text):
            args.append("")
            i = j
        elif text[j] == "{":
            end = find_group(text, j)
            if end < 0:
                args.append(text[j + 1 :])
                i = len(text)
            else:
                args.append(text[j + 1 : end - 1])
                i = end
        elif text[j] == "\\":
            cm = re.compile(r"\\(?:[A-Za-z@]+|.)", re.S).match(text, j)
            end = cm.end() if cm else j + 1
            args.append(text[j:end])
            i = end
        else:
            args.append(text[j])
            i = j + 1
    return args, i


def _warn_once(warnings: list[str], message: str) -> None:
    if message not in warnings:
        warnings.append(message)


# -- building the FullText ---------------------------------------------------------------------


def _build(project: _Project, main: str, preamble: str, body: str, *, arxiv_id: str,
           version: int | None) -> FullText:  # fmt: skip
    top = 1 if re.search(r"\\chapter\*?\s*[\[{]", body) else 2
    conv = Converter(top=top, theorems=read_theorems(preamble + body))
    refs = _bbl_references(project, main, conv)
    title = _title(conv, preamble + "\n" + body)
    text = conv.convert(body)
    if not conv.abstract:
        _preamble_abstract(conv, preamble)
    if not refs and conv.bibitems:
        refs = conv.bibitems
    if not refs and (any(p.endswith(".bib") for p in project.files) or "\\bibliography{" in body):
        project.warnings.append("no .bbl: references are not read from .bib files")
    conv.cite_numbers = {key: k for k, (key, _text) in enumerate(refs, 1) if key}
    sections, tables = _split_sections(conv, text)
    resolve: Callable[[str], str] = conv.resolve
    if conv.macros_unknown:
        names = ", ".join(sorted(conv.macros_unknown))
        project.warnings.append(f"unknown macros (dropped, argument text kept): {names}")
    warnings = [*project.warnings, *conv.warnings]
    return FullText(
        arxiv_id=arxiv_id,
        version=version,
        source="latex",
        title=resolve(title),
        abstract=resolve(conv.abstract),
        sections=tuple(sections),
        tables=tuple(tables),
        captions=tuple(resolve(c) for c in conv.captions),
        footnotes=tuple(resolve(f) for f in conv.footnotes),
        references=tuple(t for _key, t in refs if t),
        license="",
        warnings=tuple(dict.fromkeys(warnings)),
    )


_NEWTHEOREM = re.compile(
    r"\\newtheorem(\*?)\s*\{([^{}]+)\}\s*(?:\[([^\]]*)\])?\s*\{([^{}]*)\}\s*(?:\[([^\]]*)\])?"
)


def read_theorems(text: str) -> dict[str, tuple[str, str, bool]]:
    """``\\newtheorem{lemma}[theorem]{Lemma}[section]`` -> ``{"lemma": ("Lemma", "theorem",
    True)}``: the printed title, the counter it shares, numbered within sections or not.

    >>> read_theorems(r"\\newtheorem{thm}{Theorem}[section]\\newtheorem{lem}[thm]{Lemma}")
    {'thm': ('Theorem', 'thm', True), 'lem': ('Lemma', 'thm', True)}
    """
    out: dict[str, tuple[str, str, bool]] = {}
    for m in _NEWTHEOREM.finditer(text):
        star, name, shared, title, within = m.groups()
        counter = "" if star else (shared or name)
        inherited = out.get(shared or "", ("", "", False))[2]
        out[name.strip()] = (title.strip(), counter.strip(), bool(within) or inherited)
    return out


def _preamble_abstract(conv: Converter, preamble: str) -> None:
    """Some classes (revtex, some journals) take the abstract before ``\\begin{document}``."""
    m = re.search(r"\\begin\{abstract\}|\\abstract\s*\{", preamble)
    if m is None:
        return
    if m.group().startswith("\\begin"):
        end = match_environment(preamble, m.end(), "abstract")[1]
    else:
        end = find_group(preamble, m.end() - 1)
    conv.convert(preamble[m.start() : end if end > 0 else len(preamble)])


def _title(conv: Converter, text: str) -> str:
    m = re.search(r"\\(?:title|icmltitle)\s*(?:\[[^\]]*\])?\s*\{", text)
    if m is None:
        return ""
    end = find_group(text, m.end() - 1)
    raw = text[m.end() : end - 1 if end > 0 else len(text)]
    saved = list(conv.footnotes)
    title = reflow(conv.convert(raw)).replace("\n", " ")
    conv.footnotes[:] = saved  # \thanks and footnotes in the title are not the paper's
    return " ".join(title.split())


def _bbl_references(project: _Project, main: str, conv: Converter) -> list[tuple[str, str]]:
    bbls = sorted(p for p in project.files if p.endswith(".bbl"))
    if not bbls:
        return []
    stem = posixpath.splitext(main)[0]
    chosen = stem + ".bbl" if stem + ".bbl" in bbls else bbls[0]
    text = strip_comments(project.files[chosen])
    macros: dict[str, Macro] = {}
    text = expand_macros(read_macros(text, macros), macros, project.warnings)
    if "\\bibitem" in text:
        return bibitems(conv, text)
    return _biblatex_entries(text)


_FIELD = re.compile(r"\\field\s*\{(title|journaltitle|booktitle|year)\}\s*\{")
_FAMILY = re.compile(r"family=\{([^{}]*)\}")


def _biblatex_entries(text: str) -> list[tuple[str, str]]:
    """biber's ``.bbl`` (``\\entry{key}...\\endentry``): authors, title, venue, year."""
    items = []
    for m in re.finditer(r"\\entry\s*\{([^{}]*)\}(.*?)\\endentry", text, re.S):
        block = m.group(2)
        fields: dict[str, str] = {}
        for f in _FIELD.finditer(block):
            end = find_group(block, f.end() - 1)
            if end > 0:
                fields[f.group(1)] = block[f.end() : end - 1].replace("{", "").replace("}", "")
        authors = ", ".join(_FAMILY.findall(block))
        parts = [authors, fields.get("title", ""),
                 fields.get("journaltitle") or fields.get("booktitle", ""), fields.get("year", "")]  # fmt: skip
        items.append((m.group(1), ". ".join(p for p in parts if p) + "."))
    return items


_MARK = re.compile(SEC + r"([ST])(\d+)" + SEC)


def _split_sections(conv: Converter, text: str) -> tuple[list[Section], list]:
    resolve = conv.resolve
    sections: list[Section] = []
    tables = list(conv.tables)
    pieces = _MARK.split(text)
    pending: list[str] = [pieces[0]]
    current: int | None = None

    def flush() -> None:
        body = reflow(resolve("".join(pending)))
        if current is None:
            if body:
                sections.append(Section("", "", 1, body))
        else:
            mark = conv.sections[current]
            sections.append(Section(mark.number, resolve(mark.heading), mark.level, body,
                                    mark.appendix))  # fmt: skip
        pending.clear()

    for k in range(1, len(pieces), 3):
        kind, index, after = pieces[k], int(pieces[k + 1]), pieces[k + 2]
        if kind == "S":
            flush()
            current = index
        else:
            where = len(sections) if current is not None or "".join(pending).strip() else None
            t = tables[index]
            tables[index] = t.__class__(label=t.label, caption=resolve(t.caption),
                                        rows=tuple(tuple(resolve(c) for c in r) for r in t.rows),
                                        section=where)  # fmt: skip
        pending.append(after)
    flush()
    return sections, tables
