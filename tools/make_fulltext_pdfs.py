"""Write the PDF fixtures of ``fixtures/fulltext/pdf/`` and their gold files.

Why a generator: real arXiv PDFs carry third-party licences, and a hand-written gold file
for a PDF drifts from it. Here each paper is data (title, abstract, sections of paragraphs,
tables, figures, footnotes, references, appendix); the same data is typeset with reportlab
(standard Times/Helvetica/Symbol fonts, nothing to embed) and written as the gold JSON, so
the gold never comes from an extractor. The typesetting imitates what arXiv PDFs do to an
extractor: two columns with a full-width title block, justified lines drawn word by word
(no space characters in the content stream, like TeX), hyphenated line ends, running heads,
page numbers, a rotated arXiv stamp, superscript footnote marks, ruled tables, figures with
tick labels, hanging-indent references, an appendix after the references.

Deterministic: prose comes from a seeded generator and reportlab writes with
``invariant=1``, so running it twice gives the same bytes.

    .venv/bin/python tools/make_fulltext_pdfs.py [OUT_DIR]
"""

from __future__ import annotations

import io
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestkit.evaluation.fulltext_metrics import number_tokens  # noqa: E402

PAGE_W, PAGE_H = letter
GREEK = {r"\alpha": "α", r"\beta": "β", r"\lambda": "λ", r"\sigma": "σ", r"\tau": "τ"}


# -- the paper as data ---------------------------------------------------------------------


@dataclass
class TableSpec:
    label: str
    caption: str
    rows: list[list[str]]
    wide: bool = False


@dataclass
class FigureSpec:
    label: str
    caption: str
    ticks: bool = False


@dataclass
class SectionSpec:
    number: str
    heading: str
    level: int
    blocks: list[object] = field(default_factory=list)  # str paragraphs, tables, figures
    appendix: bool = False


@dataclass
class PaperSpec:
    name: str
    arxiv_id: str
    title: str
    authors: str
    affiliation: str
    abstract: str
    sections: list[SectionSpec]
    references: list[str]
    style: str = "twocol"  # twocol | onecol | ieee
    body_font: str = "Times-Roman"
    head_font: str = "Times-Bold"
    ruled: bool = True
    stamp: bool = True
    footnotes: dict[str, str] = field(default_factory=dict)  # mark -> text


# -- seeded prose ---------------------------------------------------------------------------

SUBJECTS = [
    "Our method", "The proposed model", "This approach", "The encoder", "Each layer",
    "The baseline", "A smaller variant", "The router", "The training objective",
    "Our implementation", "The ablation", "The distilled student",
]  # fmt: skip
VERBS = [
    "improves", "reduces", "stabilizes", "outperforms", "matches", "degrades",
    "accelerates", "regularizes", "preserves",
]  # fmt: skip
OBJECTS = [
    "the generalization of downstream classifiers",
    "the computational overhead of attention",
    "the representations learned during pretraining",
    "transformer-based retrieval pipelines",
    "state-of-the-art results on multilingual benchmarks",
    "the interpretability of intermediate activations",
    "the calibration of uncertainty estimates",
    "optimization under heterogeneous hardware configurations",
    "the memorization of infrequent training examples",
]  # fmt: skip
TAILS = [
    "by {n} points on average",
    "with a learning rate of {f}",
    "when trained for {i} steps",
    "on {i} GPUs",
    "at a batch size of {i}",
    "while using {p} fewer parameters",
    "across {s} random seeds",
    "without additional hyperparameters",
    "under the standard evaluation protocol",
    "in {n} hours of wall-clock time",
]  # fmt: skip
LINKS = [
    "In contrast,", "Moreover,", "As shown in our experiments,", "Surprisingly,",
    "Following prior work,", "In practice,", "Consequently,", "Notably,",
]  # fmt: skip


class Prose:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def number(self, kind: str) -> str:
        r = self.rng
        if kind == "n":
            return f"{r.randint(1, 40)}.{r.randint(1, 9)}"
        if kind == "f":
            return f"0.{r.randint(1, 9)}{r.randint(1, 9)}"
        if kind == "i":
            return f"{r.choice([2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]):,}"
        if kind == "p":
            return f"{r.randint(10, 90)}.{r.randint(0, 9)}%"
        return str(r.randint(3, 9))

    def sentence(self, greek: bool = False) -> str:
        r = self.rng
        tail = r.choice(TAILS)
        for k in "nfips":
            if "{" + k + "}" in tail:
                tail = tail.replace("{" + k + "}", self.number(k))
        s = f"{r.choice(SUBJECTS)} {r.choice(VERBS)} {r.choice(OBJECTS)} {tail}."
        if r.random() < 0.35:
            s = f"{r.choice(LINKS)} {s[0].lower()}{s[1:]}"
        if greek:
            g = r.choice(sorted(GREEK))
            s = s[:-1] + f" with ${g}$ set to {self.number('f')}."
        return s

    def paragraph(self, n: int | None = None) -> str:
        n = n or self.rng.randint(4, 7)
        return " ".join(self.sentence(greek=self.rng.random() < 0.15) for _ in range(n))


# -- typesetting ----------------------------------------------------------------------------


