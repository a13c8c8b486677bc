"""PDF extraction speed (pages/s) beside a plain PDF-to-text pass with the same library.

Input: the 12-page two-column fixture ``fixtures/fulltext/pdf/long_retrieval_survey.pdf``.
Baseline, timed best-of-N in the same process: PDFium's own text per page
(``get_textpage().get_text_range()``), which has no columns, headings, tables or
references. ``extra_info`` records pages/s of both, the ratio (how many times slower the
layout analysis is than plain text), and the time spent reading word boxes apart from the
layout. No timing is asserted; under ``make test`` it runs once and checks the output.
"""

from __future__ import annotations

from typing import Any

from digestkit.fulltext.pdf import extract_pdf, read_pages
from digestkit.fulltext.pdf_layout import layout
from tests.bench.timing import best_of
from tests.conftest import FIXTURES

_PDF = (FIXTURES / "fulltext" / "pdf" / "long_retrieval_survey.pdf").read_bytes()


def _plain_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_extract_pdf_vs_plain_text(benchmark: Any) -> None:
    ft = benchmark(extract_pdf, _PDF)
    pages = len(read_pages(_PDF)[0])
    assert pages >= 10 and len(ft.sections) >= 20 and len(ft.tables) == 4
    rounds = 5 if benchmark.enabled else 1
    ours = benchmark.stats.stats.min if benchmark.enabled else best_of(lambda: extract_pdf(_PDF), 1)
    plain = best_of(lambda: _plain_text(_PDF), rounds)
    words = best_of(lambda: read_pages(_PDF), rounds)
    parsed = read_pages(_PDF)[0]
    lay = best_of(lambda: layout(parsed), rounds)
    benchmark.extra_info.update(
        {
            "pages": pages,
            "ours_pages_per_s": round(pages / ours, 1),
            "plain_pages_per_s": round(pages / plain, 1),
            "slowdown_vs_plain": round(ours / plain, 1),
            "word_boxes_ms": round(words * 1e3, 1),
            "layout_ms": round(lay * 1e3, 1),
            "baseline": "PDFium plain text",  # the bench table's pairing (tests/bench/README.md)
            "baseline_s": plain,
        }
    )
