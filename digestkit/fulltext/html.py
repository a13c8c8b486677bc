"""arXiv's HTML rendering (LaTeXML output, also ar5iv pages) read into a :class:`FullText`.

Why a LaTeXML-aware reader rather than a generic HTML-to-text pass: LaTeXML marks up what
a summary needs (``section.ltx_section`` with ``span.ltx_tag`` numbers, ``figure.ltx_table``
grids, ``math[alttext]`` with the author's TeX, inline footnotes, ``li.ltx_bibitem``), and a
generic pass turns the same page into MathML noise (every ``<mn>`` a stray number),
footnotes in mid-sentence, table cells as loose words and the bibliography glued to the
conclusion. The class names are LaTeXML's (``../shared/reference/arxiv-fulltext.md``).

How: one lxml parse, then one walk. Block-level elements (sections, paragraphs, lists,
floats, equation tables) are visited recursively, at most ``_MAX_BLOCK_DEPTH`` deep (real
papers nest about 10; deeper blocks are read as inline text); inline content is collected
by an explicit stack. Every element is visited a bounded number of times, so time is
linear in the page size.

Decisions a reader of the output should know:
- ``ltx_paragraph`` run-in headings ("Datasets.") are sections one level below their
  parent, without the trailing dot: they can be cited, and their text is not repeated.
- Levels come from nesting: with chapters, a chapter is level 1 and its sections 2.
- An equation table gives one ``$$TeX$$ (n)`` line per row (aligned cells joined).
- A float's captions go to ``captions`` (subfigures too, as printed: "Figure 2: ...",
  "(a) ..."); its grids become one Table; other text set in it (an algorithm listing, a
  prompt box) stays in the section text.

Why lxml and not selectolax: selectolax (lexbor) parsed a 300 kB page 4x faster (2.1 vs
8.7 ms; 8 vs 15 ms with the walk), but its parse time grows faster than linearly with
nested block elements (20,000 nested ``<div>`` took 0.9 s, 200,000 took three minutes),
while libxml2 stops at depth 256 in constant time; lxml is also already installed (arxiv).

>>> page = (b'<article class="ltx_document"><h1 class="ltx_title ltx_title_document">T</h1>'
...   b'<section class="ltx_section" id="S1"><h2 class="ltx_title ltx_title_section">'
...   b'<span class="ltx_tag ltx_tag_section">1 </span>Introduction</h2>'
...   b'<div class="ltx_para"><p class="ltx_p">We use <math alttext="k=8" display="inline">'
...   b'<mi>k</mi><mo>=</mo><mn>8</mn></math> experts.</p></div></section></article>')
>>> ft = extract_html(page, arxiv_id="2501.00001")
>>> ft.title, ft.sections[0].number, ft.sections[0].heading, ft.sections[0].text
('T', '1', 'Introduction', 'We use $k=8$ experts.')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from digestkit.fulltext.html_page import (
    Landmarks,
    class_list,
    collapse,
    decode_page,
    landmarks,
    licence_url,
    page_id,
    parse_page,
    split_id,
)
from digestkit.fulltext.model import FullText, Section, Table

__all__ = ["extract_html"]

# LaTeXML's sectioning units, outermost first; their nesting gives the level.
_SECTIONING = frozenset(
    [
        "ltx_part",
        "ltx_chapter",
        "ltx_section",
        "ltx_subsection",
        "ltx_subsubsection",
        "ltx_paragraph",
        "ltx_subparagraph",
        "ltx_appendix",
        "ltx_acknowledgements",
    ]
)
# Page furniture and front matter that is not section text (title and abstract are read
# on their own).
_SKIP_CLASSES = frozenset(
    [
        "ltx_authors",
        "ltx_dates",
        "ltx_keywords",
        "ltx_classification",
        "ltx_abstract",
        "ltx_title_document",
        "ltx_page_footer",
        "ltx_page_header",
        "ltx_page_navbar",
        "ltx_TOC",
        "ltx_pagination",
        "ltx_index",
        "ltx_page_logo",
        "package-alerts",
    ]
)
_SKIP_IDS = frozenset(
    ["target-section", "infobox", "license-tr", "watermark-tr", "header", "footer"]
)
_SKIP_TAGS = frozenset(
    [
        "head",
        "script",
        "style",
        "noscript",
        "template",
        "button",
        "form",
        "svg",
        "img",
        "iframe",
        "header",
        "nav",
        "footer",
        "input",
        "select",
        "textarea",
        "canvas",
        "video",
        "audio",
        "object",
    ]
)
# Elements whose text is set apart from its neighbours by a space when read inline.
_SPACED_TAGS = frozenset(
    [
        "div",
        "p",
        "li",
        "td",
        "th",
        "tr",
        "dd",
        "dt",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "figure",
        "blockquote",
        "table",
        "ul",
        "ol",
        "dl",
        "caption",
        "pre",
    ]
)
_SPACED_CLASSES = frozenset({"ltx_bibblock", "ltx_tag_bibitem", "ltx_tag_listingline"})
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_TAG_WORD = re.compile(r"^(?:chapter|appendix|part|section|§)\s*", re.IGNORECASE)
# Blocks nested deeper than this are read inline (iteratively), and notes inside notes
# deeper than _MAX_NOTE_DEPTH stay in the text: the recursion stays far from Python's
# limit whatever the page (real papers nest sections 4 deep, notes 1).
_MAX_BLOCK_DEPTH = 60
_MAX_NOTE_DEPTH = 4


def extract_html(data: bytes, *, arxiv_id: str = "", version: int | None = None) -> FullText:
    """Read arXiv's (or ar5iv's) HTML rendering of a paper; see the module docstring.

    ``arxiv_id``/``version`` are taken from the page (watermark, canonical link, title)
    when not given. Raises :class:`InputError` only for bytes that are not HTML at all;
    an empty page, a page that is not LaTeXML or a damaged one gives a FullText whose
    ``warnings`` say so.

    >>> extract_html(b"").warnings
    ('empty document',)
    >>> extract_html(b"<html><body><p>Hello <b>world</b></p></body></html>").sections[0].text
    'Hello world'
    """
    warnings: list[str] = []
    text = decode_page(data, warnings)
    root = parse_page(text, warnings) if text.strip() else None
    if root is None:
        arxiv_id, given_version = split_id(arxiv_id)
        version = given_version if version is None else version
        return FullText(arxiv_id=arxiv_id, version=version, source="html",
                        warnings=tuple(warnings) or ("empty document",))  # fmt: skip
    return _Reader(warnings).read(root, arxiv_id, version)


def _first_with_class(name: str) -> Any:
    """A compiled XPath for the first descendant with class ``name`` (compiled once:
    compiling per call cost more than the search)."""
    return etree.XPath(
        f"(.//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')])[1]"
    )


_FIND_TAG = _first_with_class("ltx_tag")
_FIND_NOTE_CONTENT = _first_with_class("ltx_note_content")


def _first(root: Any, xpath: Any) -> Any | None:
    found = xpath(root)
    return found[0] if found else None


@dataclass
class _Sec:
    """A section being read; ``index`` is its place in ``FullText.sections``."""

    number: str
    heading: str
    level: int
    appendix: bool
    index: int | None
    blocks: list[str] = field(default_factory=list)


class _Reader:
    """One page's reading state: the sections, floats and notes found so far."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self.sections: list[_Sec] = []
        self.tables: list[Table] = []
        self.captions: list[str] = []
        self.footnotes: list[str] = []
        self.references: list[str] = []
        self.errors: Counter[str] = Counter()
        self.taken: set[Any] = set()  # captions and grids already read with their float
        self.in_float = 0
        self.in_note = 0

    # -- the page ----------------------------------------------------------------------------

    def read(self, root: Any, arxiv_id: str, version: int | None) -> FullText:
        marks = landmarks(root)
        arxiv_id, version = _identity(marks, arxiv_id, version)
        doc = marks.article if marks.article is not None else marks.content
        title = ""
        if doc is None:
            doc = self._not_latexml(root, marks)
            title = re.sub(r"^\s*\[[^\]]*\]\s*", "", marks.head_title)
        elif marks.title_h1 is not None:
            title = collapse(self._inline(marks.title_h1))
        abstract = self._abstract(marks.abstract) if doc is not None else ""
        if doc is not None:
            self._body(doc, latexml=doc is marks.article or doc is marks.content)
        return FullText(
            arxiv_id=arxiv_id,
            version=version,
            source="html",
            title=title,
            abstract=abstract,
            sections=tuple(
                Section(s.number, s.heading, s.level, "\n\n".join(s.blocks), s.appendix)
                for s in self.sections
            ),
            tables=tuple(self.tables),
            captions=tuple(self.captions),
            footnotes=tuple(self.footnotes),
            references=tuple(self.references),
            license=licence_url(marks),
            warnings=tuple(self.warnings + self._error_warnings()),
        )

    def _body(self, doc: Any, *, latexml: bool) -> None:
        self._blocks(doc, None, 0, False, 0, None)
        for merror in doc.iter("merror"):  # errors inside math, which the walk skips
            self.errors[collapse(merror.text_content())[:80]] += 1
        if latexml and not any(s.blocks for s in self.sections):
            # LaTeXML stops at a fatal error and arXiv serves what it has.
            self.warnings.append("no section text found (the conversion may have failed)")

    def _not_latexml(self, root: Any, marks: Landmarks) -> Any | None:
        heading = marks.first_h1 or marks.head_title
        if "No HTML for" in heading or "No HTML for" in marks.head_title:
            self.warnings.append(f"arXiv has no HTML for this paper ({heading})")
            return None
        self.warnings.append("not a LaTeXML page (arXiv HTML or ar5iv): read as plain HTML")
        return root.find("body") if root.find("body") is not None else root

    def _abstract(self, div: Any | None) -> str:
        if div is None:
            return ""
        sink = _Sec("", "", 0, False, None)
        title = next((c for c in div if c.tag in _HEADINGS), None)
        self._blocks(div, sink, 0, False, 0, title)
        return "\n\n".join(sink.blocks)

    def _error_warnings(self) -> list[str]:
        out = []
        for text, n in self.errors.most_common(20):
            if text.startswith("\\"):
                what = f"unresolved macro {text}"
            elif text.startswith("{"):
                what = f"unresolved environment {text}"
            else:
                what = f"LaTeXML error: {text[:60]}"
            out.append(what + (f" ({n} times)" if n > 1 else ""))
        if len(self.errors) > 20:
            out.append(f"... and {len(self.errors) - 20} more LaTeXML errors")
        return out

    # -- blocks ------------------------------------------------------------------------------

    def _emit(self, owner: _Sec | None, text: str) -> None:
        """Add a finished block (paragraph, list, equation lines) to ``owner``'s text."""
        if not text:
            return
        if owner is None:  # text outside any section: an untitled one, in reading order
            last = self.sections[-1] if self.sections else None
            if last is None or last.heading or last.number or last.level != 1:
                last = _Sec("", "", 1, False, len(self.sections))
                self.sections.append(last)
            owner = last
        owner.blocks.append(text)

    def _blocks(self, box: Any, owner: _Sec | None, level: int, appendix: bool, depth: int,
                skip: Any | None) -> None:  # fmt: skip
        """Read the children of ``box`` into ``owner``'s text: runs of inline content
        become paragraphs, block children are dispatched on their kind."""
        buf = [box.text or ""]
        for child in box:
            tag = child.tag
            if not isinstance(tag, str) or child is skip or child in self.taken:
                buf.append(child.tail or "")
                continue
            if self._is_block(child, tag):
                self._emit(owner, collapse("".join(buf)))
                buf = []
                self._block(child, tag, owner, level, appendix, depth)
            else:
                buf.append(self._inline(child))
            buf.append(child.tail or "")
        self._emit(owner, collapse("".join(buf)))

    def _is_block(self, el: Any, tag: str) -> bool:
        if tag in _SPACED_TAGS or tag in _SKIP_TAGS:
            return True
        cls = el.get("class")
        return bool(cls) and any(c in _SECTIONING or c in _SKIP_CLASSES for c in cls.split())

    def _block(self, el: Any, tag: str, owner: _Sec | None, level: int, appendix: bool,
               depth: int) -> None:  # fmt: skip
        classes = class_list(el)
        if tag in _SKIP_TAGS or el.get("id") in _SKIP_IDS or _SKIP_CLASSES.intersection(classes):
            return
        if depth > _MAX_BLOCK_DEPTH:
            self._emit(owner, collapse(self._inline(el)))
        elif "ltx_bibliography" in classes:
            self._bibliography(el)
        elif _SECTIONING.intersection(classes):
            self._section(el, classes, level, appendix, depth)
        elif tag == "figure" and not self.in_float:
            self._float(el, owner, level, appendix, depth)
        elif tag == "table":
            if _is_equation(classes):
                self._emit(owner, self._equation(el))
            else:
                self._table(el, owner, "", "")
        elif tag in ("ul", "ol", "dl"):
            self._emit(owner, self._list(el))
        elif tag in ("p", "pre") or tag in _HEADINGS:
            self._emit(owner, collapse(self._inline(el)))
        else:
            self._blocks(el, owner, level, appendix, depth + 1, None)

    def _section(self, el: Any, classes: list[str], level: int, appendix: bool,
                 depth: int) -> None:  # fmt: skip
        title = next(
            (
                c
                for c in el
                if isinstance(c.tag, str) and (c.tag in _HEADINGS or "ltx_title" in class_list(c))
            ),
            None,
        )
        number, heading = "", ""
        if title is not None:
            tag = _first(title, _FIND_TAG)
            if tag is not None:
                number = _TAG_WORD.sub("", collapse(tag.text_content())).rstrip(".:").strip()
            heading = collapse(self._inline(title, skip_tags=True))
            if heading.endswith(".") and not heading.endswith(".."):
                heading = heading[:-1].rstrip()
        appendix = appendix or "ltx_appendix" in classes
        sec = _Sec(number, heading, level + 1, appendix, len(self.sections))
        self.sections.append(sec)
        self._blocks(el, sec, level + 1, appendix, depth + 1, title)

    def _bibliography(self, el: Any) -> None:
        for item in el.iter("li"):
            if "ltx_bibitem" in class_list(item) or not class_list(item):
                text = collapse(self._inline(item))
                if text:
                    self.references.append(text)

    def _list(self, el: Any) -> str:
        lines = []
        term = ""
        for item in el:
            if item.tag == "dt":
                term = collapse(self._inline(item))  # a description's term is its tag
            elif item.tag in ("li", "dd"):
                text = collapse(self._inline(item, skip_tags=True))
                if term:
                    text, term = f"{term} {text}".strip(), ""
                if text:
                    lines.append(f"- {text}")
        return "\n".join(lines)

    # -- floats and tables -----------------------------------------------------------------

    def _float(self, el: Any, owner: _Sec | None, level: int, appendix: bool,
               depth: int) -> None:  # fmt: skip
        """A figure or table float: every caption (subfigures too) goes to ``captions``;
        its grids become one :class:`Table` labelled by the first table caption; other
        text set in it (a prompt box, an algorithm listing) is section text."""
        grids: list[Any] = []
        caps: list[tuple[str, str, str]] = []
        stack = list(reversed(el))
        while stack:
            node = stack.pop()
            if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS:
                continue
            if node.tag == "figcaption":
                caps.append(self._caption(node))
                self.taken.add(node)
            elif node.tag == "table" and not _is_equation(class_list(node)):
                grids.append(node)
                self.taken.add(node)
            else:
                stack.extend(reversed(node))
        self.captions.extend(shown for _, _, shown in caps)
        if grids:
            label, caption, _ = next(
                (c for c in caps if c[0].lower().startswith("table")),
                caps[0] if caps else ("", "", ""),
            )
            rows = [r for g in grids for r in self._rows(g)]
            self.tables.append(Table(label, caption, tuple(rows), owner.index if owner else None))
        self.in_float += 1
        self._blocks(el, owner, level, appendix, depth + 1, None)
        self.in_float -= 1

    def _caption(self, el: Any) -> tuple[str, str, str]:
        """``("Table 3", "Accuracy ...", "Table 3: Accuracy ...")``: label, text, as shown."""
        tag = _first(el, _FIND_TAG)
        printed = collapse(tag.text_content()) if tag is not None else ""
        text = collapse(self._inline(el, skip_tags=True))
        return printed.rstrip(":.").strip(), text, f"{printed} {text}".strip()

    def _table(self, el: Any, owner: _Sec | None, label: str, caption: str) -> None:
        rows = self._rows(el)
        if rows:
            self.tables.append(Table(label, caption, tuple(rows), owner.index if owner else None))

    def _rows(self, table: Any) -> list[tuple[str, ...]]:
        rows = []
        for tr in _table_rows(table):
            cells = tuple(
                collapse(self._inline(c, cells=True)) for c in tr if c.tag in ("td", "th")
            )
            if any(cells):
                rows.append(cells)
        return rows

    def _equation(self, el: Any) -> str:
        """An equation table as one ``$$TeX$$ (n)`` line per row."""
        lines = []
        for tr in _table_rows(el):
            parts, number = [], ""
            for td in tr:
                if not isinstance(td.tag, str):
                    continue
                text = collapse(self._inline(td, raw_math=True))
                if "ltx_eqn_eqno" in class_list(td):
                    number = text
                elif text:
                    parts.append(text)
            if parts:
                lines.append(f"$${' '.join(parts)}$$" + (f" {number}" if number else ""))
        return "\n".join(lines)

    # -- inline content --------------------------------------------------------------------

    def _inline(self, root: Any, *, skip_tags: bool = False, cells: bool = False,
                raw_math: bool = False) -> str:  # fmt: skip
        """The text of ``root`` (without its tail): math as ``$TeX$``, footnotes moved
        out, ``ltx_ERROR`` noted; an explicit stack, so any depth reads in linear time.
        ``cells``: grids inside are read as text (a cell's nested tabular); otherwise
        they become tables. ``skip_tags``: drop ``span.ltx_tag`` (numbers, bullets)."""
        out: list[str] = []
        stack: list[Any] = [root]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
                continue
            if item is not root and item.tail:
                stack.append(item.tail)
            tag = item.tag
            if not isinstance(tag, str):
                continue
            shown = self._inline_element(item, tag, skip_tags, cells, raw_math)
            if shown is not None:
                out.append(shown)
                continue
            cls = item.get("class")
            if tag in _SPACED_TAGS or (cls and _SPACED_CLASSES.intersection(cls.split())):
                out.append(" ")
                stack.append(" ")
            stack.extend(reversed(item))
            if item.text:
                stack.append(item.text)
        return "".join(out)

    def _inline_element(self, el: Any, tag: str, skip_tags: bool, cells: bool,
                        raw_math: bool) -> str | None:  # fmt: skip
        """What an element shows inline, or ``None`` to read its children."""
        if tag == "math":
            return _math(el, raw_math)
        if tag in _SKIP_TAGS:
            return ""
        if tag == "br":
            return " "
        cls = el.get("class")
        if not cls:
            return None
        classes = cls.split()
        if "ltx_note" in classes and self.in_note < _MAX_NOTE_DEPTH:
            self._note(el)
            return ""
        if "ltx_note_mark" in classes or "ltx_tag_note" in classes or "ltx_note_type" in classes:
            return ""
        if "ltx_ERROR" in classes:
            self.errors[collapse(el.text_content())[:80]] += 1
            return None
        if skip_tags and "ltx_tag" in classes:
            return ""
        if tag == "table" and _is_equation(classes):
            return " " + self._equation(el).replace("\n", " ") + " "
        if tag == "table" and el in self.taken:
            return ""
        if tag == "table" and not cells:
            self._table(el, self._current(), "", "")
            return " "
        return None

    def _current(self) -> _Sec | None:
        return self.sections[-1] if self.sections else None

    def _note(self, el: Any) -> None:
        """A footnote's text (without its marks) to ``footnotes``."""
        self.in_note += 1
        content = _first(el, _FIND_NOTE_CONTENT)
        if content is not None:
            raw = self._inline(content)
        else:  # not the note itself: its root would be read as a note again
            raw = (el.text or "") + "".join(self._inline(c) + (c.tail or "") for c in el)
        self.in_note -= 1
        text = collapse(raw)
        if text:
            self.footnotes.append(text)


