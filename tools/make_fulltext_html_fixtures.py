"""Write the long LaTeXML-shaped fixture ``fixtures/fulltext/html/long_scaling.html`` and its
gold file, both from the same invented content (deterministic: a fixed seed).

Why a generator: a realistic arXiv HTML page of ~300 kB (MathML, ids, tables, footnotes,
a long bibliography) is too long to write by hand, and the speed benchmark needs one.
The gold is built from the content lists below, never from an extractor's output.

    python tools/make_fulltext_html_fixtures.py
"""

from __future__ import annotations

import html
import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "fulltext" / "html"
ARXIV_ID = "2503.04417"
TITLE = "Scaling Sparse Mixture-of-Experts Training on Commodity Clusters"
MODELS = ["MoE-S", "MoE-M", "MoE-L", "Dense-1B", "Dense-7B", "Switch-B"]
DATASETS = ["C4", "The Pile", "RedPajama", "SlimPajama", "FineWeb"]
GPUS = ["A100", "H100", "V100", "L40S"]
MATH = [
    r"\mathcal{L}_{\mathrm{aux}}",
    r"k=2",
    r"\alpha",
    r"E",
    r"\mathbf{h}_{t}",
    r"p_{i}(x)",
    r"\lambda",
    r"\tau",
]
SECTIONS = [
    ("Introduction", ["Motivation", "Contributions"]),
    ("Background", ["Mixture-of-Experts layers", "Expert parallelism"]),
    ("Method", ["Capacity-aware routing", "Overlapping all-to-all", "Load balancing loss"]),
    ("Experimental Setup", ["Hardware", "Datasets", "Hyper-parameters"]),
    ("Results", ["Throughput", "Quality", "Scaling laws"]),
    ("Ablations", ["Routing", "Communication"]),
    ("Related Work", []),
    ("Limitations", []),
    ("Conclusion", []),
]
APPENDIX = [("Additional Results", ["Per-task scores", "Variance across seeds"]),
            ("Training Details", [])]  # fmt: skip


def mathml(tex: str) -> str:
    """A plausible MathML rendering of ``tex`` (tokens as mi/mn/mo, content MathML with
    numbers, the TeX annotation), as LaTeXML writes it: the noise an extractor must drop."""
    toks = re.findall(r"\\[A-Za-z]+|\d+(?:\.\d+)?|[A-Za-z]|\S", tex)
    pres = []
    for t in toks:
        if t[0].isdigit():
            pres.append(f"<mn>{t}</mn>")
        elif t[0].isalpha() or t.startswith("\\"):
            pres.append(f"<mi>{html.escape(t.lstrip(chr(92)))}</mi>")
        elif t not in "{}_^":
            pres.append(f"<mo>{html.escape(t)}</mo>")
    content = "".join(
        f"<cn type='integer'>{t}</cn>" if t[0].isdigit() else "<ci>x</ci>" for t in toks[:4]
    )
    return (
        "<semantics><mrow>" + "".join(pres) + "</mrow>"
        f'<annotation-xml encoding="MathML-Content"><apply><csymbol cd="ambiguous">formula</csymbol>{content}</apply></annotation-xml>'
        f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation></semantics>'
    )


def inline_math(tex: str, ident: str) -> str:
    return (
        f'<math alttext="{html.escape(tex)}" class="ltx_Math" display="inline" id="{ident}">'
        f"{mathml(tex)}</math>"
    )


