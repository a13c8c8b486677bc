"""extract_html against the LaTeXML fixtures (scored with their hand-made gold files), the
structure a summary relies on, and inputs that must never end in a traceback."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.errors import InputError
from digestkit.evaluation.fulltext_metrics import score_extraction
from digestkit.fulltext import FullText, extract, sniff
from digestkit.fulltext.html import extract_html
from tests.conftest import FIXTURES

HTML = FIXTURES / "fulltext" / "html"
NAMES = sorted(p.stem for p in HTML.glob("*.html"))


@cache
def _page(name: str) -> bytes:
    return (HTML / f"{name}.html").read_bytes()


@cache
def _gold(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HTML / f"{name}.gold.json").read_text(encoding="utf-8"))
    return data


@cache
def _read(name: str) -> FullText:
    return extract_html(_page(name))


def _section(ft: FullText, label: str) -> int:
    return next(i for i, s in enumerate(ft.sections) if s.label == label)


def _all_text(ft: FullText) -> str:
    return "\n".join(s.text for s in ft.sections)


def test_there_are_six_varied_fixtures() -> None:
    assert len(NAMES) >= 6
    assert len(_page("long_scaling")) > 250_000


# -- scores against gold ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_fixture_scores(name: str) -> None:
    gold = _gold(name)
    scores = score_extraction(_read(name), gold)
    assert scores["heading_recall"] is not None and scores["heading_recall"] >= 0.95
    assert scores["table_number_recall"] is not None and scores["table_number_recall"] >= 0.98
    assert scores["body_number_recall"] is not None and scores["body_number_recall"] >= 0.98
    assert scores["body_f1"] is not None and scores["body_f1"] >= 0.95
    assert scores["references"] == 1.0


@pytest.mark.parametrize("name", NAMES)
def test_fixture_metadata(name: str) -> None:
    gold, ft = _gold(name), _read(name)
    assert ft.source == "html"
    assert (ft.arxiv_id, ft.version) == (gold["arxiv_id"], gold["version"])
    assert ft.title == gold["title"]
    assert ft.license == gold["license"]
    assert [s.label for s in ft.sections if s.appendix] == gold["appendix"]
    assert [s.label for s in ft.sections if s.label] == gold["headings"]
    assert len(ft.references) == gold["references"]
    for key in ("footnotes", "captions"):
        if isinstance(gold.get(key), list):
            assert list(getattr(ft, key)) == gold[key], key
    expected = gold.get("warnings", [])  # the gold names the warning; counts may follow
    assert len(ft.warnings) == len(expected)
    assert all(w.startswith(g) for w, g in zip(ft.warnings, expected, strict=True))
    if "footnotes" in gold and isinstance(gold["footnotes"], int):
        assert len(ft.footnotes) == gold["footnotes"]
    if "levels" in gold:
        assert [s.level for s in ft.sections] == gold["levels"]
    assert FullText.from_json(ft.to_json()) == ft


@pytest.mark.parametrize("name", NAMES)
def test_abstract_has_no_heading_and_no_body_numbers(name: str) -> None:
    ft = _read(name)
    assert ft.abstract and not ft.abstract.startswith("Abstract")
    assert not re.search(r"\d", ft.abstract)  # the fixtures keep their numbers in the body


@pytest.mark.parametrize("name", NAMES)
def test_no_page_furniture_or_mathml_noise(name: str) -> None:
    text = _all_text(_read(name)) + _read(name).abstract
    for noise in ("arXiv", "LaTeXML", "Report", "License", "Back to", "experimental HTML",
                  "Refer to caption", "ℒ", "\u2062", "τ", "Index Terms"):  # fmt: skip
        assert noise not in text, noise


# -- structure -------------------------------------------------------------------------------


def test_footnotes_leave_the_text() -> None:
    ft = _read("quant_errors")
    assert ft.footnotes == ("We count 2 bytes per parameter and ignore activations.",)
    assert "2 bytes" not in _all_text(ft)
    assert "half precision, more than" in ft.sections[0].text  # mark removed, text joined


def test_footnote_in_a_heading_and_in_a_title() -> None:
    assert _read("ar5iv_spam").sections[1].heading == "Boosting"
    assert "AdaBoost" in _read("ar5iv_spam").footnotes[0]
    assert _read("unnumbered_workshop").title == "Curriculum Ordering Matters Less Than You Think"


def test_references_are_separate() -> None:
    ft = _read("quant_errors")
    assert ft.references[0].startswith("[1] E. Frantar, S. Ashkboos")
    assert "GPTQ" not in _all_text(ft) and "Frantar" not in ft.plain_text()
    assert all(s.heading != "References" for s in ft.sections)


def test_math_is_tex_between_dollars() -> None:
    ft = _read("quant_errors")
    assert "quantization to $b=4$ bits" in ft.sections[0].text
    assert "$$\\min_{\\hat{W}}\\|WX-\\hat{W}X\\|_{2}^{2}$$ (1)" in ft.sections[1].text
    chapter = _read("thesis_chapters").sections[4].text
    assert "$$\\lambda =0.3$$ (2.2)" in chapter and "\\displaystyle" not in chapter
    assert "$$\\eta_{t}=" in _read("unnumbered_workshop").sections[1].text


def test_parent_text_stops_at_its_first_subsection() -> None:
    ft = _read("ar5iv_spam")
    assert ft.sections[1].text == "" and ft.sections[2].text == ""
    assert ft.sections[3].text.startswith("A stump tests")
    assert sum("A stump tests" in s.text for s in ft.sections) == 1


def test_tables_rows_caption_section_and_not_in_text() -> None:
    ft = _read("quant_errors")
    (table,) = ft.tables
    assert table.label == "Table 1" and table.caption == "Pass@1 (%) of the 15B model."
    assert table.rows[0] == ("Method", "Bits", "HumanEval", "MBPP")
    assert table.rows[-1] == ("Ours", "$4.06$", "32.9", "51.8")
    assert table.section == _section(ft, "3.2 Results")
    assert "33.6" not in _all_text(ft)
    assert ft.captions == ("Table 1: Pass@1 (%) of the 15B model.",)


def test_ieee_table_with_nested_tabular_and_footnote_in_a_cell() -> None:
    ft = _read("ieee_detection")
    (table,) = ft.tables
    assert table.label == "TABLE I"
    assert table.rows[-1] == ("+ tiling (ours)", "66.4", "38.8", "46.3")
    assert ft.footnotes == ("Measured with TensorRT 8.6 in FP16.",)
    assert [s.number for s in ft.sections] == ["I", "II", "III", "III-A", "III-B", "IV",
                                               "IV-A", "IV-B", "V"]  # fmt: skip


def test_inline_tabular_becomes_a_table_of_its_section() -> None:
    ft = _read("unnumbered_workshop")
    inline = ft.tables[0]
    assert inline.rows == (("batch", "512"), ("warm-up", "2,000"), ("weight decay", "0.1"))
    assert inline.section == _section(ft, "Setup") and inline.label == ""
    assert "2,000" not in _all_text(ft)


def test_chapters_shift_levels_and_appendix_numbers() -> None:
    ft = _read("thesis_chapters")
    assert [(s.number, s.level) for s in ft.sections][:5] == [
        ("1", 1), ("1.1", 2), ("2", 1), ("2.1", 2), ("2.1.1", 3)]  # fmt: skip
    appendix = [s for s in ft.sections if s.appendix]
    assert [(s.number, s.heading) for s in appendix] == [
        ("A", "Data Statistics"),
        ("A.1", "Speakers"),
    ]


def test_subfigure_captions_and_lists() -> None:
    ft = _read("thesis_chapters")
    assert ft.captions[:3] == ("(a) Word error rate per round.",
                               "(b) Kept pseudo-labels per round.",
                               "Figure 2.1: Self-training on Yoruba.")  # fmt: skip
    assert "- Which confidence threshold works best?" in ft.sections[1].text.splitlines()
    assert "- Decoding. Beam size 8" in ft.sections[6].text


def test_text_set_in_floats_is_section_text_once() -> None:
    page = (
        '<article class="ltx_document"><section class="ltx_section" id="S1">'
        '<h2 class="ltx_title"><span class="ltx_tag ltx_tag_section">1 </span>Method</h2>'
        '<figure class="ltx_float ltx_float_algorithm" id="alg1"><figcaption class="ltx_caption">'
        '<span class="ltx_tag ltx_tag_float">Algorithm 1 </span>Training loop</figcaption>'
        '<div class="ltx_listing"><div class="ltx_listingline"><span class="ltx_tag '
        'ltx_tag_listingline">1:</span>for step = 1 to 5000 do</div><div class="ltx_listingline">'
        '<span class="ltx_tag ltx_tag_listingline">2:</span>update with lr 0.001</div></div></figure>'
        '<figure class="ltx_figure" id="S1.F1"><div class="ltx_block ltx_minipage">'
        '<p class="ltx_p">Prompt: summarise the paper in 3 sentences.</p>'
        '<table class="ltx_tabular"><tr><td>k</td><td>7</td></tr></table></div>'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 1: </span>'
        "The prompt.</figcaption></figure></section></article>"
    )
    ft = extract_html(page.encode())
    assert ft.sections[0].text == (
        "1: for step = 1 to 5000 do\n\n2: update with lr 0.001\n\n"
        "Prompt: summarise the paper in 3 sentences."
    )
    assert ft.captions == ("Algorithm 1 Training loop", "Figure 1: The prompt.")
    assert [(t.label, t.rows) for t in ft.tables] == [("Figure 1", (("k", "7"),))]


def test_errors_become_warnings_and_keep_their_text() -> None:
    ft = _read("quant_errors")
    assert ft.warnings == (
        "unresolved macro \\fuse (2 times)",
        "unresolved environment {algorithmic}",
    )
    assert "a kernel that \\fuses dequantization" in ft.sections[0].text


def test_licences_from_the_infobox() -> None:
    licences = {name: _read(name).license for name in NAMES}
    assert licences["quant_errors"] == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert licences["ieee_detection"] == "https://creativecommons.org/licenses/by/4.0/"
    assert licences["ar5iv_spam"] == ""


def test_given_id_wins_and_its_version_is_read() -> None:
    ft = extract_html(_page("quant_errors"), arxiv_id="2502.11873v1")
    assert (ft.arxiv_id, ft.version) == ("2502.11873", 1)
    ft = extract_html(_page("quant_errors"), arxiv_id="2502.11873")
    assert (ft.arxiv_id, ft.version) == ("2502.11873", 2)  # the page's, same paper
    ft = extract_html(_page("quant_errors"), arxiv_id="2401.00001", version=None)
    assert (ft.arxiv_id, ft.version) == ("2401.00001", None)


def test_dispatch_through_extract() -> None:
    assert sniff(_page("ieee_detection")) == "html"
    assert extract(_page("ieee_detection")) == _read("ieee_detection")


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (b"<!-- only a comment -->", "no HTML elements in the document"),
        (b"<html><head><title>Hi</title></head><body><p>x</p></body></html>", "not a LaTeXML page"),
        (
            b"<html><head><title>No HTML for '2501.00001v1'</title></head><body><h1>No HTML for "
            b"'2501.00001v1'</h1></body></html>",
            "arXiv has no HTML for this paper",
        ),  # fmt: skip
    ],
)
def test_empty_and_foreign_pages_give_warnings(data: bytes, warning: str) -> None:
    ft = extract_html(data)
    assert any(w.startswith(warning) for w in ft.warnings), ft.warnings


def test_a_latexml_page_without_body_text_warns() -> None:
    page = b'<article class="ltx_document"><h1 class="ltx_title ltx_title_document">T</h1>'
    page += b'<div class="ltx_abstract"><p>Abstract only.</p></div></article>'
    ft = extract_html(page)
    assert ft.title == "T" and ft.abstract == "Abstract only." and ft.sections == ()
    assert ft.warnings == ("no section text found (the conversion may have failed)",)


def test_no_html_page_has_no_sections() -> None:
    ft = extract_html(b"<html><body><h1>No HTML for '2501.00001v1'</h1></body></html>")
    assert ft.sections == () and ft.title == ""


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3",
        b"\x1f\x8b\x08\x00abc",
        b"\x00\x01\x02binary",
        b"just words, no tags\n",
        b"\\documentclass{article}\\begin{document}$a<b$\\end{document}",
    ],
)
def test_non_html_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="not HTML"):
        extract_html(data)


def test_meta_charset_and_broken_utf8() -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Café 3 €</p></body></html>'
    ft = extract_html(page.encode("cp1252"))
    assert ft.sections[0].text == "Café 3 €"
    assert "decoded as iso-8859-1" in ft.warnings[0]
    ft = extract_html(b"<p>caf\xe9</p>")
    assert ft.sections[0].text == "caf\ufffd" and "invalid UTF-8 bytes replaced" in ft.warnings


def test_xml_declaration_and_control_characters() -> None:
    page = b'<?xml version="1.0" encoding="utf-8"?><html><body><p>a\x01b\x00</p></body></html>'
    with pytest.raises(InputError):  # a NUL in the head: binary
        extract_html(page)
    ft = extract_html(page.replace(b"\x00", b""))
    assert ft.sections[0].text == "ab"


@pytest.mark.parametrize("tag", ["div", "section", "span", "li", "math", "table"])
def test_deep_nesting_is_read_in_bounded_time(tag: str) -> None:
    data = (f'<{tag} class="ltx_section">' * 50_000 + "deep").encode()
    ft = extract_html(data)
    assert isinstance(ft, FullText)


def test_nested_sections_to_a_bounded_depth() -> None:
    head = '<section class="ltx_section"><h2 class="ltx_title">H</h2><div class="ltx_para"><p>t</p>'
    for n in (25, 200):  # past 60 block levels the rest is read inline, as text
        data = '<article class="ltx_document">' + head * n + "</section>" * n + "</article>"
        ft = extract_html(data.encode())
        assert [s.level for s in ft.sections] == list(range(1, len(ft.sections) + 1))
        assert len(ft.sections) == 25 if n == 25 else 25 < len(ft.sections) < n
        assert ("document nested deeper than 256 levels: read up to there" in ft.warnings) == (
            n > 25
        )


def test_too_deep_pages_warn() -> None:
    ft = extract_html(b"<div>" * 1000 + b"x")
    assert any("deeper than 256" in w for w in ft.warnings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        ft = extract_html(data)
    except InputError:
        return
    assert ft.source == "html"


_SMALL = ["quant_errors", "thesis_chapters", "ieee_detection", "ar5iv_spam"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_SMALL), st.integers(0, 20_000), st.integers(0, 20_000), st.binary(max_size=8)
)
def test_truncated_and_spliced_pages_never_crash(
    name: str, cut: int, cut2: int, junk: bytes
) -> None:
    data = _page(name)
    for damaged in (data[:cut], data[:cut] + junk + data[cut2:], data[cut:]):
        try:
            ft = extract_html(damaged)
        except InputError:
            continue
        assert ft.source == "html"
        for s in ft.sections:
            assert "<math" not in s.text


def _with_deep_stack(fn: Any, frames: int = 300) -> Any:
    """Call ``fn`` 300 frames down: the extractor must not need Python's whole stack."""
    return fn() if frames == 0 else _with_deep_stack(fn, frames - 1)


