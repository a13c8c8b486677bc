"""PDF -> :class:`~digestkit.fulltext.FullText`: read positioned words with PDFium, then
lay them out as a paper (:mod:`digestkit.fulltext.pdf_layout`).

Why PDFium (pypdfium2, Apache-2.0/BSD-3): fed to the same layout code, pdfminer.six
(MIT, pure Python) gave the same scores on the fixtures at about a seventh of the speed
(``tools/compare_pdf_libs.py``); PyMuPDF is AGPL and is not used.

What a PDF cannot give back: math as TeX (formulas come out as the printed glyphs,
``α = 0.5``), the text of a scan (no OCR: a PDF without a text layer yields an empty
paper with the warning ``PDF has no text layer (scanned?)``), superscripts (dropped with
footnote marks). Encrypted or corrupt files raise :class:`~digestkit.errors.InputError`
with a one-line reason; very long documents are cut at ``PdfConfig.max_pages``.

>>> extract_pdf(b"%PDF-1.4 garbage")
Traceback (most recent call last):
...
digestkit.errors.InputError: not a readable PDF (data format error)
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

from digestkit.errors import InputError
from digestkit.fulltext.model import FullText
from digestkit.fulltext.pdf_layout import layout
from digestkit.fulltext.pdf_lines import LayoutConfig, Page, Word

__all__ = ["NO_TEXT_LAYER", "PdfConfig", "extract_pdf", "read_pages"]

NO_TEXT_LAYER = "PDF has no text layer (scanned?)"


@dataclass(frozen=True)
class PdfConfig:
    """``max_pages``: pages read at most (200: a long thesis; more is rarely a paper, and
    each page costs time); a cut adds a warning. ``layout``: the layout thresholds."""

    max_pages: int = 200
    layout: LayoutConfig = field(default_factory=LayoutConfig)


def extract_pdf(data: bytes, *, arxiv_id: str = "", version: int | None = None,
                config: PdfConfig = PdfConfig()) -> FullText:  # fmt: skip
    """The paper in the PDF ``data`` (pure: bytes in, value out)."""
    pages, total = read_pages(data, max_pages=config.max_pages)
    if not total:
        raise InputError("not a readable PDF (it has no pages)")
    warnings = []
    if total > len(pages):
        warnings.append(f"PDF cut at {len(pages)} of {total} pages (max_pages)")
    # a page with fewer characters than a page number and a running head is an image
    blank = sum(sum(len(w.text) for w in p.words) < 20 for p in pages)
    if blank == len(pages):
        return FullText(arxiv_id=arxiv_id, version=version, source="pdf",
                        warnings=(*warnings, NO_TEXT_LAYER))  # fmt: skip
    if blank:
        warnings.append(f"{blank} of {len(pages)} pages have no text layer (scanned?)")
    ft = layout(pages, config.layout, arxiv_id=arxiv_id, version=version)
    return ft.replace(warnings=(*ft.warnings, *warnings))


def read_pages(data: bytes, *, max_pages: int = 200) -> tuple[list[Page], int]:
    """The words of the first ``max_pages`` pages, and the page count of the file."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise InputError(_reason(str(exc))) from exc
    try:
        total = len(doc)
        pages = []
        for i in range(min(total, max_pages)):
            page = doc[i]
            try:
                pages.append(_page(page))
            finally:
                page.close()
        return pages, total
    except pdfium.PdfiumError as exc:
        raise InputError(f"not a readable PDF ({exc})") from exc
    finally:
        doc.close()


def _reason(message: str) -> str:
    low = message.lower()
    if "password" in low or "security" in low:
        return "PDF is encrypted (it needs a password)"
    detail = message.split("(", 1)[-1].rstrip(").").removeprefix("PDFium: ").strip()
    return f"not a readable PDF ({detail.lower() or 'unknown error'})"


def _page(page: object) -> Page:
    width, height = page.get_size()  # type: ignore[attr-defined]
    tp = page.get_textpage()  # type: ignore[attr-defined]
    try:
        return Page(width, height, tuple(_words(tp)))
    finally:
        tp.close()