class Typesetter:
    """A small page builder: columns, flowing lines, floats at the current position."""

    def __init__(self, paper: PaperSpec) -> None:
        self.p = paper
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=letter, invariant=1, pageCompression=1)
        self.c.setTitle(paper.title)
        self.page = 1
        self.margin = 54.0
        self.top = PAGE_H - 64
        self.bottom_base = 66.0
        ncols = 1 if paper.style == "onecol" else 2
        gap = 18.0
        inner = PAGE_W - 2 * self.margin
        w = (inner - gap * (ncols - 1)) / ncols
        self.cols = [(self.margin + i * (w + gap), w) for i in range(ncols)]
        self.col = 0
        self.y = self.top
        self.col_top = self.top
        self.bottoms = [self.bottom_base] * ncols
        self.size, self.leading = 10.0, 12.0
        self.pending_wide: list[TableSpec] = []

    # page furniture
    def furniture(self) -> None:
        c = self.c
        if self.page > 1:
            c.setFont("Times-Italic", 8.5)
            head = self.p.title if len(self.p.title) < 70 else self.p.title[:60] + " ..."
            c.drawCentredString(PAGE_W / 2, PAGE_H - 40, head)
            c.setLineWidth(0.4)
            c.line(self.margin, PAGE_H - 44, PAGE_W - self.margin, PAGE_H - 44)
        c.setFont(self.p.body_font, 10)
        c.drawCentredString(PAGE_W / 2, 36, str(self.page))
        if self.page == 1 and self.p.stamp:
            c.saveState()
            c.setFont("Times-Roman", 18)
            c.setFillGray(0.5)
            c.translate(30, 230)
            c.rotate(90)
            c.drawString(0, 0, f"arXiv:{self.p.arxiv_id}v1  [cs.LG]  12 Jan 2025")
            c.restoreState()

    def new_page(self) -> None:
        self.furniture()
        self.c.showPage()
        self.page += 1
        self.col = 0
        self.col_top = self.top
        self.bottoms = [self.bottom_base] * len(self.cols)
        while self.pending_wide:
            self.col_top = self.draw_table_at(self.pending_wide.pop(0), self.margin,
                                              PAGE_W - 2 * self.margin, self.col_top) - 14  # fmt: skip
        self.y = self.col_top

    def next_column(self) -> None:
        if self.col + 1 < len(self.cols):
            self.col += 1
            self.y = self.col_top
        else:
            self.new_page()

    def need(self, h: float) -> None:
        if self.y - h < self.bottoms[self.col]:
            self.next_column()

    @property
    def x(self) -> float:
        return self.cols[self.col][0]

    @property
    def width(self) -> float:
        return self.cols[self.col][1]

    # text
    def token_width(self, tok: str, font: str, size: float) -> float:
        word, _, mark = tok.partition("^")
        w = sum(stringWidth(t, f, size) for t, f in self.pieces(word, font))
        return w + (stringWidth(mark, font, size * 0.6) if mark else 0)

    @staticmethod
    def pieces(word: str, font: str) -> list[tuple[str, str]]:
        """A word split into (text, font) runs: inline TeX Greek is drawn in Symbol."""
        out: list[tuple[str, str]] = []
        rest = word
        while "$" in rest:
            pre, _, after = rest.partition("$")
            tex, _, rest = after.partition("$")
            if pre:
                out.append((pre, font))
            out.append((GREEK.get(tex, tex), "Symbol" if tex in GREEK else font))
        if rest:
            out.append((rest, font))
        return out

    def draw_token(self, tok: str, x: float, y: float, font: str, size: float) -> None:
        word, _, mark = tok.partition("^")
        for text, f in self.pieces(word, font):
            self.c.setFont(f, size)
            self.c.drawString(x, y, text)
            x += stringWidth(text, f, size)
        if mark:
            self.c.setFont(font, size * 0.6)
            self.c.drawString(x + 0.3, y + size * 0.4, mark)

    def wrap(self, text: str, width: float, font: str, size: float, indent: float = 0,
             hyphenate: bool = True) -> list[list[str]]:  # fmt: skip
        space = stringWidth(" ", font, size)
        lines: list[list[str]] = [[]]
        used = indent
        words = text.split()
        i = 0
        while i < len(words):
            w = words[i]
            ww = self.token_width(w, font, size)
            avail = width - used - (space if lines[-1] else 0)
            if ww <= avail:
                lines[-1].append(w)
                used += ww + (space if len(lines[-1]) > 1 else 0)
                i += 1
                continue
            cut = self.hyphen_cut(w, avail, font, size) if hyphenate else 0
            if cut:
                lines[-1].append(w[:cut] + "-")
                words[i] = w[cut:]
            lines.append([])
            used = 0
        return [ln for ln in lines if ln]

    def hyphen_cut(self, w: str, avail: float, font: str, size: float) -> int:
        """Where to break ``w`` with a hyphen to fill ``avail`` (0: don't). Only plain
        lowercase words of 8+ letters, leaving 3+ letters on each side, as TeX would."""
        if len(w) < 8 or not w.isalpha() or not w.islower():
            return 0
        for cut in range(len(w) - 3, 2, -1):
            if stringWidth(w[:cut] + "-", font, size) <= avail:
                return cut
        return 0

    def paragraph(self, text: str, *, first_indent: float = 10, gap: float = 0,
                  font: str | None = None, size: float | None = None,
                  leading: float | None = None) -> None:  # fmt: skip
        font = font or self.p.body_font
        size = size or self.size
        leading = leading or self.leading
        self.y -= gap
        lines = self.wrap(text, self.width, font, size, indent=first_indent)
        for n, line in enumerate(lines):
            self.need(leading)
            self.y -= leading
            self.footnote_for(line)
            x0 = self.x + (first_indent if n == 0 else 0)
            widths = [self.token_width(t, font, size) for t in line]
            last = n == len(lines) - 1
            slack = self.x + self.width - x0 - sum(widths)
            sp = (
                slack / (len(line) - 1)
                if len(line) > 1 and not last
                else stringWidth(" ", font, size)
            )
            x = x0
            for t, w in zip(line, widths, strict=True):
                self.draw_token(t, x, self.y, font, size)
                x += w + sp

    def footnote_for(self, line: list[str]) -> None:
        for tok in line:
            if "^" in tok:
                text = self.p.footnotes[tok.partition("^")[2]]
                mark = tok.partition("^")[2]
                lines = self.wrap(text, self.width - 6, self.p.body_font, 8, hyphenate=False)
                h = 10 * len(lines) + 8
                base = self.bottoms[self.col]
                self.c.setLineWidth(0.4)
                self.c.line(self.x, base + h - 2, self.x + 60, base + h - 2)
                y = base + h - 12
                self.c.setFont(self.p.body_font, 5)
                self.c.drawString(self.x, y + 3.5, mark)
                self.c.setFont(self.p.body_font, 8)
                for ln in lines:
                    self.c.drawString(self.x + 6, y, " ".join(ln))
                    y -= 10
                self.bottoms[self.col] = base + h + 4

    def heading(self, s: SectionSpec) -> None:
        p = self.p
        if p.style == "ieee":
            if s.level == 1:
                text, font, size, centred = (
                    f"{s.number}. {s.heading.upper()}",
                    "Times-Roman",
                    10,
                    True,
                )
            else:
                sub = s.number.split("-")[-1]
                text, font, size, centred = f"{sub}. {s.heading}", "Times-Italic", 10, False
        else:
            size = {1: 12.0, 2: 10.5, 3: 10.0}[s.level]
            text, font, centred = s.heading, p.head_font, False
        self.need(size * 3 + self.leading * 2)  # no heading alone at a column's foot
        self.y -= size * 1.2 + (8 if s.level == 1 else 5)
        self.c.setFont(font, size)
        if centred:
            self.c.drawCentredString(self.x + self.width / 2, self.y, text)
        elif p.style == "ieee":
            self.c.drawString(self.x, self.y, text)
        else:
            num_w = stringWidth(s.number, font, size) + size if s.number else 0
            if s.number:
                self.c.drawString(self.x, self.y, s.number)
            lines = self.wrap(text, self.width - num_w, font, size, hyphenate=False)
            for k, ln in enumerate(lines):
                if k:
                    self.y -= size * 1.2
                self.c.drawString(self.x + num_w, self.y, " ".join(ln))
        self.y -= 3

    def caption(self, text: str) -> None:
        lines = self.wrap(text, self.width, self.p.body_font, 9, hyphenate=False)
        for ln in lines:
            self.need(11)
            self.y -= 11
            self.c.setFont(self.p.body_font, 9)
            self.c.drawString(self.x, self.y, " ".join(ln))

    def table_size(self, t: TableSpec, width: float) -> tuple[list[float], float]:
        size = 8.0
        ncol = max(len(r) for r in t.rows)
        while True:
            ws = [max(stringWidth(r[j], self.p.body_font, size) for r in t.rows if j < len(r)) + 10
                  for j in range(ncol)]  # fmt: skip
            if sum(ws) <= width or size <= 5:
                return ws, size
            size -= 0.5

    def draw_table_at(self, t: TableSpec, x: float, width: float, y: float) -> float:
        c = self.c
        lines = self.wrap(t.caption, width, self.p.body_font, 9, hyphenate=False)
        c.setFont(self.p.body_font, 9)
        for ln in lines:
            y -= 11
            c.drawString(x, y, " ".join(ln))
        y -= 6
        ws, size = self.table_size(t, width)
        x0 = x + (width - sum(ws)) / 2
        rh = size + 5
        c.setLineWidth(0.5)
        top = y
        for i, row in enumerate(t.rows):
            if self.p.ruled or i in (0, 1):
                c.line(x0, y, x0 + sum(ws), y)
            y -= rh
            cx = x0
            for j, cell in enumerate(row):
                c.setFont("Times-Bold" if i == 0 else self.p.body_font, size)
                c.drawString(cx + 5, y + 3.5, cell)
                cx += ws[j]
        c.line(x0, y, x0 + sum(ws), y)
        if self.p.ruled:
            cx = x0
            for w in [0, *ws]:
                cx += w
                c.line(cx, top, cx, y)
        return y

    def table(self, t: TableSpec) -> None:
        if t.wide and len(self.cols) > 1:
            self.pending_wide.append(t)
            return
        ws, size = self.table_size(t, self.width)
        cap = len(self.wrap(t.caption, self.width, self.p.body_font, 9, hyphenate=False))
        h = cap * 11 + 6 + len(t.rows) * (size + 5) + 10
        self.need(h)
        self.y = self.draw_table_at(t, self.x, self.width, self.y - 4) - 10

    def figure(self, f: FigureSpec) -> None:
        h = 90.0
        cap = len(self.wrap(f.caption, self.width, self.p.body_font, 9, hyphenate=False))
        self.need(h + cap * 11 + 16)
        c = self.c
        self.y -= 6
        x0, x1 = self.x + 20, self.x + self.width - 10
        c.setLineWidth(0.6)
        c.rect(x0, self.y - h, x1 - x0, h)
        pts = [(x0 + (x1 - x0) * k / 8, self.y - h + h * (0.2 + 0.6 * ((k * 37) % 11) / 11))
               for k in range(9)]  # fmt: skip
        for a, b in zip(pts, pts[1:], strict=False):
            c.line(*a, *b)
        if f.ticks:
            c.setFont("Helvetica", 6)
            for k, lab in enumerate(["0", "25", "50", "75", "100"]):
                c.drawCentredString(x0 + (x1 - x0) * k / 4, self.y - h - 7, lab)
            self.y -= 7
        self.y -= h + 4
        self.caption(f.caption)
        self.y -= 8

    # the paper
    def title_block(self) -> None:
        c, p = self.c, self.p
        y = PAGE_H - 80
        for ln in self.wrap(
            p.title, PAGE_W - 2 * self.margin - 40, "Times-Bold", 17, hyphenate=False
        ):
            c.setFont("Times-Bold", 17)
            c.drawCentredString(PAGE_W / 2, y, " ".join(ln))
            y -= 21
        y -= 6
        c.setFont(p.body_font, 11)
        c.drawCentredString(PAGE_W / 2, y, p.authors)
        y -= 14
        c.setFont("Times-Italic", 9.5)
        c.drawCentredString(PAGE_W / 2, y, p.affiliation)
        y -= 26
        if p.style == "ieee":
            self.col_top = self.y = y
            self.ieee_abstract()
            return
        c.setFont(p.head_font, 11)
        c.drawCentredString(PAGE_W / 2, y, "Abstract")
        inset = 40 if p.style == "onecol" else 36
        saved = self.cols
        self.cols = [(self.margin + inset, PAGE_W - 2 * self.margin - 2 * inset)]
        self.col, self.y = 0, y - 4
        self.paragraph(p.abstract, first_indent=0)
        self.cols = saved
        self.col_top = self.y = self.y - 18

    def ieee_abstract(self) -> None:
        lines = self.wrap("Abstract—" + self.p.abstract, self.width, "Times-Bold", 9, indent=8)
        for n, ln in enumerate(lines):
            self.y -= 10.5
            x = self.x + (8 if n == 0 else 0)
            self.c.setFont("Times-Bold", 9)
            self.c.drawString(x, self.y, " ".join(ln))
        self.y -= 6

    def references(self) -> None:
        p = self.p
        if p.style == "ieee":
            self.need(30)
            self.y -= 18
            self.c.setFont("Times-Roman", 10)
            self.c.drawCentredString(self.x + self.width / 2, self.y, "REFERENCES")
        else:
            self.heading(SectionSpec("", "References", 1))
        labelled = p.references[0].startswith("[")
        for ref in p.references:
            indent = 16 if labelled else 10
            lines = self.wrap(ref, self.width - indent, p.body_font, 8.5, hyphenate=False)
            self.need(10 * len(lines) + 3)
            self.y -= 3
            for n, ln in enumerate(lines):
                self.y -= 10
                self.c.setFont(p.body_font, 8.5)
                text = " ".join(ln)
                if labelled and n == 0:
                    lab, _, text = text.partition(" ")
                    self.c.drawString(self.x, self.y, lab)
                    self.c.drawString(self.x + indent, self.y, text)
                else:
                    self.c.drawString(self.x + (indent if n else 0), self.y, text)

    def build(self) -> bytes:
        self.title_block()
        body = [s for s in self.p.sections if not s.appendix]
        appendix = [s for s in self.p.sections if s.appendix]
        self.sections(body)
        self.references()
        if appendix:
            self.new_page()
            self.sections(appendix)
        self.furniture()
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()

    def sections(self, sections: list[SectionSpec]) -> None:
        gap_style = self.p.style == "onecol"
        for s in sections:
            self.heading(s)
            for k, b in enumerate(s.blocks):
                if isinstance(b, TableSpec):
                    self.table(b)
                elif isinstance(b, FigureSpec):
                    self.figure(b)
                else:
                    indent = 0 if gap_style or k == 0 else 10
                    self.paragraph(str(b), first_indent=indent, gap=6 if gap_style and k else 0)


