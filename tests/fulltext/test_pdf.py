"""extract_pdf on the generated fixtures (``fixtures/fulltext/pdf``, written by
``tools/make_fulltext_pdfs.py`` with gold files from the same content), plus bad input.

The fixtures are committed, so these tests read bytes and need neither reportlab nor TeX;
only the encrypted-file and no-heading tests build a PDF with reportlab (a dev dependency)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.errors import InputError
from digestkit.evaluation.fulltext_metrics import number_tokens, score_extraction, trigram_f1
from digestkit.fulltext import FullText, extract
from digestkit.fulltext.pdf import NO_TEXT_LAYER, PdfConfig, extract_pdf, read_pages
from digestkit.fulltext.pdf_layout import _join_texts
from digestkit.fulltext.pdf_lines import page_lines as _page_lines
from tests.conftest import FIXTURES

PDF_DIR = FIXTURES / "fulltext" / "pdf"
NAMES = sorted(p.stem for p in PDF_DIR.glob("*.pdf"))
TEXT_NAMES = [
    n for n in NAMES if json.loads((PDF_DIR / f"{n}.gold.json").read_text()).get("text_layer", True)
]


def gold(name: str) -> dict[str, Any]:
    return json.loads((PDF_DIR / f"{name}.gold.json").read_text(encoding="utf-8"))


_CACHE: dict[str, FullText] = {}


def extracted(name: str) -> FullText:
    if name not in _CACHE:
        _CACHE[name] = extract_pdf(
            (PDF_DIR / f"{name}.pdf").read_bytes(), arxiv_id=gold(name)["arxiv_id"]
        )
    return _CACHE[name]


def section_text(ft: FullText) -> str:
    return re.sub(r"\s+", " ", " ".join(s.text for s in ft.sections))


def test_enough_fixtures() -> None:
    assert len(NAMES) >= 7 and len(TEXT_NAMES) >= 6 and "latex_twocol_article" in TEXT_NAMES
    import pypdfium2

    pages = {n: len(pypdfium2.PdfDocument((PDF_DIR / f"{n}.pdf").read_bytes())) for n in NAMES}
    assert max(pages.values()) >= 10


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_scores(name: str) -> None:
    m = score_extraction(extracted(name), gold(name))
    assert m["heading_recall"] is not None and m["heading_recall"] >= 0.90, m
    assert m["table_number_recall"] is not None and m["table_number_recall"] >= 0.90, m
    assert m["table_number_recall_body"] is not None and m["table_number_recall_body"] >= 0.90, m
    assert m["body_number_recall"] is not None and m["body_number_recall"] >= 0.95, m
    assert m["body_f1"] is not None and m["body_f1"] >= 0.97, m
    assert m["references"] == 1.0, m


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_structure(name: str) -> None:
    ft, g = extracted(name), gold(name)
    assert ft.source == "pdf" and ft.arxiv_id == g["arxiv_id"]
    assert ft.title == g["title"]
    assert trigram_f1(g["abstract"], ft.abstract) >= 0.97
    assert [s.label for s in ft.sections if s.appendix] == g["appendix"]
    assert sorted(ft.captions) == sorted(g["captions"])
    assert list(ft.footnotes) == g["footnotes"]
    assert len(ft.references) == g["references"]
    assert {t.label: [list(r) for r in t.rows] for t in ft.tables} == {
        t["label"]: t["rows"] for t in g["tables"]
    }
    assert FullText.from_json(ft.to_json()) == ft


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_no_stray_numbers_or_furniture(name: str) -> None:
    """Page numbers, running heads, the arXiv side stamp, table cells, footnote and
    reference text stay out of the section text: every number left there is in the gold
    body text, and no sentence of a reference or footnote is."""
    ft, g = extracted(name), gold(name)
    text = section_text(ft)
    assert number_tokens(text) <= number_tokens(g["body_text"])
    assert "arXiv:" not in text and g["title"] not in text
    for ref in ft.references:
        assert ref[-40:] not in text
    for note in g["footnotes"]:
        assert note not in text
    assert not any(c in text for c in "\ufffe\x02")


@pytest.mark.parametrize("name", TEXT_NAMES)
def test_sentences_whole(name: str) -> None:
    """Sentences come out whole: right order over columns and pages, hyphenated words
    rejoined (gold sentences with math are skipped: a PDF prints glyphs, not TeX)."""
    g = gold(name)
    text = section_text(extracted(name))
    sents = [s for s in re.split(r"(?<=\.)\s+", re.sub(r"\s+", " ", g["body_text"]))
             if len(s) > 20 and "$" not in s]  # fmt: skip
    missing = [s for s in sents if s not in text]
    assert len(missing) <= 0.02 * len(sents), missing[:3]


def test_column_break_joins_left_bottom_to_right_top() -> None:
    """The last line of the left column runs on into the first line of the right one."""
    data = (PDF_DIR / "twocol_routing.pdf").read_bytes()
    pages, _ = read_pages(data)
    lines = _page_lines(pages[1], 1, 10.0)
    left = [ln for ln in lines if ln.side == "L" and ln.size == 10.0]
    right = [ln for ln in lines if ln.side == "R" and ln.size == 10.0]
    assert left and right
    last, first = min(left, key=lambda ln: ln.base), max(right, key=lambda ln: ln.base)
    joined = _join_texts([last.text, first.text])
    assert joined in section_text(extracted("twocol_routing"))


def test_running_head_is_dropped() -> None:
    ft = extracted("long_retrieval_survey")
    head = "Retrieval-Augmented Language Models: A Survey and Empirical ..."
    assert head not in ft.plain_text() and "..." not in section_text(ft)


def test_ieee_numbers() -> None:
    labels = [s.label for s in extracted("ieee_radar").sections]
    assert "IV RESULTS" in labels and "IV-A Simulation Setup" in labels
    assert not any(s.appendix for s in extracted("ieee_radar").sections)


def test_no_text_layer_warns() -> None:
    ft = extract_pdf((PDF_DIR / "scanned_no_text.pdf").read_bytes())
    assert ft.warnings == (NO_TEXT_LAYER,) and ft.sections == () and ft.source == "pdf"


def test_a_scanned_page_among_text_pages_is_reported() -> None:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(72, 700, "1 Introduction")
    c.setFont("Helvetica", 10)
    c.drawString(72, 680, "The second page of this paper was scanned, so it is an image.")
    c.showPage()
    c.rect(72, 72, 400, 600, fill=1)
    c.showPage()
    c.save()
    ft = extract_pdf(buf.getvalue())
    assert ft.warnings == ("1 of 2 pages have no text layer (scanned?)",)
    assert ft.sections[0].text.startswith("The second page")


def test_max_pages_cuts_with_warning() -> None:
    data = (PDF_DIR / "long_retrieval_survey.pdf").read_bytes()
    ft = extract_pdf(data, config=PdfConfig(max_pages=2))
    assert ft.warnings == ("PDF cut at 2 of 12 pages (max_pages)",)
    assert 0 < len(ft.sections) < len(extracted("long_retrieval_survey").sections)


def test_dispatch_through_extract() -> None:
    data = (PDF_DIR / "ieee_radar.pdf").read_bytes()
    assert extract(data, arxiv_id="2503.00303", version=2) == extract_pdf(
        data, arxiv_id="2503.00303", version=2
    )


def test_no_headings_gives_one_untitled_section() -> None:
    """A note without headings (on a landscape page) still gives its text, with a warning."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    c.setPageRotation(90)
    c.setFont("Helvetica", 10)
    for k in range(30):
        c.drawString(72, 700 - 12 * k, f"Line {k} of a note that has no section headings.")
    c.save()
    ft = extract_pdf(buf.getvalue())
    assert ft.warnings == ("no section headings found: the text is one untitled section",)
    assert [s.label for s in ft.sections] == [""]
    assert (
        ft.sections[0].text.startswith("Line 0 of a note") and "Line 29 of" in ft.sections[0].text
    )


