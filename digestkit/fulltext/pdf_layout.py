"""From positioned words to a paper: columns, reading order, running heads, paragraphs,
headings, captions, tables, footnotes and references.

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

__all__ = ["LayoutConfig", "Page", "Word", "layout"]


@dataclass(frozen=True)
class Word:
    """A word as printed: text, horizontal extent, baseline, font size and style."""

    text: str
    x0: float
    x1: float
    base: float
    size: float
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class LayoutConfig:
    """Thresholds of the layout analysis, in units of the body font size unless noted.

    ``margin_zone``: share of the page height at top and bottom where running heads and
    page numbers live (a line there repeating on ``repeat_share`` of the pages is dropped;
    0.3, not 0.5, because two-sided styles alternate the title and the authors).
    ``para_gap``: a baseline gap this many times the usual line spacing starts a paragraph
    (first-line indents start one too). ``table_gap``: a horizontal gap this many times the
    table's font size separates two cells.
    """

    margin_zone: float = 0.09
    repeat_share: float = 0.3
    para_gap: float = 1.3
    table_gap: float = 0.6


@dataclass
class Line:
    words: list[Word]
    page: int
    side: str  # "S" spans the page, "L"/"R" a column
    kind: str = "body"
    x0: float = 0.0
    x1: float = 0.0
    base: float = 0.0
    size: float = 0.0
    bold: bool = False
    italic: bool = False
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.words.sort(key=lambda w: w.x0)
        ws = self.words
        self.x0, self.x1 = min(w.x0 for w in ws), max(w.x1 for w in ws)
        self.base = sum(w.base for w in ws) / len(ws)
        n = sum(len(w.text) for w in ws) or 1
        self.size = max(ws, key=lambda w: len(w.text)).size
        self.bold = sum(len(w.text) for w in ws if w.bold) > n / 2
        self.italic = sum(len(w.text) for w in ws if w.italic) > n / 2
        self.text = " ".join(w.text for w in ws)


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
_BARE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s+of\s+\d+)?$", re.I)
_REF_LABEL = re.compile(r"^\[(\d{1,4})\]|^(\d{1,3})\.\s")


def layout(
    pages: Sequence[Page], config: LayoutConfig = LayoutConfig(), **meta: object
) -> FullText:
    """The paper printed on ``pages`` (see the module docstring)."""
    pages = [_drop_marks(p) for p in pages]
    body = _body_size(pages)
    lines = [ln for i, p in enumerate(pages) for ln in _page_lines(p, i, body)]
    _mark_furniture(lines, pages, config)
    lines = [ln for ln in lines if ln.kind != "drop"]
    return _Reader(lines, pages, body, config).read(**meta)


# -- words to lines -------------------------------------------------------------------------


def _drop_marks(page: Page) -> Page:
    """Drop superscript marks (footnote marks, ``1`` after ``public``): small words raised
    above and touching a larger word next to them in the content stream."""
    ws = page.words
    keep = []
    for i, w in enumerate(ws):
        mark = False
        for j in (i - 1, i + 1):
            if 0 <= j < len(ws):
                o = ws[j]
                touch = -1.0 < (w.x0 - o.x1 if j < i else o.x0 - w.x1) < 1.5
                if touch and o.size >= 1.25 * w.size and w.base - o.base > 0.15 * o.size:
                    mark = True
        if not mark:
            keep.append(w)
    return Page(page.width, page.height, tuple(keep))


def _body_size(pages: Sequence[Page]) -> float:
    sizes: Counter[float] = Counter()
    for p in pages:
        for w in p.words:
            sizes[round(w.size * 2) / 2] += len(w.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _gutter(page: Page, body: float) -> tuple[float, float] | None:
    """The middle and width of the white strip between two columns, or ``None`` on a
    one-column page. Words in the body font are asked first (a full-width table in small
    print has white strips of its own), then all words (a column of small-print
    references beside a column of text)."""
    text = [w for w in page.words if abs(w.size - body) < 0.6]
    return _strip(page, text) or _strip(page, list(page.words))


def _strip(page: Page, words: list[Word]) -> tuple[float, float] | None:
    lo, hi = int(page.width * 0.35), int(page.width * 0.65)
    cross = [0] * (hi - lo + 1)
    for w in words:
        for x in range(max(lo, int(w.x0) + 1), min(hi, int(w.x1)) + 1):
            cross[x - lo] += 1
    if not cross or not words:
        return None
    # full-width lines (title, abstract) cross the gutter too, but far fewer than the
    # lines of a column cross any x inside it: a strip is where crossings stay near the least
    best = min(cross)
    limit = best + 0.2 * (sorted(cross)[len(cross) // 2] - best)
    runs, start = [], None
    for k, c in enumerate([*cross, limit + 1]):
        if c <= limit and start is None:
            start = k
        elif c > limit and start is not None:
            runs.append((k - start, start))
            start = None
    # the strip nearest the middle: hanging indents leave narrower white strips too
    mid = page.width / 2 - lo
    wide = [r for r in runs if r[0] >= 6]  # LaTeX's narrowest \columnsep is 10pt
    if not wide:
        return None
    width, start = min(wide, key=lambda r: abs(r[1] + r[0] / 2 - mid))
    g = lo + start + width / 2
    left = {round(w.base) for w in words if w.x1 <= g}
    right = {round(w.base) for w in words if w.x0 >= g}
    spanning = {round(w.base) for w in words if w.x0 < g < w.x1}
    # a last page may hold a few lines in its right column: one is enough beside a full left
    if len(left) >= 5 and right and len(spanning) < 0.5 * (len(left) + len(right)):
        return g, float(width)
    return None


def _page_lines(page: Page, index: int, body: float = 10.0) -> list[Line]:
    """Lines of a page in reading order: full-width bands in turn, and within a
    two-column band the left column before the right one."""
    gutter = _gutter(page, body)
    g, strip = gutter if gutter else (0.0, 0.0)
    rows: list[list[Word]] = []
    for w in sorted(page.words, key=lambda w: (-w.base, w.x0)):
        if rows and abs(rows[-1][0].base - w.base) <= 0.3 * max(w.size, rows[-1][0].size):
            rows[-1].append(w)
        else:
            rows.append([w])
    out: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        band.sort(key=lambda ln: (ln.side, -ln.base))
        out.extend(band)
        band.clear()

    edges = (min((w.x0 for w in page.words if w.x1 <= g), default=0.0),
             min((w.x0 for w in page.words if w.x0 >= g), default=0.0))  # fmt: skip
    for row in rows:
        if gutter is None or _spans(row, g, strip) or _centred_pair(row, g, edges, body):
            flush()
            out.append(Line(row, index, "S"))
            continue
        for side in "LR":
            part = [w for w in row if (w.x1 <= g) == (side == "L")]
            if part:
                band.append(Line(part, index, side))
    flush()
    return out


def _spans(row: list[Word], g: float, strip: float) -> bool:
    """A row crosses the gutter: a word straddles it, or the words on either side are
    closer than half the gutter (a full-width justified line with a space there)."""
    if any(w.x0 < g < w.x1 for w in row):
        return True
    left = [w.x1 for w in row if w.x1 <= g]
    right = [w.x0 for w in row if w.x0 >= g]
    return bool(left and right) and min(right) - max(left) < 0.5 * strip


def _centred_pair(row: list[Word], g: float, edges: tuple[float, float], body: float) -> bool:
    """A centred row cut by the gutter, such as two authors' names side by side: both
    halves start well inside their columns, where no column line starts."""
    left = [w.x0 for w in row if w.x1 <= g]
    right = [w.x0 for w in row if w.x0 >= g]
    return (
        bool(left and right)
        and min(left) - edges[0] > 3 * body
        and min(right) - edges[1] > 3 * body
    )


def _mark_furniture(lines: list[Line], pages: Sequence[Page], config: LayoutConfig) -> None:
    """Running heads, running feet and page numbers: lines in the top or bottom margin
    zone, set off from the text block, that repeat on many pages at the same height or
    are a bare number."""

    def zone(ln: Line) -> bool:
        h = pages[ln.page].height
        return ln.base > h * (1 - config.margin_zone) or ln.base < h * config.margin_zone

    def key(ln: Line) -> tuple[int, str]:
        return round(ln.base / 4), re.sub(r"\d+", "#", ln.text.lower())

    seen: dict[tuple[int, str], set[int]] = {}
    for ln in lines:
        if zone(ln):
            seen.setdefault(key(ln), set()).add(ln.page)
    need = max(2, config.repeat_share * len(pages))
    inner: dict[int, list[float]] = {}
    for ln in lines:
        if not zone(ln):
            inner.setdefault(ln.page, []).append(ln.base)

    def apart(ln: Line) -> bool:
        """Set off from the text block by more than a line space (a header's or footer's
        skip): a body line that merely reaches into the zone is not."""
        h = pages[ln.page].height
        toward = [abs(ln.base - b) for b in inner.get(ln.page, [])
                  if (b < ln.base if ln.base > h / 2 else b > ln.base)]  # fmt: skip
        return not toward or min(toward) > 1.5 * ln.size

    for ln in lines:
        if not zone(ln):
            continue
        repeated = _BARE_NUMBER.match(ln.text.strip()) or len(seen[key(ln)]) >= need
        if repeated and apart(ln):
            ln.kind = "drop"


# -- lines to a paper -------------------------------------------------------------------------


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
    def is_heading(self, i: int) -> tuple[str, str, int] | None:
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
        if self.roman:
            m = _ROMAN_HEAD.match(text)
            if m:
                return m.group(1), m.group(2).strip(), 1
            m = _IEEE_SUB.match(text)
            if m and (ln.italic or ln.bold) and len(ln.words) <= 10:
                return m.group(1), m.group(2).strip(), 2
        m = _NUM_HEAD.match(text)
        if m and strong and not m.group(2)[0].islower() and not _looks_numeric(m.group(2)):
            return m.group(1), m.group(2).strip(), m.group(1).count(".") + 1
        m = _LETTER_HEAD.match(text)
        if m and strong:
            return m.group(1), m.group(2).strip(), m.group(1).count(".") + 1
        return None

    def read(self, **meta: object) -> FullText:
        lines = self.lines
        title = self.take_title()
        self.mark_references()
        self.find_tables_and_captions()
        self.find_footnotes()
        sections: list[Section] = []
        tables: list[Table] = []
        captions: list[str] = []
        footnotes: list[str] = []
        refs: list[Line] = []
        abstract: list[Line] = []
        paras: list[list[Line]] = []
        state = "front"
        head: tuple[str, str, int] | None = None
        ieee_parent = ""
        appendix = False

        def close() -> None:
            if head is not None:
                text = "\n\n".join(_join(p) for p in paras if p)
                number = head[0]
                sections.append(Section(number, head[1], head[2], text, appendix))

        i = 0
        while i < len(lines):
            ln = lines[i]
            if ln.kind == "caption":
                captions.append(ln.extra["caption"])
            elif ln.kind == "table_caption":
                captions.append(ln.extra["caption"])
                tables.append(self.tables[int(ln.extra["table"])])
                sec = len(sections) if head is not None else None
                tables[-1] = Table(tables[-1].label, tables[-1].caption, tables[-1].rows, sec)
            elif ln.kind == "footnote":
                footnotes.append(ln.extra["footnote"])
            if ln.kind != "body":
                i += 1
                continue
            h = self.is_heading(i)
            if h is not None:
                i = self.extend_heading(i, h)
                close()
                number, text, level = h
                kind = _UNNUMBERED.get(text.lower())
                if kind == "refs":
                    state, head, paras = "refs", None, []
                    i += 1
                    continue
                if kind == "appendix":
                    appendix, state, head, paras = True, "body", None, []
                    i += 1
                    continue
                if self.roman and level == 1 and re.fullmatch(r"[IVX]+", number):
                    ieee_parent = number
                elif self.roman and level == 2 and re.fullmatch(r"[A-H]", number):
                    number = f"{ieee_parent}-{number}"
                elif re.match(r"[A-H]\b", number) and not self.roman:
                    appendix = True
                text = self.heading_text(i, text)
                head, paras, state = (number, text, level), [], "body"
                i += 1
                continue
            if state == "front":
                abstract_start = _abstract_start(ln.text)
                if abstract_start is not None:
                    state = "abstract"
                    if abstract_start:
                        abstract.append(_retext(ln, abstract_start))
                elif ln.page > 0:  # no heading on page 1: the text before one is body
                    head, paras, state = ("", "", 1), [[ln]], "body"
            elif state == "abstract":
                if ln.page > 0:  # an abstract ends on page 1
                    head, paras, state = ("", "", 1), [[ln]], "body"
                elif re.match(r"(index terms|keywords)\b", ln.text, re.I):
                    state = "front_done"
                else:
                    abstract.append(ln)
            elif state == "refs":
                refs.append(ln)
            elif state == "body":
                if not paras or self.new_paragraph(paras[-1][-1], ln):
                    paras.append([])
                paras[-1].append(ln)
            i += 1
        close()
        warnings: tuple[str, ...] = ()
        if not sections and not abstract:
            warnings = ("no section headings found: the text is one untitled section",)
            rest = [ln for ln in lines if ln.kind == "body"]
            sections = [Section("", "", 1, _join(rest))] if rest else []
        return FullText(
            source="pdf",
            warnings=warnings,
            title=title,
            abstract=_join(abstract),
            sections=tuple(sections),
            tables=tuple(tables),
            captions=tuple(captions),
            footnotes=tuple(footnotes),
            references=tuple(self.split_references(refs)),
            **meta,  # type: ignore[arg-type]
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

    def extend_heading(self, i: int, h: tuple[str, str, int]) -> int:
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
        return i

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