# -- gold -------------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Gold text of a paragraph: footnote marks dropped, math left as TeX."""
    return " ".join(w.partition("^")[0] for w in text.split())


def gold(p: PaperSpec, *, text_layer: bool = True) -> dict[str, object]:
    paras = [plain(str(b)) for s in p.sections for b in s.blocks
             if not isinstance(b, TableSpec | FigureSpec)]  # fmt: skip
    body = "\n\n".join(paras)
    tables = [b for s in p.sections for b in s.blocks if isinstance(b, TableSpec)]
    table_numbers = sorted({n for t in tables for r in t.rows for c in r for n in number_tokens(c)})
    body_numbers = sorted(number_tokens(body) - number_tokens(p.abstract))
    out: dict[str, object] = {
        "source": "pdf",
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "abstract": p.abstract,
        "headings": [f"{s.number} {s.heading}".strip() for s in p.sections],
        "appendix": [f"{s.number} {s.heading}".strip() for s in p.sections if s.appendix],
        "table_numbers": table_numbers,
        "body_numbers": body_numbers,
        "body_text": body,
        "references": len(p.references),
        "captions": [
            b.caption for s in p.sections for b in s.blocks if isinstance(b, TableSpec | FigureSpec)
        ],  # fmt: skip
        "footnotes": list(p.footnotes.values()),
        "tables": [{"label": t.label, "rows": t.rows} for t in tables],
    }
    if not text_layer:
        out["text_layer"] = False
    return out