def _encrypted(user: str) -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, invariant=1, encrypt=StandardEncryption(user, ownerPassword="owner"))
    c.setFont("Helvetica-Bold", 12)
    c.drawString(72, 700, "1 Introduction")
    c.setFont("Helvetica", 10)
    c.drawString(72, 680, "Encrypted papers are read when no password is needed to open them.")
    c.save()
    return buf.getvalue()


def test_encrypted_with_password_is_input_error() -> None:
    with pytest.raises(InputError) as err:
        extract_pdf(_encrypted("secret"))
    assert str(err.value) == "PDF is encrypted (it needs a password)"


def test_encrypted_without_user_password_is_read() -> None:
    ft = extract_pdf(_encrypted(""))
    assert [s.label for s in ft.sections] == ["1 Introduction"]
    assert ft.sections[0].text.startswith("Encrypted papers are read")


@pytest.mark.parametrize(
    "data", [b"", b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", b"\x00" * 64]
)
def test_corrupt_is_one_line_input_error(data: bytes) -> None:
    with pytest.raises(InputError) as err:
        extract_pdf(data)
    assert "\n" not in str(err.value) and str(err.value).startswith("not a readable PDF")


_SMALL = (PDF_DIR / "ieee_radar.pdf").read_bytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(_SMALL) - 1),
       flips=st.lists(st.tuples(st.integers(0, len(_SMALL) - 1), st.integers(0, 255)), max_size=4))  # fmt: skip