@pytest.mark.parametrize(
    "nest",
    [
        '<section class="ltx_section"><h2 class="ltx_title">h</h2>',
        '<figure class="ltx_figure"><figcaption>c</figcaption>',
        '<span class="ltx_note ltx_role_footnote"><span class="ltx_note_content">n ',
        '<span class="ltx_note ltx_role_footnote">bare note ',
        '<div class="ltx_para"><ul class="ltx_itemize"><li class="ltx_item">',
    ],
)
def test_pathological_nesting_stays_off_the_recursion_limit(nest: str) -> None:
    data = f'<article class="ltx_document"><div>{nest * 300}end'.encode()
    ft = _with_deep_stack(lambda: extract_html(data))
    assert "document nested deeper than 256 levels: read up to there" in ft.warnings
    assert len(ft.footnotes) <= 300 and len(ft.sections) <= 300


def test_a_note_without_content_span_is_one_footnote() -> None:
    page = b'<article class="ltx_document"><p>a<span class="ltx_note ltx_role_footnote">'
    page += b'<sup class="ltx_note_mark">1</sup>see <b>here</b></span> b</p></article>'
    ft = extract_html(page)
    assert ft.footnotes == ("see here",) and ft.sections[0].text == "a b"


def test_paragraphs_outside_sections_form_an_untitled_section() -> None:
    page = b'<article class="ltx_document"><div class="ltx_para"><p class="ltx_p">One 5.</p></div>'
    page += b'<section class="ltx_section"><h2 class="ltx_title">Next</h2><p>Two.</p></section>'
    ft = extract_html(page)
    assert [(s.label, s.text) for s in ft.sections] == [("", "One 5."), ("Next", "Two.")]