# -- the papers ---------------------------------------------------------------------------------


def results_table(pr: Prose, label: str, caption: str, n_rows: int, cols: list[str],
                  wide: bool = False) -> TableSpec:  # fmt: skip
    methods = ["Baseline", "Dense", "MoE-8", "Ours (small)", "Ours (large)", "Distilled",
               "Linear probe", "Full FT", "LoRA", "Adapter", "Prefix", "Random"]  # fmt: skip
    rows = [cols]
    for i in range(n_rows):
        cells = [methods[i % len(methods)]]
        for _ in cols[1:]:
            cells.append(f"{pr.rng.randint(10, 98)}.{pr.rng.randint(0, 9)}")
        rows.append(cells)
    return TableSpec(label, f"{label}: {caption}", rows, wide=wide)


def references(pr: Prose, n: int, labelled: bool) -> list[str]:
    names = ["Smith", "Tanaka", "Wang", "Garcia", "Müller", "Okafor", "Ivanova", "Chen",
             "Kumar", "Dubois", "Rossi", "Kim"]  # fmt: skip
    venues = ["In Proceedings of NeurIPS", "In Proceedings of ACL", "In ICML",
              "Transactions on Machine Learning Research", "arXiv preprint arXiv:2310.01234"]  # fmt: skip
    out = []
    for i in range(n):
        a, b = pr.rng.sample(names, 2)
        year = 2015 + pr.rng.randint(0, 10)
        title = pr.sentence().split(" by ")[0].split(" with ")[0].rstrip(".").capitalize()
        ref = f"{a}, J. and {b}, K. {title}. {pr.rng.choice(venues)}, {year}."
        out.append(
            f"[{i + 1}] {ref}"
            if labelled
            else f"{a}, J. and {b}, K. ({year}). {title}. {pr.rng.choice(venues)}."
        )
    if not labelled:
        out.sort()
    return out


