"""The LaTeX e-print extractor: fixtures scored against their gold files, the structure it
recovers, the archive's safety caps, and never a traceback on broken input."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.errors import InputError
from digestkit.evaluation.fulltext_metrics import score_extraction
from digestkit.fulltext import FullText, extract, sniff
from digestkit.fulltext.archive import ArchiveLimits, read_source
from digestkit.fulltext.latex import extract_latex
from tests.conftest import FIXTURES

HERE = FIXTURES / "fulltext" / "latex"
GOLDS = sorted(HERE.glob("*.gold.json"))


def _source(gold: Path) -> Path:
    name = gold.name[: -len(".gold.json")]
    (path,) = [p for p in HERE.glob(name + ".*") if not p.name.endswith(".gold.json")]
    return path


def _tar(files: dict[str, bytes | str], compress: str = "gz") -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in files.items():
            blob = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tf.addfile(info, io.BytesIO(blob))
    plain = raw.getvalue()
    return {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress, "": bytes}[compress](
        plain
    )


DOC = "\\documentclass{article}\n\\begin{document}\n%s\n\\end{document}\n"


def _doc(body: str, preamble: str = "") -> bytes:
    return (DOC.replace("\\begin{document}", preamble + "\\begin{document}") % body).encode()


# -- fixtures ----------------------------------------------------------------------------------


def test_there_are_at_least_six_fixtures() -> None:
    assert len(GOLDS) >= 6
    kinds = {_source(g).name.split(".", 1)[1] for g in GOLDS}
    assert {"gz", "tar.gz", "tex"} <= kinds


@pytest.mark.parametrize("gold_path", GOLDS, ids=lambda p: p.name.split(".")[0])
def test_fixture_scores(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text("utf-8"))
    ft = extract_latex(_source(gold_path).read_bytes(), arxiv_id=gold["arxiv_id"])
    m = score_extraction(ft, gold)
    assert m["heading_recall"] is not None and m["heading_recall"] >= 0.95
    if m["table_number_recall"] is not None:
        assert m["table_number_recall"] >= 0.98
    assert m["body_f1"] is not None and m["body_f1"] >= 0.95
    assert m["body_number_recall"] is None or m["body_number_recall"] >= 0.98
    if gold["references"]:
        assert len(ft.references) == gold["references"]
    assert ft.title == gold["title"]
    assert [s.label for s in ft.sections if s.appendix] == gold["appendix"]
    assert ft.source == "latex" and ft.license == ""
    assert FullText.from_json(ft.to_json()) == ft


def test_dispatch_through_extract_and_sniff() -> None:
    data = (HERE / "single_gz.gz").read_bytes()
    assert sniff(data) == "latex"
    assert extract(data, arxiv_id="2601.00101", version=2).version == 2


# -- structure ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def multi() -> FullText:
    return extract_latex((HERE / "multi_tar.tar.gz").read_bytes())


def test_macros_with_and_without_arguments_are_expanded(multi: FullText) -> None:
    text = multi.plain_text()
    assert "FooNet" in multi.title and "\\method" not in text
    assert "64 H100 GPUs" in text  # \gpu[H100 default]{64}
    assert multi.tables[0].rows[-1][1] == "88.9"  # \score{88.9} -> 88.9


def test_inputs_in_subfolders_include_and_import_are_followed(multi: FullText) -> None:
    labels = [s.label for s in multi.sections]
    assert labels[:3] == ["1 Introduction", "2 Method", "2.1 Gated convolution"]
    assert "3 Experiments" in labels  # \include{experiments}
    assert "A.1 Hyper-parameters" in labels  # \import{appendix/}{proofs} -> \subimport
    assert not multi.warnings


def test_references_come_from_the_bbl_and_never_from_sections(multi: FullText) -> None:
    assert len(multi.references) == 4
    assert multi.references[3].startswith("A. Gu, K. Goel, and C. Ré.")
    assert "\\newblock" not in " ".join(multi.references)
    assert "Efficiently modeling" not in "\n".join(s.text for s in multi.sections)
    assert "[1, 2]" in multi.sections[0].text  # \cite{a,b} -> their numbers in the .bbl


def test_appendix_is_lettered(multi: FullText) -> None:
    appendix = [(s.number, s.appendix) for s in multi.sections if s.appendix]
    assert appendix == [("A", True), ("A.1", True)]


def test_footnotes_leave_the_text(multi: FullText) -> None:
    assert multi.footnotes == (
        "Mixed precision halves memory; see https://example.org/amp.",
        "Budget: 2,000 GPU hours.",
    )
    assert "Budget" not in multi.plain_text().split("Footnote")[0].split("Limitations")[1]


def test_tables_grid_multicolumn_and_section(multi: FullText) -> None:
    t = multi.tables[0]
    assert t.label == "Table 1" and t.caption.startswith("Results on GLUE dev")
    assert t.rows[0] == ("", "GLUE", "", "", "")  # \multicolumn{3}{c}{GLUE} padded to 3 cells
    assert t.rows[1] == ("Method", "MNLI", "QNLI", "SST-2", "Avg")
    assert multi.sections[t.section or 0].label == "3 Experiments"
    assert "84.6" not in multi.sections[t.section or 0].text  # not repeated in the text
    assert "Figure 1: Loss curves of FooNet." in multi.captions


def test_refs_and_labels_resolve_to_numbers(multi: FullText) -> None:
    assert "Section 2 describes the model and Section 3" in multi.sections[0].text
    assert "Table 1 shows FooNet" in multi.plain_text()


def test_display_math_is_a_paragraph_and_inline_math_is_kept(multi: FullText) -> None:
    text = multi.sections[2].text
    assert "$h = (W_1 x) \\odot \\sigma(W_2 x)$" in text
    assert "\n\n$$\\begin{aligned}" in text and "\\label" not in text


def test_comments_dropped_and_escaped_percent_kept() -> None:
    ft = extract_latex((HERE / "plain_tex.tex").read_bytes())
    text = ft.plain_text()
    assert "3.5% of questions" in text and "of what?" not in text
    assert "99.9" not in text and "77 annotators" not in text  # \iffalse, comment env
    assert "Zürich and São Paulo" in text and "François" in text


def test_readme_json_beats_a_bigger_decoy() -> None:
    ft = extract_latex((HERE / "readme_json.tar.gz").read_bytes())
    assert ft.title == "Quill: Fast Speculative Serving"
    assert "Verification" in [s.heading for s in ft.sections]  # \paragraph, unnumbered
    assert [s.number for s in ft.sections if s.heading == "Verification"] == [""]


def test_missing_input_and_bib_only_are_warnings() -> None:
    ft = extract_latex((HERE / "missing_input.tar.gz").read_bytes())
    assert "missing \\input file sections/related" in ft.warnings
    assert any(w.startswith("no .bbl") for w in ft.warnings)
    assert ft.references == ()
    assert "Echo-base" in ft.sections[0].text  # \providecommand did not redefine \sys


def test_input_cycle_is_guarded() -> None:
    data = _tar({"main.tex": _doc("\\section{A}\n\\input{a}"), "a.tex": "x \\input{b}",
                 "b.tex": "y \\input{a} \\input{main}"})  # fmt: skip
    ft = extract_latex(data)
    assert ft.sections[0].text == "x y"
    assert any("cycle" in w for w in ft.warnings)


def test_chapters_starred_and_numbering() -> None:
    body = ("\\chapter{Intro}\\section{Aim}\\section*{Note}\\subsection{Sub}\\chapter{Two}"
            "\\section{B}\\appendix\\chapter{Extra}\\section{C}")  # fmt: skip
    ft = extract_latex(_doc(body))
    assert [s.label for s in ft.sections] == [
        "1 Intro", "1.1 Aim", "Note", "1.1.1 Sub", "2 Two", "2.1 B", "A Extra", "A.1 C"]  # fmt: skip
    assert [s.level for s in ft.sections] == [1, 2, 2, 3, 1, 2, 1, 2]


def test_unknown_macros_are_listed_once_and_keep_their_argument() -> None:
    ft = extract_latex(_doc("\\section{S}\\foo{kept} and \\bar x \\foo{again}"))
    assert ft.sections[0].text == "kept and x again"
    assert [w for w in ft.warnings if "unknown macros" in w] == [
        "unknown macros (dropped, argument text kept): \\bar, \\foo"
    ]


def test_macro_optional_default_and_def_with_parameters() -> None:
    pre = "\\newcommand{\\m}[2][2]{#2x#1}\\def\\pair#1#2{(#1,#2)}\\renewcommand\\m[2][2]{#2y#1}"
    ft = extract_latex(_doc("\\section{S}\\m{3} \\m[4]{5} \\pair{a}{b}", pre))
    assert ft.sections[0].text == "3y2 5y4 (a,b)"


def test_recursive_macro_stops_with_a_warning() -> None:
    ft = extract_latex(_doc("\\section{S} \\a", "\\def\\a{\\a\\a}"))
    assert any("macro expansion stopped" in w for w in ft.warnings)


def test_lists_citations_without_bbl_and_thebibliography() -> None:
    body = ("\\section{S}\\begin{itemize}\\item one \\cite{k1}\\item two\\begin{enumerate}"
            "\\item inner\\end{enumerate}\\end{itemize}\\cite{nokey}"
            "\\begin{thebibliography}{9}\\bibitem{k1} A. Writer. \\newblock Title. 2020."
            "\\end{thebibliography}")  # fmt: skip
    ft = extract_latex(_doc(body))
    assert ft.sections[0].text == "- one [1]\n- two\n  1. inner\n\n[nokey]"
    assert ft.references == ("A. Writer. Title. 2020.",)


def test_malformed_tex_degrades_with_warnings() -> None:
    ft = extract_latex(_doc("\\section{Open {brace\\begin{itemize}\\item a $x"))
    assert ft.sections and ft.warnings


def test_no_tex_in_archive_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no .tex file"):
        extract_latex(_tar({"fig.png": b"\x89PNG"}))


@pytest.mark.parametrize("compress", ["gz", "bz2", "xz", ""])
def test_tar_compressions(compress: str) -> None:
    ft = extract_latex(_tar({"p.tex": _doc("\\section{Only}hi")}, compress))
    assert ft.sections[0].text == "hi"


# -- archive safety ----------------------------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap_while_streaming() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))  # 64 MB inflated from ~64 kB
    assert len(bomb) < 200_000
    with pytest.raises(InputError, match="max_total_bytes"):
        read_source(bomb, limits=ArchiveLimits(max_total_bytes=1_000_000))
    with pytest.raises(InputError, match="max_member_bytes"):
        read_source(bomb, limits=ArchiveLimits(max_member_bytes=1_000_000))


def test_tar_bomb_member_is_capped() -> None:
    data = _tar({"main.tex": b"%" * 3_000_000})
    with pytest.raises(InputError, match="max_member_bytes"):
        extract_latex(data, limits=ArchiveLimits(max_member_bytes=1_000_000))
    with pytest.raises(InputError, match="max_total_bytes"):
        extract_latex(data, limits=ArchiveLimits(max_total_bytes=1_000_000))


def test_too_many_members() -> None:
    data = _tar({f"f{k}.tex": "x" for k in range(30)})
    with pytest.raises(InputError, match="max_members"):
        extract_latex(data, limits=ArchiveLimits(max_members=20))


def test_path_escape_and_links_are_skipped() -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for name, data in (("main.tex", _doc("\\section{S}\\input{../evil}\\input{link}")),
                           ("../evil.tex", b"EVIL"), ("/abs.tex", b"ABS")):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link.tex")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
        dev = tarfile.TarInfo("dev.tex")
        dev.type = tarfile.CHRTYPE
        tf.addfile(dev)
    files, notes = read_source(gzip.compress(raw.getvalue()))
    assert sorted(files) == ["main.tex"]
    assert len(notes) == 4
    ft = extract_latex(gzip.compress(raw.getvalue()))
    assert "EVIL" not in ft.plain_text() and "root:" not in ft.plain_text()


def test_truncated_archive_is_an_input_error() -> None:
    data = (HERE / "multi_tar.tar.gz").read_bytes()
    with pytest.raises(InputError):
        extract_latex(data[: len(data) // 2])


# -- never a traceback -------------------------------------------------------------------------

_TEX_BITS = st.sampled_from(
    ["\\section{", "\\begin{table}", "\\end{table}", "\\begin{tabular}{cc}", "&", "\\\\", "{",
     "}", "$", "$$", "\\[", "\\]", "\\(", "%", "\\%", "\\item", "\\begin{itemize}",
     "\\end{itemize}", "\\newcommand{\\x}[1]{#1#1}", "\\x{", "\\def\\y#1{\\y{#1}}", "\\y",
     "\\input{", "\\cite{", "\\ref{", "\\label{", "\\footnote{", "\\iffalse", "\\fi",
     "\\appendix", "\\caption{", "\\multicolumn{2}{c}{", "\\verb|", "\\'", "~", "text ", "\n\n",
     "\\begin{document}", "\\end{document}", "\\bibitem{", "\\SI{", "\\begin{equation}"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEX_BITS, max_size=40))
def test_random_tex_never_raises(parts: list[str]) -> None:
    ft = extract_latex(("\\documentclass{article}" + "".join(parts)).encode())
    assert isinstance(ft, FullText)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.binary(max_size=64))
def test_truncated_or_garbled_archives_raise_only_input_error(cut: int, junk: bytes) -> None:
    data = (HERE / "multi_tar.tar.gz").read_bytes()
    for blob in (data[:cut], data[:cut] + junk, junk):
        with contextlib.suppress(InputError):
            extract_latex(blob)


def test_a_megabyte_of_tex_is_read(tmp_path: Path) -> None:
    unit = ("\\section{S}\\textbf{1} & {\\em a} $x$ \\cite{k} \\ref{l} \\foo{b} %c\n"
            "\\begin{itemize}\\item z\\end{itemize}\n\n")  # fmt: skip
    body = unit * (1_000_000 // len(unit))
    ft = extract_latex(_doc(body + "{" * 2000 + "\\begin{itemize}" * 2000))
    assert len(ft.sections) == 1_000_000 // len(unit)


def test_floats_number_like_latex() -> None:
    body = (
        "\\section{S}See \\cref{fig:b}, \\ref{tab:x}, \\autoref{alg:a} and "
        "\\hyperref[fig:b]{the plot}.\\footnotetext{Side note.}"
        "\\begin{figure}\\begin{subfigure}{0.5\\linewidth}\\caption{left}\\end{subfigure}"
        "\\caption{Pair}\\end{figure}"
        "\\begin{figure}\\label{fig:b}\\caption{Second}\\end{figure}"
        "\\begin{algorithm}\\caption{Search}\\label{alg:a}\\State x\\end{algorithm}"
        "\\begin{table}\\label{tab:x}\\begin{tabular}{c}1\\end{tabular}\\caption{T}\\end{table}"
    )
    ft = extract_latex(_doc(body))
    assert ft.sections[0].text == "See Figure 2, 1, Algorithm 1 and the plot."
    assert ft.captions == ("left", "Figure 1: Pair", "Figure 2: Second", "Algorithm 1: Search",
                           "Table 1: T")  # fmt: skip
    assert ft.footnotes == ("Side note.",)


def test_texorpdfstring_heading_and_abstract_in_preamble() -> None:
    pre = "\\begin{abstract}Early abstract.\\end{abstract}"
    ft = extract_latex(_doc("\\section{On \\texorpdfstring{$\\alpha$}{alpha}}x", pre))
    assert ft.sections[0].label == "1 On $\\alpha$"
    assert ft.abstract == "Early abstract."


def test_theorems_numbered_by_newtheorem_and_xparse_macros() -> None:
    pre = (
        "\\newtheorem{thm}{Theorem}[section]\\newtheorem{lem}[thm]{Lemma}"
        "\\NewDocumentCommand{\\pair}{O{0} m}{(#1, #2)}"
    )
    body = (
        "\\section{A}\\begin{thm}[Bound]\\label{t:b}x\\end{thm}\\begin{lem}y\\end{lem}"
        "\\begin{proof}z\\end{proof}\\section{B\\label{s:b}}By \\autoref{t:b}, "
        "\\cref{s:b} and \\pair{1} \\pair[2]{3}."
    )
    ft = extract_latex(_doc(body, pre))
    assert ft.sections[0].text == "Theorem 1.1 (Bound). x\n\nLemma 1.2. y\n\nProof. z"
    assert ft.sections[1].text == "By Theorem 1.1, Section 2 and (0, 1) (2, 3)."


def test_control_characters_in_the_input_cannot_forge_marks() -> None:
    ft = extract_latex(_doc("\\section{S}a\x00S99\x00b\x01Rx\x01c\x02d"))
    assert ft.sections[0].text == "aS99bRxcd"


@pytest.mark.parametrize(
    "unit",
    ["\\(", "\\[", "\\item[", "\\cite[", "$a\\$", "$$", "\\begin{x}", "\\end{x}", "\\verb",
     "\\footnote{", "\\section{", "&\\\\", "\\input{a}", "\\SI{", "\\m[", "\\item[[",
     "\\newcommand{\\x}{", "\\def\\q#1{"],
)  # fmt: skip
def test_pathological_repetitions_stay_linear(unit: str) -> None:
    # each of these once cost a scan to the end of the text per occurrence (quadratic: a
    # minute for 100 kB); now the whole text is read in well under a second
    main = _doc(unit * 20_000, "\\newcommand{\\m}[1][d]{#1}")
    ft = extract_latex(_tar({"main.tex": main, "a.tex": "x " * 5_000}))
    assert isinstance(ft, FullText)


@pytest.mark.parametrize(
    "data", [gzip.compress(b"%!PS-Adobe-3.0\n%%Pages: 3\n"), gzip.compress(b"<html><body>x"),
             b"just some words, no TeX at all"],
)  # fmt: skip
def test_not_latex_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="not LaTeX"):
        extract_latex(data)


def test_a_guessed_main_file_is_said() -> None:
    ft = extract_latex(_tar({"paper.tex": _doc("\\section{Real} " + "x " * 100),
                             "sample.tex": _doc("\\section{Sample}")}))  # fmt: skip
    assert [s.heading for s in ft.sections] == ["Real"]
    assert "main file paper.tex chosen over sample.tex" in ft.warnings


def test_longtable_cjk_and_latin1() -> None:
    body = (
        "\\section{S}\\begin{longtable}{lc}\\caption{Long one}\\label{tab:l}\\\\ A & B \\\\"
        "\\endfirsthead x & 1.5 \\\\\\end{longtable}See Table~\\ref{tab:l}. "
        "\\begin{CJK}{UTF8}{gbsn}中文\\end{CJK} Caf\xe9"
    )
    ft = extract_latex(_doc(body).decode("utf-8").encode("utf-8"))
    assert ft.tables[0].label == "Table 1" and ft.tables[0].rows == (("A", "B"), ("x", "1.5"))
    assert ft.sections[0].text == "See Table 1. 中文 Café"
    latin = extract_latex(_doc("\\section{S}Caf\xe9").decode("utf-8").encode("latin-1"))
    assert latin.sections[0].text == "Café"
    assert "main.tex is not UTF-8; read as Latin-1" in latin.warnings


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_after_documentclass_never_raises(text: str) -> None:
    ft = extract_latex(("\\documentclass{article}\\begin{document}" + text).encode())
    assert all("\x00" not in s.text and "\x01" not in s.text for s in ft.sections)
