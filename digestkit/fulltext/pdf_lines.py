"""From a PDF page's positioned words to its lines in reading order, without the page
furniture: columns, full-width bands, running heads, running feet and page numbers.

Why a module of its own: this geometry needs nothing but word boxes with font sizes, so it
is pure and library-independent (PDFium's words in :mod:`digestkit.fulltext.pdf`,
pdfminer.six's in ``tools/compare_pdf_libs.py``); :mod:`digestkit.fulltext.pdf_layout`
then reads the lines as a paper. Coordinates are PDF points, y growing upwards (``base``
is the baseline).

>>> words = [Word(t, x, x + 30, 700 - 12 * k, 10.0) for k in range(6)
...          for t, x in (("left", 60.0), ("right", 330.0))]
>>> [ln.side for ln in page_lines(Page(612, 792, tuple(words)), 0)][:7]
['L', 'L', 'L', 'L', 'L', 'L', 'R']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["LayoutConfig", "Line", "Page", "Word", "body_size", "drop_marks", "mark_furniture",
           "page_lines"]  # fmt: skip


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


_BARE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s+of\s+\d+)?$", re.I)


def drop_marks(page: Page) -> Page:
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


def body_size(pages: Sequence[Page]) -> float:
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


def page_lines(page: Page, index: int, body: float = 10.0) -> list[Line]:
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
        title_block = index == 0 and row[0].base > page.height / 2
        if (
            gutter is None
            or _spans(row, g, strip)
            or (title_block and _centred_pair(row, g, edges, body))
        ):
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
    """A centred row cut by the gutter, such as two authors' names side by side (asked
    in the title block only): centred on the gutter, and its left half starts well
    inside the left column, where no line of a column starts."""
    left = [w.x0 for w in row if w.x1 <= g]
    right = [w.x1 for w in row if w.x0 >= g]
    return (
        bool(left and right)
        and min(left) - edges[0] > 3 * body
        and abs((min(left) + max(right)) / 2 - g) < 0.5 * body
    )


def mark_furniture(lines: list[Line], pages: Sequence[Page], config: LayoutConfig) -> None:
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