def std_sections(pr: Prose, *, names: list[tuple[str, str, int]], tables: dict[str, TableSpec],
                 figures: dict[str, FigureSpec], paras: int = 2,
                 appendix_from: str = "") -> list[SectionSpec]:  # fmt: skip
    out = []
    in_app = False
    for number, heading, level in names:
        in_app = in_app or (appendix_from != "" and number == appendix_from)
        blocks: list[object] = [pr.paragraph() for _ in range(paras)]
        if number in tables:
            blocks.insert(1, tables[number])
        if number in figures:
            blocks.insert(1, figures[number])
        out.append(SectionSpec(number, heading, level, blocks, appendix=in_app))
    return out


def paper_routing(seed: int = 0) -> PaperSpec:
    pr = Prose(1 + seed)
    secs = std_sections(
        pr,
        names=[("1", "Introduction", 1), ("2", "Related Work", 1), ("3", "Method", 1),
               ("3.1", "Sparse Routing", 2), ("3.2", "Training Objective", 2),
               ("4", "Experiments", 1), ("4.1", "Setup", 2), ("4.2", "Results", 2),
               ("5", "Conclusion", 1), ("A", "Proofs", 1), ("B", "Additional Results", 1)],
        tables={"4.2": results_table(pr, "Table 1", "Accuracy (%) on the four benchmarks; higher is better.", 5, ["Method", "MNLI", "QQP", "SST-2"]),
                "B": results_table(pr, "Table 2", "Ablation of the router temperature.", 4, ["Setting", "Acc.", "F1"])},
        figures={"3.1": FigureSpec("Figure 1", "Figure 1: Overview of the sparse router; tokens are sent to two of eight experts.")},
        appendix_from="A",
    )  # fmt: skip
    secs[0].blocks[0] = str(secs[0].blocks[0]) + " Code and data are public^1 and documented."
    return PaperSpec(
        name="twocol_routing", arxiv_id="2501.00101",
        title="Sparse Expert Routing for Efficient Multilingual Transformers",
        authors="Aiko Tanaka, Rahul Kumar, Lena Müller",
        affiliation="Institute for Computational Linguistics, Example University",
        abstract="We present a sparse routing scheme for multilingual transformers. " + pr.paragraph(3),
        sections=secs, references=references(pr, 9, True),
        footnotes={"1": "Code is available at https://example.org/sparse-routing."},
    )  # fmt: skip