_TOKENS = [
    '<section class="ltx_section">', "</section>", '<section class="ltx_appendix">',
    '<section class="ltx_paragraph">', '<h2 class="ltx_title">', "</h2>",
    '<span class="ltx_tag ltx_tag_section">1 </span>', '<div class="ltx_para">', "</div>",
    '<p class="ltx_p">', "</p>", "words 12.5 ", '<math alttext="x^{2}" display="block">',
    '<math display="inline">', "<mn>3</mn>", '<annotation encoding="application/x-tex">y',
    "</annotation>", "</math>", '<span class="ltx_note ltx_role_footnote">',
    '<span class="ltx_note_content">', '<sup class="ltx_note_mark">1</sup>', "</span>",
    '<figure class="ltx_table">', '<figure class="ltx_figure">', "<figcaption>",
    '<span class="ltx_tag ltx_tag_table">Table 1: </span>', "</figcaption>", "</figure>",
    '<table class="ltx_tabular">', '<table class="ltx_equation">', "<thead>", "<tr>", "<td>",
    '<td class="ltx_eqn_eqno">(1)', "4.5", "</td>", "</tr>", "</table>", '<ul class="ltx_itemize">',
    "<li>", "</li>", "</ul>", "<dl><dt>T</dt><dd>", '<section class="ltx_bibliography">',
    '<li class="ltx_bibitem">', '<span class="ltx_ERROR undefined">\\foo</span>', "<merror>",
    '<div class="ltx_abstract"><h6>Abstract</h6>', '<span class="ltx_note_type">thanks: </span>',
]  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), max_size=80))
def test_random_latexml_soup_reads_and_round_trips(tokens: list[str]) -> None:
    ft = extract_html(('<article class="ltx_document">' + "".join(tokens)).encode())
    assert FullText.from_json(ft.to_json()) == ft
    assert all(t.section is None or 0 <= t.section < len(ft.sections) for t in ft.tables)
    text = _all_text(ft)
    assert "<" not in text and "thanks:" not in " ".join(ft.footnotes)