def _identity(marks: Landmarks, arxiv_id: str, version: int | None) -> tuple[str, int | None]:
    """The id and version given (``"2501.00001v2"`` is split), else the page's; the
    page's version only when it is the same paper."""
    found_id, page_version = page_id(marks)
    arxiv_id, given_version = split_id(arxiv_id)
    version = given_version if version is None else version
    arxiv_id = arxiv_id or found_id
    if version is None and arxiv_id == found_id:
        version = page_version
    return arxiv_id, version


def _is_equation(classes: list[str]) -> bool:
    return any(c in ("ltx_equation", "ltx_equationgroup", "ltx_eqn_table") for c in classes)


def _table_rows(table: Any) -> list[Any]:
    """The rows of ``table`` itself (through thead/tbody/tfoot), not of nested tables."""
    rows = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    return rows


def _math(el: Any, raw: bool) -> str:
    """``<math alttext>`` as TeX; MathML children (``<mn>`` and friends) never show."""
    tex = el.get("alttext")
    if tex is None:
        ann = next((a for a in el.iter("annotation") if "tex" in (a.get("encoding") or "")), None)
        tex = ann.text_content() if ann is not None else ""
    tex = re.sub(r"^\\displaystyle\s*", "", collapse(tex))
    if raw or not tex:
        return tex
    return f"$${tex}$$" if el.get("display") == "block" else f"${tex}$"