def paper_single(seed: int = 0) -> PaperSpec:
    pr = Prose(2 + seed)
    secs = std_sections(
        pr,
        names=[("1", "Introduction", 1), ("2", "Background", 1), ("3", "Graph Sampling", 1),
               ("3.1", "Neighbourhood Estimates", 2), ("3.2", "Variance Reduction", 2),
               ("4", "Evaluation", 1), ("5", "Limitations", 1), ("6", "Conclusion", 1),
               ("A", "Implementation Details", 1)],
        tables={"4": results_table(pr, "Table 1", "Node classification accuracy and training time in seconds per epoch.", 6, ["Method", "Cora", "PubMed", "ogbn-arxiv", "Time (s)"])},
        figures={"3.2": FigureSpec("Figure 1", "Figure 1: Estimator variance as the sample size grows.", ticks=True)},
        appendix_from="A", paras=3,
    )  # fmt: skip
    return PaperSpec(
        name="single_column_graphs", arxiv_id="2502.00202",
        title="Unbiased Neighbourhood Sampling for Large Graph Networks",
        authors="Maria Garcia, Wei Chen", affiliation="Department of Computer Science, Sample Institute of Technology",
        abstract="Training graph networks on large graphs requires sampling. " + pr.paragraph(3),
        sections=secs, references=references(pr, 7, True), style="onecol",
        head_font="Helvetica-Bold", ruled=False, stamp=False,
    )  # fmt: skip


def paper_ieee(seed: int = 0) -> PaperSpec:
    pr = Prose(3 + seed)
    secs = std_sections(
        pr,
        names=[("I", "Introduction", 1), ("II", "System Model", 1), ("II-A", "Signal Model", 2),
               ("II-B", "Channel Estimation", 2), ("III", "Proposed Detector", 1),
               ("IV", "Results", 1), ("IV-A", "Simulation Setup", 2), ("IV-B", "Detection Performance", 2),
               ("V", "Conclusion", 1)],
        tables={"IV-B": results_table(pr, "TABLE I", "Detection probability at three SNR levels.", 5, ["Detector", "0 dB", "5 dB", "10 dB"])},
        figures={"III": FigureSpec("Fig. 1", "Fig. 1. Block diagram of the proposed detector.")},
    )  # fmt: skip
    return PaperSpec(
        name="ieee_radar", arxiv_id="2503.00303",
        title="Low-Complexity Target Detection for Automotive Radar Arrays",
        authors="Kwame Okafor, Elena Ivanova, Jun Kim", affiliation="School of Electrical Engineering, Example Polytechnic",
        abstract="Automotive radar needs detectors that run on embedded hardware. " + pr.paragraph(3),
        sections=secs, references=references(pr, 8, True), style="ieee", stamp=False,
    )  # fmt: skip


def paper_long(seed: int = 0) -> PaperSpec:
    pr = Prose(4 + seed)
    names = [("1", "Introduction", 1), ("2", "Background", 1), ("2.1", "Language Models", 2),
             ("2.2", "Retrieval", 2), ("3", "A Taxonomy of Methods", 1), ("3.1", "Dense Retrievers", 2),
             ("3.1.1", "Dual Encoders", 3), ("3.1.2", "Late Interaction", 3), ("3.2", "Sparse Retrievers", 2),
             ("3.3", "Hybrid Systems", 2), ("4", "Benchmarks", 1), ("4.1", "Datasets", 2),
             ("4.2", "Metrics", 2), ("5", "Experiments", 1), ("5.1", "Setup", 2), ("5.2", "Main Results", 2),
             ("5.3", "Efficiency", 2), ("5.4", "Ablations", 2), ("6", "Discussion", 1),
             ("7", "Conclusion", 1), ("A", "Hyperparameters", 1), ("A.1", "Optimizer Settings", 2),
             ("B", "Per-Dataset Results", 1)]  # fmt: skip
    secs = std_sections(
        pr, names=names, paras=4, appendix_from="A",
        tables={"5.2": results_table(pr, "Table 1", "Recall@10 and MRR on six retrieval benchmarks.", 8, ["Method", "NQ", "TQA", "MS", "BEIR", "FiQA", "MRR"], wide=True),
                "5.3": results_table(pr, "Table 2", "Latency in milliseconds per query and index size in GB.", 5, ["Method", "Lat.", "Index"]),
                "4.1": results_table(pr, "Table 3", "Dataset statistics.", 6, ["Dataset", "Queries", "Docs"]),
                "B": results_table(pr, "Table 4", "Per-dataset nDCG@10.", 6, ["Method", "NQ", "TQA", "FiQA"])},
        figures={"3.3": FigureSpec("Figure 1", "Figure 1: Hybrid retrieval pipeline with a reranker.", ticks=True),
                 "5.4": FigureSpec("Figure 2", "Figure 2: Recall as a function of the number of retrieved passages.", ticks=True)},
    )  # fmt: skip
    secs[1].blocks[0] = str(secs[1].blocks[0]) + " We follow the usual conventions^2 throughout."
    return PaperSpec(
        name="long_retrieval_survey", arxiv_id="2504.00404",
        title="Retrieval-Augmented Language Models: A Survey and Empirical Comparison",
        authors="Giulia Rossi, Pierre Dubois, Anna Smith, Hiro Tanaka",
        affiliation="Example Research Lab and University of Somewhere",
        abstract="Retrieval augmentation lets language models consult external memory. " + pr.paragraph(4),
        sections=secs, references=references(pr, 30, True),
        footnotes={"2": "All numbers are averaged over three runs."},
    )  # fmt: skip