def test_truncated_or_damaged_never_crashes(cut: int, flips: list[tuple[int, int]]) -> None:
    """A cut or damaged download gives a paper (PDFium repairs what it can) or an
    InputError; never another exception."""
    data = bytearray(_SMALL[:cut])
    for pos, byte in flips:
        if pos < len(data):
            data[pos] = byte
    try:
        ft = extract_pdf(bytes(data))
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert ft.source == "pdf"


def test_fixture_gold_is_not_extractor_output() -> None:
    """The generator never imports the extractor (the gold comes from the content)."""
    tool = (Path(__file__).resolve().parents[2] / "tools" / "make_fulltext_pdfs.py").read_text()
    assert "fulltext.pdf" not in tool and "extract_pdf" not in tool


def test_last_page_with_two_lines_in_the_right_column_reads_left_first() -> None:
    """A full left column beside a right column of two lines (the end of the references)
    is still two columns: the left column is read whole before the right one."""
    from digestkit.fulltext.pdf_lines import Page, Word

    def line(x: float, y: float, text: str) -> list[Word]:
        out, pos = [], x
        for t in text.split():
            out.append(Word(t, pos, pos + 5 * len(t), y, 10.0))
            pos += 5 * len(t) + 3
        return out

    words = []
    for k in range(12):
        words += line(54, 700 - 12 * k, f"left column line number {k} runs to the edge ok")
    words += line(315, 700, "right one") + line(315, 688, "right two")
    lines = _page_lines(Page(612, 792, tuple(words)), 0, 10.0)
    assert [ln.text for ln in lines][-2:] == ["right one", "right two"]
    assert all(ln.side == "L" for ln in lines[:12])


def test_unnumbered_common_headings() -> None:
    """Journals print "Introduction", "Results" without numbers: bold, they are headings;
    the same words starting a plain line are not."""
    from digestkit.fulltext.pdf_layout import layout
    from digestkit.fulltext.pdf_lines import Page, Word

    def line(y: float, text: str, size: float = 10.0, bold: bool = False) -> list[Word]:
        out, pos = [], 72.0
        for t in text.split():
            out.append(Word(t, pos, pos + 5 * len(t), y, size, bold))
            pos += 5 * len(t) + 3
        return out

    words = line(740, "A Journal Paper", 17) + line(700, "Introduction", 12, True)
    words += line(680, "We study how plain headings are found in papers.")
    words += line(668, "Results are in the next section of this paper.")
    words += line(640, "Results", 12, True) + line(620, "They hold up well on every page here.")
    ft = layout((Page(612, 792, tuple(words)),))
    assert [s.label for s in ft.sections] == ["Introduction", "Results"]
    assert ft.sections[0].text.endswith("next section of this paper.")
