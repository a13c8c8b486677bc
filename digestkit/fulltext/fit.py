"""Fit a paper into a model's context budget: the whole paper when it fits, otherwise the
parts a summary needs most, and a record of what was left out.

Why this order: the questions digests answer (what was missing, the method, the results,
the cost, the limits) are answered by the abstract, introduction, method, experiments,
results and conclusion, and by the tables and captions that hold the numbers. References
go first (a model needs few of them: the ones the text cites most are named in it), then
the appendix (proofs, extra tables), then related work and background, then whatever
else is not core, from the end. Only when the core alone is still too long are its
sections shortened, each keeping its opening paragraphs, so every part is still seen.

Tokens are estimated with :func:`digestkit.backends.limits.estimate_tokens` (UTF-8 bytes
/ 3, deliberately high), so a fitted paper never overflows the context it was fitted to.

>>> from digestkit.fulltext.model import FullText, Section
>>> ft = FullText(title="T", abstract="We do X.", sections=(
...     Section("1", "Introduction", 1, "Intro text. " * 50),
...     Section("2", "Related Work", 1, "Others did Y. " * 200),
...     Section("3", "Results", 1, "We get 12.5 points. " * 50)),
...     references=("[1] A. Author. A paper. 2020.",) * 40)
>>> whole = fit_fulltext(ft, 100_000)
>>> whole.omitted, whole.cut
((), ())
>>> small = fit_fulltext(ft, 1_000)
>>> small.omitted
('References', '2 Related Work')
>>> "12.5 points" in small.text, "Others did Y" in small.text
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from digestkit.backends.limits import estimate_tokens
from digestkit.fulltext.model import FullText, Section

__all__ = ["Fitted", "fit_fulltext", "render_fulltext", "section_role"]

_CORE = re.compile(
    r"abstract|introduc|overview|motivation|method|approach|model|framework|architecture|"
    r"propos|algorithm|design|system|setup|set-up|implement|train|experiment|evaluat|result|"
    r"benchmark|ablation|analys|discussion|conclu|limitation|summary|future work|dataset|data",
    re.I,
)
_RELATED = re.compile(r"related|background|prior work|previous work|preliminar|literature", re.I)


def section_role(section: Section) -> str:
    """``"appendix"``, ``"related"``, ``"core"`` or ``"other"`` (by heading).

    >>> section_role(Section("2", "Related Work")), section_role(Section("4.1", "Main results"))
    ('related', 'core')
    """
    if section.appendix:
        return "appendix"
    if _RELATED.search(section.heading):
        return "related"
    if _CORE.search(section.heading):
        return "core"
    return "other"


@dataclass(frozen=True)
class Fitted:
    """The text to send, what was left out whole (``omitted``: section labels and
    ``"References"``), what was shortened (``cut``), and its estimated tokens."""

    text: str
    tokens: int
    omitted: tuple[str, ...] = ()
    cut: tuple[str, ...] = ()

    def note(self) -> str:
        """One line for metadata and logs: ``""`` when the whole paper went in."""
        parts = []
        if self.omitted:
            parts.append("left out: " + "; ".join(self.omitted))
        if self.cut:
            parts.append("shortened: " + "; ".join(self.cut))
        return ". ".join(parts)


def _section_block(s: Section, text: str | None = None) -> str:
    head = "#" * min(6, s.level + 1) + " " + (s.label or "(untitled)")
    if s.appendix and not s.label.lower().startswith("appendix"):
        head += " (appendix)"
    body = s.text if text is None else text
    return f"{head}\n{body}".rstrip()


def _tables_block(ft: FullText, keep: set[int]) -> str:
    parts = []
    for t in ft.tables:
        if t.section is not None and t.section not in keep:
            continue
        head = f"{t.label}: {t.caption}".strip(": ") if t.label or t.caption else "Table"
        parts.append(f"{head}\n{t.text()}".rstrip())
    table_captions = {(t.caption or "").strip() for t in ft.tables}
    figures = [c for c in ft.captions if not any(tc and tc in c for tc in table_captions)]
    if figures:
        parts.append("Figure captions:\n" + "\n".join(f"- {c}" for c in figures))
    return "\n\n".join(parts)


def render_fulltext(
    ft: FullText,
    keep: set[int] | None = None,
    texts: dict[int, str] | None = None,
    references: bool = True,
) -> str:
    """The paper as prompt text: title, abstract, kept sections with ``##`` headings,
    tables (tab-separated) and captions, footnotes, then references when kept."""
    keep = set(range(len(ft.sections))) if keep is None else keep
    texts = texts or {}
    out = []
    if ft.title:
        out.append(f"# {ft.title}")
    if ft.abstract:
        out.append(f"## Abstract\n{ft.abstract}")
    for i, s in enumerate(ft.sections):
        if i in keep:
            out.append(_section_block(s, texts.get(i)))
    tables = _tables_block(ft, keep)
    if tables:
        out.append("## Tables and figures\n" + tables)
    if ft.footnotes:
        out.append("## Footnotes\n" + "\n".join(f"- {f}" for f in ft.footnotes))
    if references and ft.references:
        out.append("## References\n" + "\n".join(f"- {r}" for r in ft.references))
    return "\n\n".join(out)


def _shorten(text: str, share: float) -> str:
    """The opening paragraphs of ``text`` up to ``share`` of its length, marked as cut."""
    limit = max(200, int(len(text) * share))
    if len(text) <= limit:
        return text
    paras = text.split("\n\n")
    kept: list[str] = []
    size = 0
    for p in paras:
        if size + len(p) > limit and kept:
            break
        kept.append(p if size + len(p) <= limit else p[: limit - size])
        size += len(p) + 2
    return "\n\n".join(kept) + "\n\n[... rest of this section left out to fit the context ...]"


def fit_fulltext(
    ft: FullText, budget: int, *, count: Callable[[str], int] = estimate_tokens
) -> Fitted:
    """``ft`` rendered within ``budget`` tokens (see the module docstring for the order)."""
    keep = set(range(len(ft.sections)))
    text = render_fulltext(ft, keep)
    tokens = count(text)
    if tokens <= budget:
        return Fitted(text, tokens)
    omitted = ["References"] if ft.references else []
    text = render_fulltext(ft, keep, references=False)
    tokens = count(text)
    roles = [section_role(s) for s in ft.sections]
    for role in ("appendix", "related", "other"):
        for i in reversed(range(len(ft.sections))):
            if tokens <= budget:
                break
            if roles[i] == role:
                keep.discard(i)
                omitted.append(ft.sections[i].label or "(untitled section)")
                text = render_fulltext(ft, keep, references=False)
                tokens = count(text)
    omitted = _in_order(ft, omitted)
    if tokens <= budget:
        return Fitted(text, tokens, tuple(omitted))
    return _shorten_core(ft, keep, budget, count, tuple(omitted))


def _in_order(ft: FullText, omitted: list[str]) -> list[str]:
    order = {s.label or "(untitled section)": i for i, s in enumerate(ft.sections)}
    return sorted(omitted, key=lambda x: (x != "References", order.get(x, -1)))


def _shorten_core(
    ft: FullText, keep: set[int], budget: int, count: Callable[[str], int], omitted: tuple[str, ...]
) -> Fitted:
    share = 1.0
    texts: dict[int, str] = {}
    text = render_fulltext(ft, keep, texts, references=False)
    while count(text) > budget and share > 0.02:
        share *= max(0.3, min(0.9, budget / count(text)))
        texts = {i: _shorten(ft.sections[i].text, share) for i in keep}
        text = render_fulltext(ft, keep, texts, references=False)
    if count(text) > budget:  # still too long (huge tables): a hard cut, marked
        limit = max(0, len(text) * budget // max(1, count(text)) - 80)
        text = text[:limit] + "\n\n[... paper cut here to fit the context ...]"
    cut = tuple(
        ft.sections[i].label or "(untitled section)"
        for i in sorted(keep)
        if texts.get(i, ft.sections[i].text) != ft.sections[i].text
    )
    return Fitted(text, count(text), omitted, cut)