def paper_authoryear(seed: int = 0) -> PaperSpec:
    pr = Prose(5 + seed)
    secs = std_sections(
        pr,
        names=[("1", "Introduction", 1), ("2", "Data Collection and Annotation Guidelines for Low-Resource Dialects", 1),
               ("2.1", "Annotation", 2), ("3", "Models", 1), ("4", "Results", 1), ("4.1", "Error Analysis", 2),
               ("5", "Conclusion", 1), ("A", "Annotator Instructions", 1)],
        tables={"4": results_table(pr, "Table 2", "Word error rate (%) per dialect; lower is better.", 6, ["System", "Kansai", "Tohoku", "Kyushu", "Avg."], wide=True),
                "2.1": results_table(pr, "Table 1", "Corpus size in hours.", 3, ["Split", "Hours", "Speakers"])},
        figures={"3": FigureSpec("Figure 1", "Figure 1: Encoder with dialect adapters.")},
        appendix_from="A", paras=3,
    )  # fmt: skip
    secs[0].blocks[1] = (
        str(secs[0].blocks[1]) + " Recordings were made with consent^3 of all speakers."
    )
    return PaperSpec(
        name="twocol_dialects", arxiv_id="2505.00505",
        title="Speech Recognition for Japanese Dialects with Adapter Layers",
        authors="Yuki Sato, Daniel Okafor", affiliation="Graduate School of Informatics, Example University",
        abstract="Dialect speech is scarce in public corpora. " + pr.paragraph(3),
        sections=secs, references=references(pr, 10, False), body_font="Helvetica",
        head_font="Helvetica-Bold",
        footnotes={"3": "The study was approved by the ethics board (approval 2024-17)."},
    )  # fmt: skip


def paper_scanned(seed: int = 0) -> tuple[PaperSpec, bytes]:
    """An image-only PDF (a scan): the page is a bitmap of text, no text layer."""
    from PIL import Image, ImageDraw

    pr = Prose(6 + seed)
    spec = PaperSpec(
        name="scanned_no_text", arxiv_id="2506.00606", title="A Scanned Note on Error Bounds",
        authors="R. Scanner", affiliation="Old Archive", abstract=pr.paragraph(2),
        sections=[SectionSpec("1", "Introduction", 1, [pr.paragraph(3)]),
                  SectionSpec("2", "Bounds", 1, [pr.paragraph(3)])],
        references=references(pr, 2, True),
    )  # fmt: skip
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter, invariant=1)
    for page in range(2):
        img = Image.new("L", (850, 1100), 255)
        d = ImageDraw.Draw(img)
        y = 60
        lines = [spec.title, "", *(f"{s.number} {s.heading}" for s in spec.sections)]
        for ln in [
            *lines,
            *(str(s.blocks[0])[k : k + 90] for s in spec.sections for k in range(0, 270, 90)),
        ]:
            d.text((60, y), ln, fill=0)
            y += 18
        d.text((420, 1050), str(page + 1), fill=0)
        from reportlab.lib.utils import ImageReader

        c.drawImage(ImageReader(img), 0, 0, PAGE_W, PAGE_H)
        c.showPage()
    c.save()
    return spec, buf.getvalue()


def paper_latex_spec(seed: int = 0, *, name: str = "latex_twocol_article",
                     arxiv_id: str = "2507.00707") -> PaperSpec:  # fmt: skip
    pr = Prose(7 + seed + (1 if name != "latex_twocol_article" else 0))
    secs = std_sections(
        pr,
        names=[("1", "Introduction", 1), ("2", "Background", 1), ("3", "Method", 1),
               ("3.1", "Encoder", 2), ("3.1.1", "Positional Features", 3), ("3.2", "Decoder", 2),
               ("4", "Experiments", 1), ("4.1", "Datasets", 2), ("4.2", "Results", 2),
               ("5", "Conclusion", 1), ("A", "Proofs", 1), ("A.1", "Lemma", 2)],
        tables={"4.1": results_table(pr, "Table 1", "Dataset sizes in thousands of examples.", 4, ["Dataset", "Train", "Test"]),
                "4.2": results_table(pr, "Table 2", "Accuracy on five benchmarks; higher is better.", 6, ["Method", "MNLI", "QQP", "SST-2", "RTE", "Avg."], wide=True)},
        figures={"3.1": FigureSpec("Figure 1", "Figure 1: The encoder and its positional features.")},
        appendix_from="A", paras=3,
    )  # fmt: skip
    secs[0].blocks[0] = str(secs[0].blocks[0]) + " Our code is public^1 and documented."
    return PaperSpec(
        name=name, arxiv_id=arxiv_id,
        title="Positional Features for Long-Context Encoders",
        authors="Hana Kim, Marco Rossi", affiliation="",
        abstract="Long inputs strain the positional features of encoders. " + pr.paragraph(3),
        sections=secs, references=references(pr, 8, True),
        footnotes={"1": "Code is available at example.org/positional."},
    )  # fmt: skip


