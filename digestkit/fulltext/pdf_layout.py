"""From positioned words to a paper: the lines of each page in reading order
(:mod:`digestkit.fulltext.pdf_lines`), then title, abstract, headings, paragraphs,
captions, table grids, footnotes, references and appendix.

Why a module of its own: this is the part that decides the quality of PDF extraction, and
it needs nothing but word boxes with font sizes, so it is pure (``Page`` values in,
``FullText`` out), testable without a PDF, and independent of the library that read the
words (:mod:`digestkit.fulltext.pdf` reads them with PDFium; ``tools/compare_pdf_libs.py``
feeds pdfminer.six's words through the same code to compare the libraries fairly).

Coordinates are PDF points with y growing upwards (``base`` is the baseline). Math comes
out as the glyphs printed (``α = 0.5``), never as TeX: a PDF does not keep the source.

>>> w = lambda t, x, y, s=10.0, b=False: Word(t, x, x + 6 * len(t), y, s, b)
>>> page = Page(612, 792, (w("Title", 200, 700, 17), w("1", 72, 600, 12, True),
...     w("Introduction", 90, 600, 12, True), w("We", 72, 580), w("study", 90, 580),
...     w("sparse", 125, 580), w("routing.", 165, 580)))
>>> ft = layout((page,))
>>> ft.title, ft.sections[0].label, ft.sections[0].text
('Title', '1 Introduction', 'We study sparse routing.')
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from digestkit.fulltext.model import FullText, Section, Table
from digestkit.fulltext.pdf_lines import (
    LayoutConfig,
    Line,
    Page,
    Word,
    body_size,
    drop_marks,
    mark_furniture,
    page_lines,
)

__all__ = ["LayoutConfig", "Page", "Word", "layout"]


_NUM_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.{0,150})$")
_LETTER_HEAD = re.compile(r"^([A-H](?:\.\d{1,2}){0,2})\.?\s+([A-Z].{0,150})$")
_ROMAN_HEAD = re.compile(r"^([IVX]{1,5})\.\s+([A-Z][A-Z0-9 ,:;&'\-–—]{1,80})$")
_IEEE_SUB = re.compile(r"^([A-H])\.\s+([A-Z].{0,80})$")
_CAPTION = re.compile(r"^(Figure|Fig\.|Table|TABLE|FIGURE)\s*([0-9]{1,3}|[IVX]{1,6})\s*[.:|]")
_UNNUMBERED = {
    "references": "refs",
    "bibliography": "refs",
    "acknowledgments": "ack",
    "acknowledgements": "ack",
    "acknowledgment": "ack",
    "appendix": "appendix",
    "appendices": "appendix",
    "supplementary material": "appendix",
}
# unnumbered section titles of journals and workshops, taken as headings when set apart
# in a bold or larger font (any bold short line would catch run-in labels and table heads)
_PLAIN_HEADINGS = {
    "introduction", "background", "related work", "preliminaries", "method", "methods",
    "methodology", "approach", "experiments", "experimental setup", "evaluation", "results",
    "analysis", "discussion", "limitations", "conclusion", "conclusions", "future work",
    "broader impact", "ethics statement", "materials and methods", "data availability",
}  # fmt: skip
_REF_LABEL = re.compile(r"^\[(\d{1,4})\]|^(\d{1,3})\.\s")


def layout(pages: Sequence[Page], config: LayoutConfig = LayoutConfig(), *, arxiv_id: str = "",
           version: int | None = None) -> FullText:  # fmt: skip
    """The paper printed on ``pages`` (see the module docstring)."""
    pages = [drop_marks(p) for p in pages]
    body = body_size(pages)
    lines = [ln for i, p in enumerate(pages) for ln in page_lines(p, i, body)]
    mark_furniture(lines, pages, config)
    lines = [ln for ln in lines if ln.kind != "drop"]
    ft = _Reader(lines, pages, body, config).read()
    return ft.replace(arxiv_id=arxiv_id, version=version)


@dataclass
class _Paper:
    """What the reading pass has collected, and where it is (``state``: front matter,
    abstract, body or references)."""

    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    refs: list[Line] = field(default_factory=list)
    abstract: list[Line] = field(default_factory=list)
    paras: list[list[Line]] = field(default_factory=list)
    state: str = "front"
    head: tuple[str, str, int] | None = None
    ieee_parent: str = ""
    appendix: bool = False
    number: str = ""  # of the last numbered heading

    def close(self) -> None:
        """The section being read is complete (text before any heading has none)."""
        if self.head is not None:
            text = "\n\n".join(_join(p) for p in self.paras if p)
            number, heading, level = self.head
            self.sections.append(Section(number, heading, level, text, self.appendix))
        self.head, self.paras = None, []

    def start(self, head: tuple[str, str, int] | None, state: str) -> None:
        self.head, self.paras, self.state = head, [], state


class _Reader:
    """One pass over the lines in reading order, labelling and collecting them."""

    def __init__(self, lines: list[Line], pages: Sequence[Page], body: float,
                 config: LayoutConfig) -> None:  # fmt: skip
        self.lines, self.pages, self.body, self.config = lines, pages, body, config
        self.left = _side_edges(lines)
        self.leading = _leading(lines, body)
        self.roman = any(
            _ROMAN_HEAD.match(ln.text) and ln.size >= 0.95 * body and len(ln.words) <= 8
            for ln in lines
        )

    # labels
    def is_heading(self, i: int, after: str | None = None) -> tuple[str, str, int] | None:
        """``(number, heading, level)`` when line ``i`` is a heading: a numbering pattern
        confirmed by a bold or larger font, or (for fonts that do not say they are bold,
        such as TeX's bitmap Type 3 fonts) by a short line numbered as the heading
        ``after`` it would be."""
        ln = self.lines[i]
        text, big = ln.text.strip(), ln.size >= 1.08 * self.body
        strong = (ln.bold or big) and ln.size >= 0.95 * self.body
        if len(ln.words) > 16 or ln.size < 0.95 * self.body:
            return None
        if _CAPTION.match(text):
            return None
        low = text.lower().rstrip(".:")
        if low in _UNNUMBERED and (strong or text.isupper()):
            return "", text.rstrip(".:"), 1
        if low in _PLAIN_HEADINGS and strong:
            return "", text.rstrip(".:"), 1
        if self.roman:
            m = _ROMAN_HEAD.match(text)
            if m:
                return m.group(1), m.group(2).strip(), 1
            m = _IEEE_SUB.match(text)
            if m and (ln.italic or ln.bold) and len(ln.words) <= 10:
                return m.group(1), m.group(2).strip(), 2
        m = _NUM_HEAD.match(text)
        if m and not m.group(2)[0].islower() and not _looks_numeric(m.group(2)):
            short = len(ln.words) <= 10 and not text.endswith(".")
            if strong or (after is not None and short and _follows(after, m.group(1))):
                return m.group(1), m.group(2).strip(), m.group(1).count(".") + 1
        m = _LETTER_HEAD.match(text)
        if m and strong:
            return m.group(1), m.group(2).strip(), m.group(1).count(".") + 1
        return None

    def read(self) -> FullText:
        """Label floats, references and footnotes first, then walk the text once."""
        title = self.take_title()
        self.mark_references()
        self.find_tables_and_captions()
        self.find_footnotes()
        paper = _Paper()
        for i, ln in enumerate(self.lines):
            if ln.kind != "body":
                self.take_float(paper, ln)
            elif (h := self.is_heading(i, paper.number)) is not None:
                self.extend_heading(i)
                self.take_heading(paper, i, h)
            else:
                self.take_text(paper, ln)
        paper.close()
        return self.finish(paper, title)

    def take_float(self, paper: _Paper, ln: Line) -> None:
        if ln.kind in ("caption", "table_caption"):
            paper.captions.append(ln.extra["caption"])
        if ln.kind == "table_caption":
            t = self.tables[int(ln.extra["table"])]
            sec = len(paper.sections) if paper.head is not None else None
            paper.tables.append(Table(t.label, t.caption, t.rows, sec))
        elif ln.kind == "footnote":
            paper.footnotes.append(ln.extra["footnote"])

    def take_heading(self, paper: _Paper, i: int, h: tuple[str, str, int]) -> None:
        paper.close()
        number, text, level = h
        kind = _UNNUMBERED.get(text.lower())
        if kind in ("refs", "appendix"):
            paper.appendix = paper.appendix or kind == "appendix"
            paper.start(None, "refs" if kind == "refs" else "body")
            return
        if self.roman and level == 1 and re.fullmatch(r"[IVX]+", number):
            paper.ieee_parent = number
        elif self.roman and level == 2 and re.fullmatch(r"[A-H]", number):
            number = f"{paper.ieee_parent}-{number}"
        elif re.match(r"[A-H]\b", number) and not self.roman:
            paper.appendix = True
        paper.start((number, self.heading_text(i, text), level), "body")
        paper.number = number

    def take_text(self, paper: _Paper, ln: Line) -> None:
        """Text between headings: front matter, the abstract, references or body."""
        if paper.state == "front":
            start = _abstract_start(ln.text)
            if start is not None:
                paper.state = "abstract"
                if start:
                    paper.abstract.append(_retext(ln, start))
            elif ln.page > 0:  # no heading on page 1: the text before one is body
                paper.start(("", "", 1), "body")
                paper.paras.append([ln])
        elif paper.state == "abstract":
            if ln.page > 0:  # an abstract ends on page 1
                paper.start(("", "", 1), "body")
                paper.paras.append([ln])
            elif re.match(r"(index terms|keywords)\b", ln.text, re.I):
                paper.state = "front_done"
            else:
                paper.abstract.append(ln)
        elif paper.state == "refs":
            paper.refs.append(ln)
        elif paper.state == "body":
            if not paper.paras or self.new_paragraph(paper.paras[-1][-1], ln):
                paper.paras.append([])
            paper.paras[-1].append(ln)

    def finish(self, paper: _Paper, title: str) -> FullText:
        warnings: tuple[str, ...] = ()
        sections = paper.sections
        if not sections and not paper.abstract:
            warnings = ("no section headings found: the text is one untitled section",)
            rest = [ln for ln in self.lines if ln.kind == "body"]
            sections = [Section("", "", 1, _join(rest))] if rest else []
        return FullText(
            source="pdf",
            title=title,
            abstract=_join(paper.abstract),
            sections=tuple(sections),
            tables=tuple(paper.tables),
            captions=tuple(paper.captions),
            footnotes=tuple(paper.footnotes),
            references=tuple(self.split_references(paper.refs)),
            warnings=warnings,
        )

    # pieces
    def take_title(self) -> str:
        first = [ln for ln in self.lines if ln.page == 0 and ln.kind == "body"]
        if not first:
            return ""
        top = max(ln.size for ln in first)
        if top < 1.2 * self.body:
            return ""
        title = [ln for ln in first if ln.size >= top - 0.5]
        if _NUM_HEAD.match(title[0].text):  # no title: the largest print is "1 Introduction"
            return ""
        for ln in title:
            ln.kind = "title"
        return _join(title)

    def extend_heading(self, i: int) -> None:
        """Headings wrapped over two lines: the next line in the same font joins it."""
        ln = self.lines[i]
        j = i + 1
        while j < len(self.lines):
            nx = self.lines[j]
            close = ln.page == nx.page and 0 < ln.base - nx.base <= 1.6 * ln.size
            if not (close and nx.kind == "body" and nx.bold == ln.bold and
                    abs(nx.size - ln.size) < 0.3 and nx.x0 >= ln.x0 - 1 and nx.bold):  # fmt: skip
                break
            if self.is_heading(j) is not None:
                break
            nx.kind = "heading_cont"
            ln.extra["cont"] = ln.extra.get("cont", "") + " " + nx.text
            j += 1

    def heading_text(self, i: int, text: str) -> str:
        return (text + self.lines[i].extra.get("cont", "")).strip()

    def new_paragraph(self, prev: Line, ln: Line) -> bool:
        left = self.left.get((ln.page, ln.side), ln.x0)
        indented = ln.x0 - left >= 0.6 * self.body
        same = prev.page == ln.page and prev.side == ln.side
        return indented or (same and prev.base - ln.base > self.config.para_gap * self.leading)

    def find_tables_and_captions(self) -> None:
        self.tables: list[Table] = []
        lines = self.lines
        for i, ln in enumerate(lines):
            if ln.kind != "body" or ln.size < 0.7 * self.body:
                if ln.kind == "body":
                    ln.kind = "tiny"
                continue
            m = _CAPTION.match(ln.text)
            if not m:
                continue
            j = i + 1
            parts = [ln.text]
            while j < len(lines) and self.caption_continues(lines[j - 1], lines[j], ln):
                lines[j].kind = "caption_cont"
                parts.append(lines[j].text)
                j += 1
            caption = _join_texts(parts)
            ln.extra["caption"] = caption
            ln.kind = "caption"
            if m.group(1).lower().startswith("tab"):
                rows = self.grab_table(ln, +1) or self.grab_table(ln, -1)
                if rows:
                    label = f"{m.group(1)} {m.group(2)}"
                    ln.kind, ln.extra["table"] = "table_caption", str(len(self.tables))
                    self.tables.append(Table(label, caption, rows))

    def caption_continues(self, prev: Line, nx: Line, cap: Line) -> bool:
        return (
            nx.kind == "body"
            and nx.page == prev.page
            and nx.side == prev.side
            and abs(nx.size - cap.size) < 0.3
            and cap.size < 0.97 * self.body
            and 0 < prev.base - nx.base <= 1.6 * cap.size
            and not _CAPTION.match(nx.text)
        )

    def grab_table(self, cap: Line, step: int) -> tuple[tuple[str, ...], ...]:
        """Rows of the table below (``step`` 1) or above (-1) a caption: the run of rows
        printed smaller than the body or split into cells by wide gaps."""
        rows: list[Line] = []
        for ln in self.merged_rows(cap, step):
            cells = _cells(ln, self.config.table_gap)
            if not (ln.size < 0.95 * self.body or len(cells) >= 3) or _CAPTION.match(ln.text):
                break
            if abs((rows[-1] if rows else cap).base - ln.base) > 3 * ln.size:
                break
            rows.append(ln)
        if step < 0:
            rows.reverse()
        grid = _grid(rows, self.config.table_gap)
        if len(grid) < 2 or max(len(r) for r in grid) < 2:
            return ()
        for ln in rows:
            for part in ln.extra["parts"].split():
                self.lines[int(part)].kind = "table"
        return grid

    def merged_rows(self, cap: Line, step: int) -> list[Line]:
        """The lines of the caption's column (and small print across the page) below or
        above it, with the halves of one printed row joined again: a full-width table's
        rows are cut by the gutter like the two columns beside them."""
        idx = []
        for k, ln in enumerate(self.lines):
            if ln.page != cap.page or ln.kind not in ("body", "tiny"):
                continue
            if not (ln.base < cap.base - 1 if step > 0 else ln.base > cap.base + 1):
                continue
            own = ln.side in (cap.side, "S") or cap.side == "S"
            if self.is_heading(k) is not None:
                continue
            if (own and "ref" not in ln.extra) or _cell_like(ln, self.config.table_gap, self.body):
                idx.append(k)
        idx.sort(key=lambda k: -self.lines[k].base * step)
        rows: list[Line] = []
        for k in idx:
            ln = self.lines[k]
            if rows and abs(rows[-1].base - ln.base) < 1.0:
                parts = rows[-1].extra["parts"] + f" {k}"
                rows[-1] = Line(rows[-1].words + ln.words, ln.page, "S", extra={"parts": parts})
            else:
                rows.append(Line(list(ln.words), ln.page, "S", extra={"parts": str(k)}))
        return rows

    def mark_references(self) -> None:
        """Lines from a References heading to the next heading are the bibliography:
        printed small at a column's foot like footnotes, they must not be taken for them."""
        inside = False
        for i, ln in enumerate(self.lines):
            if ln.kind != "body":
                continue
            h = self.is_heading(i)
            if h is not None:
                inside = _UNNUMBERED.get(h[1].lower()) == "refs"
            elif inside and not _CAPTION.match(ln.text):
                ln.extra["ref"] = "1"

    def find_footnotes(self) -> None:
        """Footnotes: the run of small-font lines at the foot of a column, set apart."""
        by_side: dict[tuple[int, str], list[Line]] = {}
        for ln in self.lines:
            if ln.kind in ("body", "tiny"):
                by_side.setdefault((ln.page, ln.side), []).append(ln)
        for group in by_side.values():
            group.sort(key=lambda ln: -ln.base)
            foot: list[Line] = []
            for ln in reversed(group):
                if (ln.size >= 0.9 * self.body or _CAPTION.match(ln.text) or "ref" in ln.extra
                        or (ln.kind == "tiny" and not _is_mark(ln.text))):  # fmt: skip
                    break
                foot.append(ln)
            if not foot or len(foot) == len(group):
                continue
            foot.reverse()
            above = group[len(group) - len(foot) - 1]
            # a footnote sits below a rule, in the lower part of the page; small print
            # right under the text (a code listing, a table without caption) is not one
            if above.base - foot[0].base < 1.2 * self.leading:
                continue
            if foot[0].base > 0.4 * self.pages[foot[0].page].height:
                continue
            notes: list[list[Line]] = []
            mark = True
            for ln in foot:
                starts = mark or ln.x0 < foot[0].x0 - 0.5
                if not starts and notes and notes[-1][-1].base - ln.base > 1.6 * ln.size:
                    starts = True
                if starts and (ln.kind == "tiny" or not notes or not mark):
                    notes.append([])
                mark = ln.kind == "tiny"
                ln.kind = "footnote_cont"
                if not mark:
                    notes[-1].append(ln)
            for note in notes:
                if note:
                    note[0].kind = "footnote"
                    note[0].extra["footnote"] = _join(note)

    def split_references(self, refs: list[Line]) -> list[str]:
        if not refs:
            return []
        labelled = sum(bool(_REF_LABEL.match(ln.text)) for ln in refs) >= max(1, len(refs) // 4)
        entries: list[list[Line]] = []
        for k, ln in enumerate(refs):
            left = self.left.get((ln.page, ln.side), ln.x0)
            if labelled:
                m = _REF_LABEL.match(ln.text)
                start = m is not None and int(m.group(1) or m.group(2)) == len(entries) + 1
            else:
                start = ln.x0 - left < 0.4 * self.body
                if k and refs[k - 1].page == ln.page and refs[k - 1].side == ln.side:
                    start = start or refs[k - 1].base - ln.base > 1.5 * ln.size
            if start or not entries:
                entries.append([])
            entries[-1].append(ln)
        return [_join(e) for e in entries]


# -- helpers ----------------------------------------------------------------------------------


def _follows(prev: str, number: str) -> bool:
    """``number`` may come right after heading ``prev``: its first child, its next
    sibling or the next of an ancestor (``3.1`` -> ``3.1.1``, ``3.2``, ``4``).

    >>> [_follows("3.1", n) for n in ("3.1.1", "3.2", "4", "3.3", "5", "1")]
    [True, True, True, False, False, False]
    """
    if not re.fullmatch(r"\d+(\.\d+)*", prev or "0"):
        return False
    p = [int(x) for x in (prev or "0").split(".")]
    nexts = [[*p, 1]] + [[*p[:k], p[k] + 1] for k in range(len(p))]
    return number in {".".join(map(str, n)) for n in nexts}


def _is_mark(text: str) -> bool:
    """A footnote mark printed on a line of its own: ``1``, ``*``, ``†``."""
    return bool(re.fullmatch(r"[\d*†‡§¶]{1,3}", text.strip()))


def _looks_numeric(text: str) -> bool:
    toks = text.split()
    return sum(bool(re.fullmatch(r"[-+]?[\d.,%]+", t)) for t in toks) >= max(1, len(toks) // 2)


def _side_edges(lines: Iterable[Line]) -> dict[tuple[int, str], float]:
    """The left edge of each page column: the most common line start (paragraph
    indents and centred lines are fewer)."""
    starts: dict[tuple[int, str], Counter[int]] = {}
    for ln in lines:
        starts.setdefault((ln.page, ln.side), Counter())[round(ln.x0)] += 1
    edges = {}
    for k, c in starts.items():
        top = c.most_common(1)[0][1]
        edges[k] = float(
            min(x for x, n in c.items() if n >= max(2, top // 3)) if top > 1 else min(c)
        )
    return edges


def _leading(lines: Sequence[Line], body: float) -> float:
    gaps: Counter[float] = Counter()
    for a, b in zip(lines, lines[1:], strict=False):
        if a.page == b.page and a.side == b.side and abs(a.size - body) < 0.3:
            d = round(a.base - b.base, 1)
            if 0 < d < 3 * body:
                gaps[d] += 1
    return gaps.most_common(1)[0][0] if gaps else 1.2 * body


def _abstract_start(text: str) -> str | None:
    """``None`` unless the line opens the abstract; else what follows the word."""
    m = re.match(r"^\s*abstract\s*([—–:.\-]\s*)?(.*)$", text, re.I)
    if not m:
        return None
    if m.group(1) is None and m.group(2):
        return None
    return m.group(2)


def _retext(ln: Line, text: str) -> Line:
    out = Line(list(ln.words), ln.page, ln.side)
    out.text = text
    return out


def _join(lines: Sequence[Line]) -> str:
    return _join_texts([ln.text for ln in lines])


def _join_texts(parts: Sequence[str]) -> str:
    """Lines into running text, rejoining words hyphenated at a line end (``represen-`` +
    ``tations``). A compound broken at its own hyphen keeps it: one with another hyphen
    (``state-of-`` + ``the-art``), or two common words that are no word together
    (``transformer-`` + ``based``; English word frequencies decide).

    >>> _join_texts(["learned represen-", "tations of state-of-", "the-art models", "Next."])
    'learned representations of state-of-the-art models Next.'
    >>> _join_texts(["a transformer-", "based model in wall-", "clock time, state-", "of-the-art"])
    'a transformer-based model in wall-clock time, state-of-the-art'
    """
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        last = out[-1] if out else ""
        if last.endswith("-") and part[:1].islower() and last[-2:-1].isalpha():
            stem = last.rsplit(" ", 1)[-1][:-1]
            out[-1] = last if _keeps_hyphen(stem, part) else last[:-1]
            out[-1] += part
        else:
            out.append(part)
    return " ".join(out)


def _keeps_hyphen(stem: str, rest: str) -> bool:
    if "-" in stem or "-" in rest.split(" ", 1)[0]:  # state-of-the-art, cut anywhere
        return True
    a = re.sub(r"^\W+", "", stem).lower()
    m = re.match(r"[a-z]+", rest)
    b = m.group() if m else ""
    if len(a) < 4 or len(b) < 4:
        return False
    return _zipf(a + b) < 1.0 and _zipf(a) >= 3.0 and _zipf(b) >= 3.0


@functools.lru_cache(maxsize=4096)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _cells(ln: Line, gap: float) -> list[list[Word]]:
    cells: list[list[Word]] = []
    for w in ln.words:
        if cells and w.x0 - cells[-1][-1].x1 <= gap * w.size:
            cells[-1].append(w)
        else:
            cells.append([w])
    return cells


def _cell_like(ln: Line, gap: float, body: float) -> bool:
    """Two or more short cells in small print or mostly numbers (``84.1  10.4  77.9``),
    not a justified line of prose with wide spaces."""
    cells = _cells(ln, gap)
    if len(cells) < 2 or sum(len(c) for c in cells) > 2.5 * len(cells):
        return False
    numeric = sum(_looks_numeric(" ".join(w.text for w in c)) for c in cells)
    return ln.size < 0.95 * body or numeric * 2 >= len(cells)


def _grid(rows: Sequence[Line], gap: float) -> tuple[tuple[str, ...], ...]:
    """Cells of each row, aligned to the columns of the row with the most cells."""
    if not rows:
        return ()
    split = [_cells(r, gap) for r in rows]
    anchor = max(split, key=len)
    spans = [(c[0].x0, c[-1].x1) for c in anchor]
    grid = []
    for cells in split:
        row = [""] * len(spans)
        for c in cells:
            mid = (c[0].x0 + c[-1].x1) / 2
            k = min(range(len(spans)), key=lambda k: _distance(mid, spans[k]))
            row[k] = (row[k] + " " + " ".join(w.text for w in c)).strip()
        grid.append(tuple(row))
    return tuple(grid)


def _distance(x: float, span: tuple[float, float]) -> float:
    return 0.0 if span[0] <= x <= span[1] else min(abs(x - span[0]), abs(x - span[1]))