class Paper:
    """Accumulates the HTML and, in step, the gold (headings, numbers, body text)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.html: list[str] = []
        self.headings: list[str] = []
        self.appendix: list[str] = []
        self.table_numbers: list[str] = []
        self.body_numbers: list[str] = []
        self.body: list[str] = []
        self.footnote = 0
        self.table = 0
        self.figure = 0
        self.equation = 0

    def num(self, lo: float, hi: float, digits: int = 1) -> str:
        value = self.rng.uniform(lo, hi)
        return f"{value:.{digits}f}" if digits else str(int(value))

    def sentence(self, ident: str, k: int) -> tuple[str, str]:
        """One sentence as (html, gold text), with numbers and inline math."""
        r = self.rng
        model, data, gpu = r.choice(MODELS), r.choice(DATASETS), r.choice(GPUS)
        n_gpu = str(r.choice([8, 16, 32, 64, 128, 256, 512]))
        steps = f"{r.randrange(10, 400) * 1000:,}"
        score = self.num(20, 95)
        tex = r.choice(MATH)
        kind = r.randrange(4)
        if kind == 0:
            words = f"We train {model} on {data} using {n_gpu} {gpu} GPUs for {steps} steps"
            tail, numbers = ".", [n_gpu, steps]
        elif kind == 1:
            words = f"With {{M}} set to {score}, {model} reaches a validation perplexity of {self.num(5, 30, 2)}"
            tail, numbers = " on held-out data.", []
        elif kind == 2:
            words = f"The router assigns each token to the top experts, and the overhead stays below {self.num(1, 9)}% of step time for {model}"
            tail, numbers = ".", []
        else:
            words = f"Compared with {r.choice(MODELS)}, throughput rises by {self.num(1.1, 3.5, 2)} times on {n_gpu} nodes"
            tail, numbers = " [" + str(r.randrange(1, 60)) + "].", [n_gpu]
        if "{M}" not in words:
            words += " with {M}"
        m_html = inline_math(tex, f"{ident}.m{k}")
        h = html.escape(words).replace("{M}", m_html) + html.escape(tail)
        g = words.replace("{M}", f"${tex}$") + tail
        for tok in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", words.replace("{M}", "")):
            numbers.append(tok)
        self.body_numbers.extend(dict.fromkeys(numbers))
        return h, g

    def paragraph(self, ident: str, n: int = 7) -> None:
        parts_h, parts_g = [], []
        for k in range(n):
            h, g = self.sentence(ident, k)
            parts_h.append(h)
            parts_g.append(g)
            if k == 2 and self.rng.random() < 0.3:
                self.footnote += 1
                f = self.footnote
                note = f"Code and configurations for run {f} are released with the paper."
                parts_h[-1] += (
                    f'<span class="ltx_note ltx_role_footnote" id="footnote{f}"><sup class="ltx_note_mark">{f}</sup>'
                    f'<span class="ltx_note_outer"><span class="ltx_note_content"><sup class="ltx_note_mark">{f}</sup>'
                    f'<span class="ltx_tag ltx_tag_note">{f}</span>{note}</span></span></span>'
                )
        self.html.append(
            f'<div class="ltx_para" id="{ident}">\n<p class="ltx_p" id="{ident}.1">'
            + " ".join(parts_h)
            + "</p>\n</div>"
        )
        self.body.append(" ".join(parts_g))

    def equation_block(self, sid: str) -> None:
        self.equation += 1
        e = self.equation
        tex = rf"\mathcal{{L}}_{{{e}}}=\sum_{{i=1}}^{{E}}f_{{i}}P_{{i}}+\lambda\,\|\mathbf{{w}}\|^{{2}}"
        self.html.append(
            f'<table class="ltx_equation ltx_eqn_table" id="{sid}.E{e}"><tbody><tr class="ltx_equation ltx_eqn_row ltx_align_baseline">'
            '<td class="ltx_eqn_cell ltx_eqn_center_padleft"></td><td class="ltx_eqn_cell ltx_align_center">'
            f'<math alttext="{html.escape(tex)}" class="ltx_Math" display="block" id="{sid}.E{e}.m1">{mathml(tex)}</math></td>'
            '<td class="ltx_eqn_cell ltx_eqn_center_padright"></td><td class="ltx_eqn_cell ltx_eqn_eqno ltx_align_middle ltx_align_right" rowspan="1">'
            f'<span class="ltx_tag ltx_tag_equation ltx_align_right">({e})</span></td></tr></tbody></table>'
        )
        self.body.append(f"$${tex}$$ ({e})")

    def results_table(self, sid: str) -> None:
        self.table += 1
        t = self.table
        caption = f"Results of every model on {self.rng.choice(DATASETS)} (run group {t})."
        cols = ["Model", "GPUs", "Tokens/s", "PPL", "Acc. (%)"]
        head = "".join(
            f'<th class="ltx_td ltx_align_center ltx_th ltx_th_column ltx_border_tt">{c}</th>'
            for c in cols
        )
        rows = []
        for i, model in enumerate(MODELS):
            cells = [str(self.rng.choice([8, 16, 64, 128])), f"{self.rng.randrange(5, 90) * 1000:,}",
                     self.num(4, 30, 2), self.num(40, 90)]  # fmt: skip
            self.table_numbers.extend(cells)
            tds = "".join(f'<td class="ltx_td ltx_align_center">{c}</td>' for c in cells)
            rows.append(
                f'<tr class="ltx_tr" id="{sid}.T{t}.1.{i + 2}"><th class="ltx_td ltx_align_left ltx_th ltx_th_row">{model}</th>{tds}</tr>'
            )
        self.html.append(
            f'<figure class="ltx_table" id="{sid}.T{t}">\n<figcaption class="ltx_caption ltx_centering">'
            f'<span class="ltx_tag ltx_tag_table">Table {t}: </span>{html.escape(caption)}</figcaption>\n'
            f'<table class="ltx_tabular ltx_centering ltx_guessed_headers ltx_align_middle" id="{sid}.T{t}.1">'
            f'<thead class="ltx_thead"><tr class="ltx_tr">{head}</tr></thead><tbody class="ltx_tbody">'
            + "".join(rows)
            + "</tbody></table>\n</figure>"
        )

    def figure_block(self, sid: str) -> None:
        self.figure += 1
        f = self.figure
        self.html.append(
            f'<figure class="ltx_figure" id="{sid}.F{f}"><img alt="Refer to caption" class="ltx_graphics ltx_centering" '
            f'height="300" id="{sid}.F{f}.g1" src="x{f}.png" width="598"/>\n<figcaption class="ltx_caption ltx_centering">'
            f'<span class="ltx_tag ltx_tag_figure">Figure {f}: </span>Throughput against cluster size for run group {f}.</figcaption></figure>'
        )

    def section(self, number: str, title: str, subs: list[str], appendix: bool = False) -> None:
        sid = f"A{number}" if appendix else f"S{number}"
        kind = "appendix" if appendix else "section"
        tag = f"Appendix {number} " if appendix else f"{number} "
        self.html.append(
            f'<section class="ltx_{kind}" id="{sid}">\n<h2 class="ltx_title ltx_title_{kind}">'
            f'<span class="ltx_tag ltx_tag_{kind}">{tag}</span>{title}</h2>'
        )
        label = f"{number} {title}"
        self.headings.append(label)
        if appendix:
            self.appendix.append(label)
        for p in range(1, 3):
            self.paragraph(f"{sid}.p{p}")
        for j, sub in enumerate(subs, 1):
            self.html.append(
                f'<section class="ltx_subsection" id="{sid}.SS{j}">\n<h3 class="ltx_title ltx_title_subsection">'
                f'<span class="ltx_tag ltx_tag_subsection">{number}.{j} </span>{sub}</h3>'
            )
            self.headings.append(f"{number}.{j} {sub}")
            if appendix:
                self.appendix.append(f"{number}.{j} {sub}")
            for p in range(1, 4):
                self.paragraph(f"{sid}.SS{j}.p{p}")
            if j % 2 == 1:
                self.equation_block(sid)
            if j == 2 or (appendix and j == 1):
                self.results_table(sid)
            if j == 3:
                self.figure_block(sid)
            self.html.append("</section>")
        self.html.append("</section>")


def bibliography(rng: random.Random, n: int) -> str:
    items = []
    for i in range(1, n + 1):
        year = rng.randrange(2015, 2025)
        items.append(
            f'<li class="ltx_bibitem" id="bib.bib{i}"><span class="ltx_tag ltx_role_refnum ltx_tag_bibitem">[{i}]</span>'
            f'<span class="ltx_bibblock">A. Author{i}, B. Writer, and C. Coder. </span>'
            f'<span class="ltx_bibblock">Efficient expert routing, part {i}. </span>'
            f'<span class="ltx_bibblock">In <em class="ltx_emph ltx_font_italic">Proceedings of MLSys</em>, pages {i}–{i + 12}, {year}.</span></li>'
        )
    return (
        '<section class="ltx_bibliography" id="bib">\n<h2 class="ltx_title ltx_title_bibliography">References</h2>\n'
        '<ul class="ltx_biblist">\n' + "\n".join(items) + "\n</ul>\n</section>"
    )


HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta content="text/html; charset=utf-8" http-equiv="content-type"/>
<title>{title}</title>
<meta content="width=device-width, initial-scale=1, shrink-to-fit=no" name="viewport"/>
<link href="https://arxiv.org/static/browse/0.3.4/css/ar5iv.0.7.9.min.css" rel="stylesheet" type="text/css"/>
<link href="https://arxiv.org/html/{id}v3" rel="canonical"/>
<script src="https://arxiv.org/static/browse/0.3.4/js/addons_new.js"></script>
</head>
<body>
<header class="mob_header"><div class="html-header-logo"><a href="https://arxiv.org/"><span class="sr-only">Back to arXiv</span></a></div>
<div class="html-header-message" role="banner"><p>This is <strong>experimental HTML</strong> to improve accessibility. Version 2, 12 Jan 2025.</p></div></header>
<nav class="ltx_page_navbar"><nav class="ltx_TOC"><ol class="ltx_toclist"><li class="ltx_tocentry"><a class="ltx_ref" href="#S1"><span class="ltx_text ltx_ref_title"><span class="ltx_tag ltx_tag_ref">1 </span>Introduction</span></a></li></ol></nav></nav>
<div class="ltx_page_main">
<div class="ltx_page_content">
<div class="section" id="target-section"><a href="https://info.arxiv.org/help/license/index.html#licenses-available" id="license-tr">License: CC BY 4.0</a><div id="watermark-tr">arXiv:{id}v3 [cs.LG] 14 Mar 2025</div></div>
<article class="ltx_document ltx_authors_1line">
<h1 class="ltx_title ltx_title_document">{title}</h1>
<div class="ltx_authors"><span class="ltx_creator ltx_role_author"><span class="ltx_personname">Mei Tanaka, Ravi Gupta and Lena Hoffmann<br class="ltx_break"/>Institute for Distributed Learning, 2048 Cluster Road</span></span></div>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>
<p class="ltx_p" id="id1.id1">Sparse mixture-of-experts models promise large capacity at modest cost, but training them on commodity clusters is limited by communication. We describe capacity-aware routing and overlapped all-to-all exchange, and show that they make expert parallelism practical on ordinary interconnects.</p>
</div>
"""
TAIL = """</article>
</div>
<footer class="ltx_page_footer"><div class="ltx_page_logo">Generated on Fri Mar 14 2025 by <a class="ltx_LaTeXML_logo" href="http://dlmf.nist.gov/LaTeXML/">LaTeXML</a></div></footer>
</div>
<footer id="footer" class="ltx_document"><p>About arXiv. Help 1 2 3. Contact 404.</p></footer>
</body>
</html>
"""


def main() -> None:
    rng = random.Random(20250314)
    paper = Paper(rng)
    for i, (title, subs) in enumerate(SECTIONS, 1):
        paper.section(str(i), title, subs)
    for letter, (title, subs) in zip("AB", APPENDIX, strict=True):
        paper.section(letter, title, subs, appendix=True)
    n_refs = 60
    page = HEAD.format(title=html.escape(TITLE), id=ARXIV_ID)
    page += "\n".join(paper.html) + "\n" + bibliography(rng, n_refs) + "\n" + TAIL
    gold = {
        "source": "html",
        "arxiv_id": ARXIV_ID,
        "version": 3,
        "title": TITLE,
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "headings": paper.headings,
        "appendix": paper.appendix,
        "table_numbers": list(dict.fromkeys(paper.table_numbers)),
        "body_numbers": list(dict.fromkeys(paper.body_numbers)),
        "body_text": "\n\n".join(paper.body),
        "references": n_refs,
        "tables": paper.table,
        "footnotes": paper.footnote,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "long_scaling.html").write_text(page, encoding="utf-8")
    (OUT / "long_scaling.gold.json").write_text(
        json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"long_scaling.html: {len(page.encode()):,} bytes")


if __name__ == "__main__":
    main()