def _tex(text: str, footnotes: dict[str, str]) -> str:
    out = []
    for tok in text.replace("%", "\\%").split():
        word, _, mark = tok.partition("^")
        out.append(word + (f"\\footnote{{{footnotes[mark]}}}" if mark else ""))
    return " ".join(out)


def latex_source(p: PaperSpec, *, times: bool = True) -> str:
    """The paper as a two-column LaTeX article (times, booktabs, fancyhdr running head).
    Without ``times``, T1 Computer Modern without cm-super: bitmap Type 3 fonts, as in
    many older arXiv PDFs (no font names, so no bold to see)."""
    authors = p.authors.replace(", ", " \\and ")
    head = (
        "\\documentclass[10pt,twocolumn]{article}\n\\usepackage[T1]{fontenc}\n"
        + ("\\usepackage{times}\n" if times else "")
        + "\\usepackage{booktabs}\n\\usepackage[margin=0.8in]{geometry}\n\\usepackage{fancyhdr}\n"
        "\\pagestyle{fancy}\\fancyhf{}\\renewcommand{\\headrulewidth}{0pt}\n"
        f"\\fancyhead[C]{{\\small\\itshape {p.title}}}\\fancyfoot[C]{{\\thepage}}\n"
        "\\pdftrailerid{}\n"
        f"\\title{{{p.title}}}\n\\author{{{authors}}}\n\\date{{}}\n"
        "\\begin{document}\n\\maketitle\n"
        f"\\begin{{abstract}}\n{_tex(p.abstract, {})}\n\\end{{abstract}}\n"
    )
    body = []
    for s in p.sections:
        if s.appendix and s.number == "A":
            body.append("\\appendix\n")
        body.append(f"\\{'sub' * (s.level - 1)}section{{{s.heading}}}\n")
        for b in s.blocks:
            if isinstance(b, TableSpec):
                env = "table*" if b.wide else "table"
                cols = "l" + "c" * (len(b.rows[0]) - 1)
                rows = [" & ".join(r) + " \\\\" for r in b.rows]
                caption = b.caption.split(": ", 1)[1]
                body.append(f"\\begin{{{env}}}[t]\\centering\\small\\caption{{{caption}}}\n"
                            f"\\begin{{tabular}}{{{cols}}}\\toprule\n{rows[0]}\\midrule\n"
                            + "\n".join(rows[1:]) + f"\\bottomrule\n\\end{{tabular}}\\end{{{env}}}\n")  # fmt: skip
            elif isinstance(b, FigureSpec):
                caption = b.caption.split(": ", 1)[1]
                body.append("\\begin{figure}[t]\\centering\\fbox{\\rule{0pt}{2cm}\\rule{4cm}{0pt}}"
                            f"\\caption{{{caption}}}\\end{{figure}}\n")  # fmt: skip
            else:
                body.append(_tex(str(b), p.footnotes) + "\n\n")
        if s.number == "5":  # the bibliography before the appendix, as arXiv papers do
            refs = "".join(f"\\bibitem{{r{i}}} {_tex(r.split('] ', 1)[1], {})}\n"
                           for i, r in enumerate(p.references))  # fmt: skip
            body.append(f"\\begin{{thebibliography}}{{9}}\n{refs}\\end{{thebibliography}}\n")
    return head + "".join(body) + "\\end{document}\n"


def build_latex(p: PaperSpec, *, times: bool = True) -> bytes | None:
    """pdflatex output (twice, for references), reproducible; ``None`` without TeX."""
    import os
    import shutil
    import subprocess
    import tempfile

    if not shutil.which("pdflatex"):
        return None
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "paper.tex").write_text(latex_source(p, times=times), encoding="utf-8")
        for _ in range(2):
            subprocess.run(["pdflatex", "-interaction=nonstopmode", "paper.tex"], cwd=tmp,
                           env=env, check=True, capture_output=True)  # fmt: skip
        return (Path(tmp) / "paper.pdf").read_bytes()


def main(out: Path, seed: int = 0) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for make in (paper_routing, paper_single, paper_ieee, paper_long, paper_authoryear):
        spec = make(seed)
        data = Typesetter(spec).build()
        (out / f"{spec.name}.pdf").write_bytes(data)
        g = gold(spec)
        (out / f"{spec.name}.gold.json").write_text(
            json.dumps(g, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    for name, arxiv_id, times in (("latex_twocol_article", "2507.00707", True),
                                  ("latex_bitmap_fonts", "2508.00808", False)):  # fmt: skip
        spec = paper_latex_spec(seed, name=name, arxiv_id=arxiv_id)
        built = build_latex(spec, times=times)
        if built is None:
            print(f"pdflatex not found: {name}.pdf left as it is", file=sys.stderr)
            continue
        (out / f"{spec.name}.pdf").write_bytes(built)
        g = gold(spec)
        (out / f"{spec.name}.gold.json").write_text(
            json.dumps(g, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    spec, data = paper_scanned(seed)
    (out / f"{spec.name}.pdf").write_bytes(data)
    (out / f"{spec.name}.gold.json").write_text(
        json.dumps(gold(spec, text_layer=False), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    # a second argument (a seed offset) writes other prose and numbers in the same layouts
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fixtures" / "fulltext" / "pdf",
         int(sys.argv[2]) if len(sys.argv) > 2 else 0)  # fmt: skip
