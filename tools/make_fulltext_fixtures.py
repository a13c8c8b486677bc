"""Build the LaTeX full-text fixtures (fixtures/fulltext/latex/) and their gold files.

Each paper is written here once, as blocks that carry both their TeX and what a reader sees
(the gold text), so the gold comes from the content, never from an extractor. Archives are
deterministic (fixed mtimes, sorted members, gzip without a timestamp): rerunning the script
gives the same bytes.

    python tools/make_fulltext_fixtures.py
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "fulltext" / "latex"
MTIME = 1_767_225_600  # 2026-01-01T00:00:00Z

Frag = str | tuple[str, str]  # same text in TeX and gold, or (tex, gold)


def tex(*frags: Frag) -> str:
    return "".join(f if isinstance(f, str) else f[0] for f in frags)


def gold(*frags: Frag) -> str:
    return "".join(f if isinstance(f, str) else f[1] for f in frags)


@dataclass
class Table:
    caption: Frag
    rows: list[list[Frag]]
    header_span: tuple[str, int] | None = None  # a \multicolumn group header over columns
    label: str = ""

    def tex(self) -> str:
        ncol = len(self.rows[0])
        lines = ["\\begin{table}[t]", "\\centering", "\\caption{" + tex(self.caption) + "}"]
        if self.label:
            lines.append("\\label{" + self.label + "}")
        lines += ["\\resizebox{\\linewidth}{!}{%", "\\begin{tabular}{l" + "c" * (ncol - 1) + "}",
                  "\\toprule"]  # fmt: skip
        if self.header_span:
            text, span = self.header_span
            lines.append(f" & \\multicolumn{{{span}}}{{c}}{{{text}}}" + " &" * (ncol - 1 - span)
                         + " \\\\")  # fmt: skip
            lines.append(f"\\cmidrule(lr){{2-{span + 1}}}")
        for k, row in enumerate(self.rows):
            lines.append(" & ".join(tex(c) for c in row) + " \\\\")
            if k == 0:
                lines.append("\\midrule")
        lines += ["\\bottomrule", "\\end{tabular}}", "\\end{table}"]
        return "\n".join(lines)

    def numbers(self) -> list[str]:
        cells = [gold(c) for row in self.rows for c in row]
        if self.header_span:
            cells.append(self.header_span[0])
        return [n for c in cells for n in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", c)]


@dataclass
class Sec:
    command: str  # section, subsection, ...
    heading: Frag
    number: str  # the number LaTeX prints ("" when unnumbered)
    paragraphs: list[list[Frag]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    label: str = ""
    appendix: bool = False
    extra_tex: str = ""  # figures, comments: TeX that adds nothing to the section text

    def gold_label(self) -> str:
        return f"{self.number} {gold(self.heading)}".strip()

    def tex(self) -> str:
        star = "*" if not self.number else ""
        out = [f"\\{self.command}{star}{{{tex(self.heading)}}}"]
        if self.label:
            out.append(f"\\label{{{self.label}}}")
        for k, p in enumerate(self.paragraphs):
            out.append(tex(*p))
            out.append("")
            if k == 0 and self.tables:
                out += [t.tex() for t in self.tables]
                out.append("")
        if self.extra_tex:
            out.append(self.extra_tex)
        return "\n".join(out) + "\n"

    def gold_text(self) -> str:
        return "\n\n".join(gold(*p) for p in self.paragraphs)


@dataclass
class Paper:
    name: str
    arxiv_id: str
    title: Frag
    abstract: Frag
    sections: list[Sec]
    references: list[tuple[str, str]]  # (key, text as TeX)
    preamble: str = ""

    def gold(self) -> dict:
        headings = [s.gold_label() for s in self.sections]
        body = "\n\n".join(s.gold_text() for s in self.sections if s.paragraphs)
        abstract_numbers = set(_numbers(gold(self.abstract)))
        return {
            "source": "latex",
            "arxiv_id": self.arxiv_id,
            "title": gold(self.title),
            "headings": headings,
            "appendix": [s.gold_label() for s in self.sections if s.appendix],
            "table_numbers": [n for s in self.sections for t in s.tables for n in t.numbers()],
            "body_numbers": sorted(set(_numbers(body)) - abstract_numbers, key=_numbers_key),
            "body_text": body,
            "references": len(self.references),
        }


def _numbers(text: str) -> list[str]:
    return re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", text)


def _numbers_key(n: str) -> tuple[float, str]:
    try:
        return float(n.replace(",", "")), n
    except ValueError:
        return 0.0, n


def bbl(refs: list[tuple[str, str]]) -> str:
    items = "\n\n".join(f"\\bibitem[{k}]{{{k}}}\n{t}" for k, t in refs)
    return f"\\begin{{thebibliography}}{{{len(refs)}}}\n\n{items}\n\n\\end{{thebibliography}}\n"


HEAD = "\\documentclass[11pt]{article}\n\\usepackage{booktabs,amsmath,graphicx}\n"


def document(p: Paper, body: str, bib: str = "") -> str:
    return (HEAD + p.preamble + f"\\title{{{tex(p.title)}}}\n\\author{{A. Author \\and B. Author}}\n"
            "\\begin{document}\n\\maketitle\n\\begin{abstract}\n" + tex(p.abstract)
            + "\n\\end{abstract}\n\n" + body + bib + "\\end{document}\n")  # fmt: skip


# -- the papers ------------------------------------------------------------------------------


def paper_single() -> Paper:
    """A single .tex gzipped: inline thebibliography, macros, footnote, appendix, lists."""
    results = Table(
        ("Top-1 accuracy (\\%) on ImageNet-1k. Best in \\textbf{bold}.", "x"),
        [["Model", "Params (M)", "Top-1", "Throughput (img/s)"],
         ["ViT-B/16", "86", "81.8", "1,024"],
         ["ConvNeXt-T", "29", "82.1", "1,190"],
         [("\\method{}", "SparseMix"), "31", ("\\textbf{83.4}", "83.4"), "1,311"]],
        label="tab:main",
    )  # fmt: skip
    secs = [
        Sec(
            "section",
            "Introduction",
            "1",
            [
                [
                    "Vision transformers need large budgets. We propose ",
                    ("\\method{}", "SparseMix"),
                    (
                        ", a token mixer that routes only 25\\% of tokens.",
                        ", a token mixer that routes only 25% of tokens.",
                    ),
                ],
                [
                    (
                        "Our contributions are:\n\\begin{itemize}\n\\item a sparse router with 3 experts;\n"
                        "\\item a training recipe for 300 epochs;\n\\item results in Table~\\ref{tab:main}.\n"
                        "\\end{itemize}",
                        "Our contributions are:\n\n- a sparse router with 3 experts;\n- a training recipe for 300 epochs;\n- results in Table 1.",
                    )
                ],
            ],
            label="sec:intro",
        ),
        Sec(
            "section",
            "Method",
            "2",
            [
                [
                    "Each block computes a gate ",
                    ("\\(g = \\sigma(W x)\\)", "$g = \\sigma(W x)$"),
                    " and keeps the top ",
                    ("$k{=}4$", "$k{=}4$"),
                    " tokens",
                    ("\\footnote{We also tried $k=8$; it was 0.2 points worse.}", ""),
                    ".",
                ],
                [
                    (
                        "\\begin{equation}\\label{eq:loss}\n  \\mathcal{L} = \\mathcal{L}_{ce} + \\lambda \\mathcal{L}_{bal}\n\\end{equation}",
                        "$$\\mathcal{L} = \\mathcal{L}_{ce} + \\lambda \\mathcal{L}_{bal}$$",
                    )
                ],
                [
                    (
                        "We set $\\lambda = 0.01$ in Eq.~\\eqref{eq:loss} and train with AdamW at a learning rate of $3\\times10^{-4}$.",
                        "We set $\\lambda = 0.01$ in Eq. (1) and train with AdamW at a learning rate of $3\\times10^{-4}$.",
                    )
                ],
            ],
            label="sec:method",
        ),
        Sec(
            "section",
            "Experiments",
            "3",
            [
                [
                    "We train on ImageNet-1k (1.28M images) for 300 epochs on 64 A100 GPUs with a batch size of 4,096; one run takes 41 hours."
                ],
                [
                    (
                        "Table~\\ref{tab:main} shows that \\method{} improves ViT-B/16 by 1.6 points "
                        'while using 64\\% fewer parameters. Na\\"ive routing collapses after 12 epochs.',
                        "Table 1 shows that SparseMix improves ViT-B/16 by 1.6 points while using 64% fewer parameters. Naïve routing collapses after 12 epochs.",
                    )
                ],
            ],
            tables=[results],
        ),
        Sec(
            "subsection",
            "Ablations",
            "3.1",
            [
                [
                    (
                        "Removing the balance loss drops accuracy to 80.9\\% \\cite{shazeer2017,fedus2022}.",
                        "Removing the balance loss drops accuracy to 80.9% [1, 2].",
                    )
                ],
            ],
        ),
        Sec(
            "section", "Conclusion", "4", [["Sparse mixing is a cheap way to scale vision models."]]
        ),
        Sec(
            "section",
            "Extra results",
            "A",
            [
                [
                    (
                        "On CIFAR-100 \\method{} reaches 91.2\\% after 200 epochs.",
                        "On CIFAR-100 SparseMix reaches 91.2% after 200 epochs.",
                    )
                ]
            ],
            appendix=True,
        ),
    ]
    refs = [("shazeer2017", "N. Shazeer et~al. \\newblock Outrageously large neural networks. \\newblock In \\emph{ICLR}, 2017."),
            ("fedus2022", "W. Fedus, B. Zoph, and N. Shazeer. \\newblock Switch transformers. \\newblock \\emph{JMLR}, 23:1--39, 2022.")]  # fmt: skip
    return Paper("single_gz", "2601.00101", ("Sparse Token Mixing for Vision Transformers", "Sparse Token Mixing for Vision Transformers"),
                 ("We present \\method{}, a sparse token mixer for vision transformers.", "We present SparseMix, a sparse token mixer for vision transformers."),
                 secs, refs, preamble="\\newcommand{\\method}{SparseMix}\n")  # fmt: skip


def body_tex(secs: list[Sec]) -> str:
    out = []
    for k, s in enumerate(secs):
        if s.appendix and not any(x.appendix for x in secs[:k]):
            out.append("\\appendix\n")
        out.append(s.tex())
    return "\n".join(out)


def paper_multi() -> tuple[Paper, dict[str, bytes]]:
    """tar.gz: \\input of sections in subfolders, \\include, \\import, macros with arguments
    from a local .sty, a .bbl, booktabs tables with \\multicolumn, appendix, footnotes."""
    main_t = Table(
        ("Results on GLUE dev (accuracy, \\%). \\score{Bold}: best.", "Results on GLUE dev (accuracy, %). Bold: best."),
        [["Method", "MNLI", "QNLI", "SST-2", "Avg"],
         ["BERT-base", "84.6", "90.5", "93.5", "89.5"],
         ["RoBERTa-base", "87.6", "92.8", "94.8", "91.7"],
         [("\\method{}-base", "FooNet-base"), ("\\score{88.9}", "88.9"), ("\\score{93.7}", "93.7"),
          ("\\score{95.3}", "95.3"), ("\\score{92.6}", "92.6")]],
        header_span=("GLUE", 3), label="tab:glue")  # fmt: skip
    cost_t = Table(
        ("Pre-training cost.", "Pre-training cost."),
        [["Model", "GPUs", "Hours", "Tokens (B)"],
         ["RoBERTa-base", "1,024 V100", "24", "2,200"],
         [("\\method{}-base", "FooNet-base"), "64 H100", "19", "1,500"]],
        label="tab:cost")  # fmt: skip
    secs = [
        Sec(
            "section",
            "Introduction",
            "1",
            [
                [
                    (
                        "Masked language models dominate transfer learning~\\cite{devlin2019,liu2019}. "
                        "We present \\method{}, which replaces 50\\% of attention layers with gated convolutions.",
                        "Masked language models dominate transfer learning [1, 2]. "
                        "We present FooNet, which replaces 50% of attention layers with gated convolutions.",
                    )
                ],
                [
                    (
                        "Section~\\ref{sec:method} describes the model and Section~\\ref{sec:exp} the experiments.",
                        "Section 2 describes the model and Section 3 the experiments.",
                    )
                ],
            ],
            label="sec:intro",
        ),
        Sec(
            "section",
            "Method",
            "2",
            [
                [
                    (
                        "\\method{} stacks 12 blocks of width 768. % hidden size\nEach block mixes tokens with a kernel of size 7.",
                        "FooNet stacks 12 blocks of width 768. Each block mixes tokens with a kernel of size 7.",
                    )
                ],
            ],
            label="sec:method",
        ),
        Sec(
            "subsection",
            "Gated convolution",
            "2.1",
            [
                [
                    (
                        "The gate is $h = (W_1 x) \\odot \\sigma(W_2 x)$, computed in \\texttt{bf16}"
                        "\\footnote{Mixed precision halves memory; see \\url{https://example.org/amp}.}.",
                        "The gate is $h = (W_1 x) \\odot \\sigma(W_2 x)$, computed in bf16.",
                    )
                ],
                [
                    (
                        "\\begin{align}\n  y &= \\mathrm{Conv}_7(h) \\label{eq:conv}\\\\\n  z &= y + x \\nonumber\n\\end{align}",
                        "$$\\begin{aligned} y &= \\mathrm{Conv}_7(h) \\\\ z &= y + x \\end{aligned}$$",
                    )
                ],
            ],
        ),
        Sec(
            "subsection",
            "Training details",
            "2.2",
            [
                [
                    (
                        "We pre-train on \\gpu{64} for 19 hours with a peak learning rate of $6\\times10^{-4}$, "
                        "a 10\\,k-step warm-up and 500\\,k steps in total.",
                        "We pre-train on 64 H100 GPUs for 19 hours with a peak learning rate of $6\\times10^{-4}$, "
                        "a 10 k-step warm-up and 500 k steps in total.",
                    )
                ],
            ],
        ),
        Sec(
            "section",
            "Experiments",
            "3",
            [
                [
                    (
                        "We fine-tune on GLUE~\\cite{wang2018} with 5 seeds and report the median.",
                        "We fine-tune on GLUE [3] with 5 seeds and report the median.",
                    )
                ],
                [
                    (
                        "Table~\\ref{tab:glue} shows \\method{} gains 0.9 points over RoBERTa-base on average; "
                        "Table~\\ref{tab:cost} shows it needs \\score{16x} fewer GPUs.",
                        "Table 1 shows FooNet gains 0.9 points over RoBERTa-base on average; "
                        "Table 2 shows it needs 16x fewer GPUs.",
                    )
                ],
            ],
            tables=[main_t, cost_t],
            label="sec:exp",
        ),
        Sec("subsection", "Long inputs", "3.1", []),
        Sec(
            "section",
            "Limitations",
            "4",
            [
                [
                    (
                        "We did not test models above 350M parameters\\footnote{Budget: 2,000 GPU hours.}.",
                        "We did not test models above 350M parameters.",
                    )
                ],
            ],
        ),
        Sec(
            "section",
            "Proof of Lemma 1",
            "A",
            [
                [
                    (
                        "The receptive field after $L$ blocks is $6L + 1$, i.e.\\ 73 tokens for $L=12$~\\cite{gu2022}.",
                        "The receptive field after $L$ blocks is $6L + 1$, i.e. 73 tokens for $L=12$ [4].",
                    )
                ],
            ],
            appendix=True,
        ),
        Sec(
            "subsection",
            "Hyper-parameters",
            "A.1",
            [["Dropout is 0.1 and weight decay 0.01 for all runs."]],
            appendix=True,
        ),
    ]
    secs[5].paragraphs = [
        [
            (
                "Beyond 4,096 tokens \\method{} keeps 97\\% of its accuracy.",
                "Beyond 4,096 tokens FooNet keeps 97% of its accuracy.",
            )
        ]
    ]
    refs = [("devlin2019", "J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova. \\newblock {BERT}: Pre-training of deep bidirectional transformers. \\newblock In \\emph{NAACL}, 2019."),
            ("liu2019", "Y. Liu et~al. \\newblock {RoBERTa}: A robustly optimized {BERT} pretraining approach. \\newblock \\emph{arXiv:1907.11692}, 2019."),
            ("wang2018", "A. Wang et~al. \\newblock {GLUE}: A multi-task benchmark. \\newblock In \\emph{ICLR}, 2019."),
            ("gu2022", "A. Gu, K. Goel, and C. R\\'e. \\newblock Efficiently modeling long sequences with structured state spaces. \\newblock In \\emph{ICLR}, 2022.")]  # fmt: skip
    p = Paper("multi_tar", "2601.00202", ("\\method{}: Gated Convolutions for Masked Language Models", "FooNet: Gated Convolutions for Masked Language Models"),
              ("We introduce \\method{}, a masked language model that mixes tokens with gated convolutions.",
               "We introduce FooNet, a masked language model that mixes tokens with gated convolutions."),
              secs, refs, preamble="\\usepackage{macros}\n")  # fmt: skip
    sty = ("% local macros\n\\newcommand{\\method}{FooNet}\n\\newcommand{\\score}[1]{\\textbf{#1}}\n"
           "\\newcommand{\\gpu}[2][H100]{#2 #1 GPUs}\n\\ProvidesPackage{macros}\n")  # fmt: skip
    body = ("\\input{sections/intro}\n\\input{sections/method.tex}\n\\include{experiments}\n"
            "\\input{sections/limits}\n\\appendix\n\\import{appendix/}{proofs}\n"
            "\\bibliographystyle{plain}\n\\bibliography{refs}\n")  # fmt: skip
    files = {
        "main.tex": document(p, body),
        "macros.sty": sty,
        "sections/intro.tex": secs[0].tex(),
        "sections/method.tex": secs[1].tex() + "\\input{sections/method/details}\n",
        "sections/method/details.tex": secs[2].tex() + secs[3].tex(),
        "experiments.tex": secs[4].tex()
        + "\\begin{figure}\\centering\\includegraphics{figs/curve.pdf}"
        "\\caption{Loss curves of \\method{}.}\\end{figure}\n" + secs[5].tex(),
        "sections/limits.tex": secs[6].tex(),
        "appendix/proofs.tex": secs[7].tex() + "\\input{hparams}\n",
        "appendix/hparams.tex": secs[8].tex(),
        "main.bbl": bbl(refs),
        "refs.bib": "@article{devlin2019, title={BERT}}\n",
        "figs/curve.pdf": "%PDF-1.4 not really a figure\n",
    }
    # \input{hparams} inside appendix/proofs.tex is relative to the root: use \subimport there
    files["appendix/proofs.tex"] = secs[7].tex() + "\\subimport{./}{hparams}\n"
    return p, {k: v.encode() for k, v in files.items()}


def paper_readme() -> tuple[Paper, dict[str, bytes]]:
    """00README.json names ms.tex; a bigger decoy with \\documentclass must not win."""
    t = Table(
        ("Decoding throughput on one H100 (tokens/s) and latency.", "Decoding throughput on one H100 (tokens/s) and latency."),
        [["System", "Batch 1", "Batch 32", "p50 (ms)", "p99 (ms)"],
         ["vLLM", "142", "3,870", "7.1", "19.4"],
         ["TGI", "131", "3,215", "7.6", "22.8"],
         [("\\textsc{Quill}", "Quill"), ("\\textbf{188}", "188"), ("\\textbf{4,950}", "4,950"),
          ("$\\mathbf{5.3}$", "$\\mathbf{5.3}$"), "15.2"]],
        header_span=("Throughput", 2))  # fmt: skip
    secs = [
        Sec(
            "section",
            "Introduction",
            "1",
            [
                [
                    (
                        "Serving large language models is memory-bound. \\textsc{Quill} speculates 4 tokens per step "
                        "with a 160M-parameter draft model.",
                        "Serving large language models is memory-bound. Quill speculates 4 tokens per step "
                        "with a 160M-parameter draft model.",
                    )
                ]
            ],
        ),
        Sec(
            "section",
            "System design",
            "2",
            [["The scheduler keeps a paged KV cache of 16-token blocks."]],
        ),
        Sec(
            "subsection",
            "Draft model",
            "2.1",
            [
                [
                    (
                        "The draft is distilled from Llama-3-8B on 2.5B tokens; acceptance is 71\\% on ShareGPT.",
                        "The draft is distilled from Llama-3-8B on 2.5B tokens; acceptance is 71% on ShareGPT.",
                    )
                ]
            ],
        ),
        Sec(
            "paragraph",
            "Verification",
            "",
            [
                [
                    (
                        "Verification runs in one batched forward pass of the target model~\\cite{leviathan2023}.",
                        "Verification runs in one batched forward pass of the target model [1].",
                    )
                ]
            ],
        ),
        Sec(
            "subsection",
            "Memory",
            "2.2",
            [
                [
                    (
                        "With 80\\,GB of HBM the cache holds 1.9M tokens.",
                        "With 80 GB of HBM the cache holds 1.9M tokens.",
                    )
                ]
            ],
        ),
        Sec(
            "section",
            "Evaluation",
            "3",
            [
                ["We replay 10,000 ShareGPT conversations at 8 requests per second."],
                [
                    (
                        "Against vLLM~\\cite{kwon2023}, throughput at batch 32 rises by 28\\%.",
                        "Against vLLM [2], throughput at batch 32 rises by 28%.",
                    )
                ],
            ],
            tables=[t],
        ),
        Sec(
            "section",
            "Related work",
            "4",
            [
                [
                    (
                        "Speculative decoding~\\cite{leviathan2023,chen2023} and paged attention~\\cite{kwon2023} are orthogonal.",
                        "Speculative decoding [1, 3] and paged attention [2] are orthogonal.",
                    )
                ]
            ],
        ),
    ]
    refs = [("leviathan2023", "Y. Leviathan, M. Kalman, and Y. Matias. \\newblock Fast inference from transformers via speculative decoding. \\newblock In \\emph{ICML}, 2023."),
            ("kwon2023", "W. Kwon et~al. \\newblock Efficient memory management for large language model serving with {PagedAttention}. \\newblock In \\emph{SOSP}, 2023."),
            ("chen2023", "C. Chen et~al. \\newblock Accelerating large language model decoding with speculative sampling. \\newblock \\emph{arXiv:2302.01318}, 2023.")]  # fmt: skip
    p = Paper("readme_json", "2601.00303", ("Quill: Fast Speculative Serving", "Quill: Fast Speculative Serving"),
              ("Quill serves language models with speculative decoding and a paged cache.",
               "Quill serves language models with speculative decoding and a paged cache."), secs, refs)  # fmt: skip
    decoy = (
        HEAD
        + "\\title{Old draft}\n\\begin{document}\n\\section{Draft}\n"
        + "Old text. " * 800
        + "\n\\end{document}\n"
    )
    readme = {"spec_version": 1, "process": {"compiler": "pdflatex"},
              "sources": [{"filename": "ms.tex", "usage": "toplevel"},
                          {"filename": "paper_v1.tex", "usage": "ignore"}]}  # fmt: skip
    files = {
        "ms.tex": document(p, body_tex(secs)),
        "paper_v1.tex": decoy,
        "ms.bbl": bbl(refs),
        "00README.json": json.dumps(readme, indent=2),
    }
    return p, {k: v.encode() for k, v in files.items()}


def paper_plain() -> tuple[Paper, dict[str, bytes]]:
    """A plain .tex: \\iffalse, comment env, \\%, accents, \\def, lists, display math,
    an unnumbered section, inline thebibliography."""
    t = Table(("Dataset statistics.", "Dataset statistics."),
              [["Split", "Questions", "Images", "Avg. length"],
               ["Train", "1,800,000", "412,000", "13.2"],
               ["Dev", "100,000", "23,500", "13.1"],
               ["Test", "100,000", "23,400", "13.4"]])  # fmt: skip
    secs = [
        Sec(
            "section",
            "Introduction",
            "1",
            [
                [
                    (
                        'We release \\dataset{}, built with annotators from Z\\"urich and S\\~ao Paulo.',
                        "We release WebQA-2M, built with annotators from Zürich and São Paulo.",
                    )
                ],
                [
                    (
                        "Only 3.5\\% of questions were rejected. % 3.5% of what?\n"
                        "\\iffalse\nThis paragraph was cut: 99.9\\% of nothing.\n\\fi\n"
                        "\\begin{comment}\nAn old claim about 77 annotators.\n\\end{comment}\n"
                        "Annotation cost \\$42,000 in total.",
                        "Only 3.5% of questions were rejected. Annotation cost $42,000 in total.",
                    )
                ],
            ],
        ),
        Sec(
            "section",
            "Collection",
            "2",
            [
                [
                    (
                        "The pipeline has three stages:\n\\begin{enumerate}\n\\item crawl 12M pages;\n"
                        "\\item filter with a classifier at threshold 0.8;\n\\item verify with 3 annotators.\n\\end{enumerate}",
                        "The pipeline has three stages:\n\n1. crawl 12M pages;\n2. filter with a classifier at threshold 0.8;\n3. verify with 3 annotators.",
                    )
                ],
                [
                    (
                        "Agreement is measured by\n\\[\n  \\kappa = \\frac{p_o - p_e}{1 - p_e}\n\\]\nand reaches 0.74.",
                        "Agreement is measured by\n\n$$\\kappa = \\frac{p_o - p_e}{1 - p_e}$$\n\nand reaches 0.74.",
                    )
                ],
            ],
            tables=[t],
        ),
        Sec(
            "subsection",
            "Quality control",
            "2.1",
            [
                [
                    (
                        "\\begin{description}\n\\item[Gold checks] 5\\% of items;\n\\item[Re-annotation] 2 rounds.\n\\end{description}",
                        "- Gold checks: 5% of items;\n- Re-annotation: 2 rounds.",
                    )
                ],
            ],
        ),
        Sec(
            "section",
            "Baselines",
            "3",
            [
                [
                    (
                        "A BLIP-2 baseline~\\cite{li2023} scores 61.3 and GPT-4V scores 74.8 on \\dataset{}.",
                        "A BLIP-2 baseline [1] scores 61.3 and GPT-4V scores 74.8 on WebQA-2M.",
                    )
                ]
            ],
        ),
        Sec(
            "section",
            "Acknowledgments",
            "",
            [
                [
                    (
                        'We thank J.~M\\"uller and the Fran\\c{c}ois lab.',
                        "We thank J. Müller and the François lab.",
                    )
                ]
            ],
        ),
    ]
    refs = [("li2023", "J. Li, D. Li, S. Savarese, and S. Hoi. \\newblock {BLIP-2}. \\newblock In \\emph{ICML}, 2023."),
            ("schoelkopf2002", "B. Sch\\\"olkopf and A. Smola. \\newblock \\emph{Learning with Kernels}. \\newblock MIT Press, 2002.")]  # fmt: skip
    p = Paper("plain_tex", "", ("WebQA-2M: Visual Questions from the Web", "WebQA-2M: Visual Questions from the Web"),
              ("A dataset of two million visual questions.", "A dataset of two million visual questions."),
              secs, refs, preamble="\\def\\dataset{WebQA-2M}\n")  # fmt: skip
    return p, {"paper.tex": document(p, body_tex(secs), bib=bbl(refs)).encode()}


def paper_missing() -> tuple[Paper, dict[str, bytes]]:
    """A missing \\input file, .bib without .bbl, legacy 00README.XXX, tabularx, optional-argument macros."""
    t = Table(("Word error rate (\\%) on LibriSpeech.", "Word error rate (%) on LibriSpeech."),
              [["Model", "test-clean", "test-other", "RTF"],
               ["Whisper-small", "3.4", "7.6", "0.21"],
               [("\\sys[large]", "Echo-large"), "2.1", "4.9", "0.09"]])  # fmt: skip
    secs = [
        Sec(
            "section",
            "Introduction",
            "1",
            [
                [
                    (
                        "\\sys{} is a streaming recogniser trained on 680,000 hours.",
                        "Echo-base is a streaming recogniser trained on 680,000 hours.",
                    )
                ]
            ],
        ),
        Sec(
            "section",
            "Model",
            "2",
            [
                [
                    (
                        "The encoder has 24 layers and a chunk size of 320\\,ms; \\sys[large] has 1.5B parameters.",
                        "The encoder has 24 layers and a chunk size of 320 ms; Echo-large has 1.5B parameters.",
                    )
                ]
            ],
        ),
        Sec(
            "section",
            "Results",
            "3",
            [
                [
                    (
                        "On 16 V100 GPUs decoding runs at a real-time factor of 0.09.",
                        "On 16 V100 GPUs decoding runs at a real-time factor of 0.09.",
                    )
                ]
            ],
            tables=[t],
        ),
    ]
    p = Paper("missing_input", "2601.00505", ("Echo: Streaming Speech Recognition", "Echo: Streaming Speech Recognition"),
              ("A streaming speech recogniser.", "A streaming speech recogniser."), secs, [],
              preamble="\\newcommand{\\sys}[1][base]{Echo-#1}\n\\providecommand{\\sys}{unused}\n")  # fmt: skip
    body = (
        secs[0].tex()
        + "\\input{sections/related}\n"
        + secs[1].tex()
        + secs[2].tex()
        + "\\bibliography{refs}\n"
    )
    files = {
        "paper.tex": document(p, body),
        "refs.bib": "@misc{a, title={A}}\n",
        "00README.XXX": "paper.tex toplevelfile\nfig1.eps ignore\n",
    }
    return p, {k: v.encode() for k, v in files.items()}


WORDS = (
    "model",
    "baseline",
    "encoder",
    "decoder",
    "dataset",
    "benchmark",
    "accuracy",
    "loss",
    "layer",
    "token",
    "batch",
    "gradient",
    "optimizer",
    "schedule",
    "checkpoint",
    "ablation",
)


def paper_long() -> tuple[Paper, dict[str, bytes]]:
    """~300 kB: many sections, subsections and results tables with invented numbers."""
    rng = random.Random(12)
    secs: list[Sec] = []
    refs = [(f"ref{k}", f"A. Author{k} and B. Writer. \\newblock Paper number {k}. \\newblock In \\emph{{Venue}}, {2000 + k % 25}.")
            for k in range(1, 41)]  # fmt: skip
    for s in range(1, 71):
        paras = []
        for _ in range(6):
            a, b = rng.randint(2, 512), round(rng.uniform(10, 99), 1)
            w = rng.sample(WORDS, 6)
            cite = rng.randint(1, 40)
            paras.append(
                [
                    (
                        f"The {w[0]} uses {a} {w[1]}s and reaches {b}\\% {w[2]} after {w[3]} tuning "
                        f"on {a * 8} GPUs~\\cite{{ref{cite}}}; the {w[4]} {w[5]} stays stable. "
                        * 3,
                        f"The {w[0]} uses {a} {w[1]}s and reaches {b}% {w[2]} after {w[3]} tuning "
                        f"on {a * 8} GPUs [{cite}]; the {w[4]} {w[5]} stays stable. " * 3,
                    )
                ]
            )
        rows: list[list[Frag]] = [["Method", "Acc", "F1", "Params (M)", "GPU hours"]]
        for r in range(8):
            rows.append(
                [
                    f"Variant-{s}-{r}",
                    f"{rng.uniform(50, 95):.2f}",
                    f"{rng.uniform(40, 90):.2f}",
                    str(rng.randint(10, 900)),
                    f"{rng.randint(1, 99)},{rng.randint(100, 999)}",
                ]
            )
        tn = s  # one table per study
        paras[-1] = paras[-1] + [(f" See Table~\\ref{{tab:t{tn}}}.", f" See Table {tn}.")]
        secs.append(
            Sec(
                "section",
                f"Study {s}: {rng.choice(WORDS)} scaling",
                str(s),
                paras,
                tables=[Table(f"Results of study {s}.", rows, label=f"tab:t{tn}")],
            )
        )
        for ss in range(1, 4):
            n1, n2 = rng.randint(1, 9999), round(rng.uniform(0, 1), 3)
            secs.append(Sec("subsection", f"Setting {s}.{ss}", f"{s}.{ss}", [
                [f"In setting {ss} we sample {n1} examples with temperature {n2} and repeat it {rng.randint(2, 9)} times. " * 4]]))  # fmt: skip
    p = Paper("long", "2601.00606", ("A Long Study of Scaling", "A Long Study of Scaling"),
              ("Seventy studies of scaling.", "Seventy studies of scaling."), secs, refs,
              preamble="\\newcommand{\\R}{\\mathbb{R}}\n")  # fmt: skip
    return p, {"long.tex": document(p, body_tex(secs)).encode(), "long.bbl": bbl(refs).encode()}


HAND_MAIN = r"""\documentclass[sigconf,review]{acmart}
\usepackage{booktabs}
\usepackage{multirow}
\usepackage{siunitx}
\usepackage[capitalise]{cleveref}
\usepackage{xspace}
\newcommand{\ours}{\textsc{Lumen}\xspace}
\newcommand{\etal}{\textit{et al.}\xspace}
\newcommand{\best}[1]{\textbf{#1}}
\newcommand{\second}[1]{\underline{#1}}
\DeclareMathOperator*{\argmax}{arg\,max}
\newtheorem{theorem}{Theorem}[section]
\title[Lumen]{\ours: Retrieval-Augmented Reranking\\ at Web Scale}
\author{Anonymous}
\begin{document}
\begin{abstract}
We present \ours, a reranker that reads 1{,}000 passages per query.
\end{abstract}
\maketitle

\section{Introduction}\label{sec:intro}
Dense retrievers~\cite{karpukhin2020dense} miss rare entities. \ours scores each passage
with a cross-encoder and keeps the top-$k$ (\cref{sec:method}).
Our index covers \num{8841823} passages and takes \SI{61}{\giga\byte} on disk.

\section{Method}\label{sec:method}
\subsection{Scoring}
Given a query $q$ and passages $p_1,\dots,p_n$ we pick
\begin{equation}
  p^\star = \argmax_{i} s(q, p_i).
\end{equation}
\begin{theorem}\label{thm:bound}
The regret is at most $O(\sqrt{T})$.
\end{theorem}

\paragraph{Training.} We train for 3 epochs on 4 A6000 GPUs (48 GB each) with a
batch of 128 pairs, as Zhang \etal did~\cite[Sec.~4]{zhang2023}.

\begin{table*}[t]
  \centering\small
  \setlength{\tabcolsep}{4pt}
  \caption{MRR@10 and Recall@1000 on MS MARCO dev and TREC DL'19. \best{Best}, \second{second}.}
  \label{tab:main}
  \begin{tabular}{@{}llcc@{}}
    \toprule
    \multirow{2}{*}{Type} & \multirow{2}{*}{Model} & \multicolumn{2}{c}{MS MARCO} \\
    \cmidrule(lr){3-4}
     & & MRR@10 & R@1k \\
    \midrule
    Sparse & BM25 & 18.7 & 85.7 \\
    Dense & DPR & 31.1 & 95.2 \\
    \midrule
    Rerank & \ours (ours) & \best{42.6} & \best{98.1} \\
    \bottomrule
  \end{tabular}
\end{table*}

\section{Experiments}\label{sec:exp}
As \cref{tab:main} shows, \ours improves MRR@10 by 11.5 points over DPR.
Latency is \SI{35}{\milli\second} per query on one GPU.
\begin{figure}[h]
  \centering
  \includegraphics[width=\linewidth]{figs/latency.pdf}
  \caption{Latency against the number of passages (log scale).}
  \label{fig:latency}
\end{figure}
\Cref{fig:latency} shows latency grows linearly.

\begin{acks}
We thank the anonymous reviewers.
\end{acks}

\bibliographystyle{ACM-Reference-Format}
\bibliography{refs}
\end{document}
"""

HAND_BBL = r"""%%% -*-BibTeX-*-
\begin{thebibliography}{2}
\ifx \showCODEN    \undefined \def \showCODEN     #1{\unskip}     \fi
\providecommand \bibinfo [2]{#2}

\bibitem[Karpukhin et~al\mbox{.}(2020)]{karpukhin2020dense}
\bibfield{author}{\bibinfo{person}{Vladimir Karpukhin} {et~al\mbox{.}}}
  \bibinfo{year}{2020}\natexlab{}.
\newblock \showarticletitle{Dense Passage Retrieval for Open-Domain Question Answering}. In \bibinfo{booktitle}{\emph{EMNLP}}.

\bibitem[Zhang et~al\mbox{.}(2023)]{zhang2023}
\bibfield{author}{\bibinfo{person}{Wei Zhang} {et~al\mbox{.}}}
  \bibinfo{year}{2023}\natexlab{}.
\newblock \showarticletitle{Rerankers at Scale}. \bibinfo{journal}{\emph{TOIS}}  \bibinfo{volume}{41} (\bibinfo{year}{2023}).

\end{thebibliography}
"""

HAND_GOLD = {
    "source": "latex",
    "arxiv_id": "2601.00707",
    "title": "Lumen: Retrieval-Augmented Reranking at Web Scale",
    "headings": [
        "1 Introduction",
        "2 Method",
        "2.1 Scoring",
        "Training.",
        "3 Experiments",
        "Acknowledgments",
    ],
    "appendix": [],
    "table_numbers": ["10", "1", "18.7", "85.7", "31.1", "95.2", "42.6", "98.1"],
    "body_numbers": ["3", "4", "48", "128", "8841823", "61", "11.5", "35", "10"],
    "body_text": (
        "Dense retrievers [1] miss rare entities. Lumen scores each passage with a cross-encoder "
        "and keeps the top-$k$ (Section 2). Our index covers 8841823 passages and takes 61 GB on disk."
        "\n\nGiven a query $q$ and passages $p_1,\\dots,p_n$ we pick"
        "\n\n$$p^\\star = \\operatorname*{arg\\,max}_{i} s(q, p_i).$$"
        "\n\nTheorem 2.1. The regret is at most $O(\\sqrt{T})$."
        "\n\nWe train for 3 epochs on 4 A6000 GPUs (48 GB each) with a batch of 128 pairs, "
        "as Zhang et al. did [2]."
        "\n\nAs Table 1 shows, Lumen improves MRR@10 by 11.5 points over DPR. Latency is 35 ms "
        "per query on one GPU. Figure 1 shows latency grows linearly."
        "\n\nWe thank the anonymous reviewers."
    ),
    "references": 2,
}


def paper_handwritten() -> tuple[dict, dict[str, bytes]]:
    """Written by hand in the style of a real ACM submission (acmart, cleveref, siunitx,
    multirow, booktabs, an ACM .bbl): gold written by hand too, not from the helpers above."""
    files = {"main.tex": HAND_MAIN, "main.bbl": HAND_BBL, "figs/latency.pdf": "%PDF-1.5\n"}
    return HAND_GOLD, {k: v.encode() for k, v in files.items()}


ICML_MAIN = r"""\documentclass{article}
\usepackage{icml2026}
\usepackage{tabularx,xcolor,algorithm,algorithmic}
\usepackage[backend=biber]{biblatex}
\addbibresource{refs.bib}
\input macros

\begin{document}
\twocolumn[
\icmltitle{Tiny Experts: Mixture-of-Experts\\ for On-Device Speech}
\begin{icmlauthorlist}
\icmlauthor{Ana Lima}{uni}
\end{icmlauthorlist}
\icmlaffiliation{uni}{University of Somewhere}
\icmlkeywords{Machine Learning, ICML}
\vskip 0.3in
]
\printAffiliationsAndNotice{}

\begin{abstract}
We shrink mixture-of-experts speech models to run on phones.
\end{abstract}

\section{Introduction}
Phones have 8~GB of RAM at most; \tinyx{} fits in 120~MB.
\citet{lepikhin2021} route tokens to 2 experts; we route frames to 1 of 16.

\subfile{sections/method}

\section{Results}
\label{sec:results}
\begin{table}[h]
\caption{Word error rate on LibriSpeech test-other and model size.}
\label{tab:wer}
\vskip 0.1in
\begin{center}
\begin{small}
\begin{tabularx}{\columnwidth}{|l|X|c|}
\hline
\rowcolor{gray!20} Model & Size (MB) & WER \\
\hline
Conformer-S & 41 & 9.3 \\
\cline{2-3}
\tinyx{}-16 & 118 & \textcolor{blue}{7.8} \\
\hline
\end{tabularx}
\end{small}
\end{center}
\end{table}
On a Pixel 8 the model decodes at 0.31$\times$ real time (Table~\ref{tab:wer}).
\begin{algorithm}[tb]
\caption{Frame routing}
\begin{algorithmic}
\STATE $e \gets \arg\max_j r_j(x)$
\end{algorithmic}
\end{algorithm}

\section*{Impact Statement}
This paper presents work whose goal is to advance on-device speech recognition.

\printbibliography
\end{document}
"""

ICML_MACROS = r"""\newcommand{\tinyx}{TinyX}
\newcommand{\R}{\mathbb{R}}
"""

ICML_METHOD = r"""\documentclass[../main.tex]{subfiles}
\begin{document}
\section{Method}
Each of the $E=16$ experts is a 2-layer MLP with hidden size 256 and weights in $\R^{256\times 80}$.
\begin{enumerate}
  \item Quantise to 4 bits.
  \item Prune 30\% of the rows.
\end{enumerate}
\end{document}
"""

ICML_BBL = r"""% $ biblatex auxiliary file $
\begingroup
\makeatletter
\refsection{0}
  \datalist[entry]{nyt/global//global/global}
    \entry{lepikhin2021}{inproceedings}{}
      \name{author}{2}{}{%
        {{hash=a}{%
           family={Lepikhin},
           familyi={L\bibinitperiod},
           given={Dmitry},
        }}%
        {{hash=b}{%
           family={Lee},
           given={HyoukJoong},
        }}%
      }
      \field{booktitle}{International Conference on Learning Representations}
      \field{title}{{GShard}: Scaling Giant Models with Conditional Computation}
      \field{year}{2021}
    \endentry
  \enddatalist
\endrefsection
\endgroup
"""

ICML_GOLD = {
    "source": "latex",
    "arxiv_id": "2601.00808",
    "title": "Tiny Experts: Mixture-of-Experts for On-Device Speech",
    "headings": ["1 Introduction", "2 Method", "3 Results", "Impact Statement"],
    "appendix": [],
    "table_numbers": ["41", "9.3", "16", "118", "7.8"],
    "body_numbers": ["8", "120", "2", "1", "16", "256", "80", "4", "30", "0.31"],
    "body_text": (
        "Phones have 8 GB of RAM at most; TinyX fits in 120 MB. "
        "[1] route tokens to 2 experts; we route frames to 1 of 16."
        "\n\nEach of the $E=16$ experts is a 2-layer MLP with hidden size 256 and weights in "
        "$\\mathbb{R}^{256\\times 80}$."
        "\n\n1. Quantise to 4 bits.\n2. Prune 30% of the rows."
        "\n\nOn a Pixel 8 the model decodes at 0.31$\\times$ real time (Table 1)."
        "\n\nThis paper presents work whose goal is to advance on-device speech recognition."
    ),
    "references": 1,
}


def paper_icml() -> tuple[dict, dict[str, bytes]]:
    """Written by hand in the style of an ICML submission: \\twocolumn[...] header,
    \\input without braces, \\subfile, tabularx with rules and colours, algorithm, biblatex
    .bbl (biber format). Gold written by hand."""
    files = {
        "main.tex": ICML_MAIN,
        "macros.tex": ICML_MACROS,
        "sections/method.tex": ICML_METHOD,
        "main.bbl": ICML_BBL,
        "refs.bib": "@inproceedings{lepikhin2021, title={GShard}}\n",
    }
    return ICML_GOLD, {k: v.encode() for k, v in files.items()}


# -- writing ----------------------------------------------------------------------------------


def tar_gz(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), MTIME, 0o644
            info.uname = info.gname = "arxiv"
            tf.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(raw.getvalue(), mtime=0)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    single = paper_single()
    outputs: list[tuple[Paper, str, bytes]] = [
        (single, "single_gz.gz",
         gzip.compress(document(single, body_tex(single.sections), bib=bbl(single.references)).encode(), mtime=0)),
    ]  # fmt: skip
    for make in (paper_multi, paper_readme, paper_missing, paper_long):
        p, files = make()
        outputs.append((p, f"{p.name}.tar.gz", tar_gz(files)))
    p, files = paper_plain()
    outputs.append((p, "plain_tex.tex", files["paper.tex"]))
    for name, make_hand in (("acm_style", paper_handwritten), ("icml_style", paper_icml)):
        gold_hand, files_hand = make_hand()
        (OUT / f"{name}.tar.gz").write_bytes(tar_gz(files_hand))
        (OUT / f"{name}.gold.json").write_text(
            json.dumps(gold_hand, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    for p, filename, data in outputs:
        (OUT / filename).write_bytes(data)
        (OUT / f"{p.name}.gold.json").write_text(
            json.dumps(p.gold(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"{filename}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