def _words(tp: object) -> list[Word]:
    """Characters in content-stream order grouped into words: a space, a new line, a
    jump in position or a change of font size ends a word. PDFium marks a hyphen that
    ends a line (U+0002 or U+FFFE); it becomes ``-`` again (the layout rejoins the word). Rotated
    words (arXiv's side stamp) are dropped.

    A measured hot loop (most of the extraction time), so longer than usual: the text
    comes in one call, each character costs one PDFium call (its box, whose height stands
    in for the font size), and origin, size, style and angle are asked once per word."""
    import pypdfium2.raw as raw

    tp = getattr(tp, "raw", tp)  # the bare handle: no property lookup per call
    loose = raw.FPDFText_GetLooseCharBox
    n = raw.FPDFText_CountChars(tp)
    units = (ctypes.c_ushort * (n + 1))()
    raw.FPDFText_GetText(tp, 0, n, units)
    rect = raw.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    buf = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    fonts: dict[tuple[bytes, int], tuple[bool, bool]] = {}
    words: list[Word] = []
    cur: list[str] = []
    x0 = x1 = base = size = low = height = prev = 0.0
    style = (False, False)
    rotated = False
    for i in range(n):
        code = units[i]
        hyphen = code == 2 or code == 0xFFFE  # PDFium's mark of a hyphen ending a line
        if code in _TEX_LIGATURES and not raw.FPDFText_IsGenerated(tp, i):
            code = _TEX_LIGATURES[code]
        elif (code <= 32 or 0xD800 <= code < 0xE000) and not hyphen:
            if cur and not rotated:
                words.append(Word(_text(cur), x0, x1, base, size, *style))
            cur.clear()
            continue
        loose(tp, i, rect)
        left, right, bottom = rect.left, rect.right, rect.bottom
        h = rect.top - bottom  # the font's ascent + descent: size without a call
        if h < 0.5:  # a font without metrics (some Type 3 fonts): ask for the size
            h = raw.FPDFText_GetFontSize(tp, i) or 1.0
        same_glyph = abs(left - prev) < 0.01  # a ligature's letters share its box
        prev = left
        if cur and not same_glyph and (abs(bottom - low) > 0.25 * h or left - x1 > 0.1 * h
                    or left < x1 - 0.4 * h or abs(h - height) > 0.15 * height):  # fmt: skip
            if not rotated:
                words.append(Word(_text(cur), x0, x1, base, size, *style))
            cur.clear()
        if not cur:
            x0, x1, low, height = left, right, bottom, h
            raw.FPDFText_GetCharOrigin(tp, i, ox, oy)
            base, size = oy.value, raw.FPDFText_GetFontSize(tp, i)
            rotated = raw.FPDFText_GetCharAngle(tp, i) != 0
            raw.FPDFText_GetFontInfo(tp, i, buf, 256, flags)
            key = (buf.value, flags.value)
            if key not in fonts:
                fonts[key] = _style(buf.value.decode("latin-1"), flags.value)
            style = fonts[key]
        elif right > x1:
            x1 = right
        cur.append("-" if hyphen else chr(code))
    if cur and not rotated:
        words.append(Word(_text(cur), x0, x1, base, size, *style))
    return words


# TeX fonts without a ToUnicode map (bitmap Type 3) leave ligatures at their slots in the
# T1 (0x1B-0x1F) and OT1 (0x0B-0x0F) encodings: control codes no text uses
_TEX_LIGATURES = {0x1B: 0xFB00, 0x1C: 0xFB01, 0x1D: 0xFB02, 0x1E: 0xFB03, 0x1F: 0xFB04,
                  0x0B: 0xFB00, 0x0C: 0xFB01, 0x0D: 0xFB02, 0x0E: 0xFB03, 0x0F: 0xFB04}  # fmt: skip
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)


def _text(chars: list[str]) -> str:
    """A word's text with TeX's ligature glyphs spelled out (``ﬁnd`` -> ``find``).

    >>> _text(["e", "ﬃ", "cient"])
    'efficient'
    """
    return "".join(chars).translate(_LIGATURES)


def _style(name: str, flags: int) -> tuple[bool, bool]:
    """(bold, italic) from a font name: ``Times-BoldItalic``, TeX's ``ABCDEF+CMBX10`` and
    ``NimbusRomNo9L-Medi`` (the bold of the Times that LaTeX papers use).

    >>> _style("ABCDEF+NimbusRomNo9L-Medi", 0), _style("CMTI10", 0), _style("CMR10", 0)
    ((True, False), (False, True), (False, False))
    """
    base = name.split("+", 1)[-1].lower()
    bold = any(k in base for k in ("bold", "black", "heavy", "demi", "medi", "cmbx", "-bd"))
    italic = any(k in base for k in ("italic", "oblique", "cmti", "ital")) or bool(flags & 64)
    return bold, italic
