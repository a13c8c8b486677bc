"""Which papers a digest shows, and why: pure scoring and selection.

Why a module of its own: selection is the part of a paper bot its users tune every week, so
it must be predictable (whole-word matching from :mod:`digestkit.sources.match`) and it must
explain itself. Every paper gets a :class:`Scored` value with the :class:`Reason` for each
point, whether it was chosen or not (``digestkit fetch --explain`` prints them).

How a paper scores, per keyword rule of weight ``w``:

* title: ``w × title_boost`` when the keyword occurs in the title (once, however often);
* abstract: ``w`` per occurrence in the abstract, counting at most ``max_hits``;
* category: plus the best ``category_weights`` value among the paper's categories.

An ``exclude`` keyword in the title or abstract, or a category in ``exclude_categories``,
drops the paper whatever its score. Papers under ``min_score`` are dropped; the rest are
sorted by score (then newest first, then id) and cut at ``max_papers``.

>>> from digestkit.sources.config import SelectionConfig
>>> cfg = SelectionConfig.from_mapping({"keywords": {"RL": 2, "agent": 1}, "min_score": 1})
>>> e = Entry(arxiv_id="2602.00001", title="Early world models", abstract="We study the world.")
>>> score_entry(e, cfg).score
0.0
>>> score_entry(Entry(title="RL agents"), cfg).score
6.0
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from digestkit.digest.model import Entry
from digestkit.sources.config import SelectionConfig
from digestkit.sources.match import prepare

__all__ = ["Reason", "Scored", "Selection", "explain", "score_entry", "select"]

SELECTED = "selected"
BELOW_MIN = "below min_score"
EXCLUDED = "excluded"
OVER_MAX = "over max_papers"


@dataclass(frozen=True)
class Reason:
    """One line of an explanation: where a term was found and the points it gave."""

    where: str  # "title", "abstract", "category", "exclude"
    term: str
    count: int
    points: float
    note: str = ""

    def __str__(self) -> str:
        if self.where == "exclude":
            return f'excluded by "{self.term}" ({self.note})'
        if self.where == "category":
            return f"category {self.term}: {self.points:+g}"
        text = f'{self.where} "{self.term}" x{self.count}: {self.points:+g}'
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Scored:
    """A paper, its score, whether it was chosen (``status``) and the reasons."""

    entry: Entry
    score: float
    status: str
    reasons: tuple[Reason, ...] = ()

    @property
    def selected(self) -> bool:
        return self.status == SELECTED


@dataclass(frozen=True)
class Selection:
    """The result of :func:`select`: the chosen entries (scores set) and every paper scored."""

    entries: tuple[Entry, ...]
    scored: tuple[Scored, ...]


def _keyword_reasons(entry: Entry, cfg: SelectionConfig) -> list[Reason]:
    reasons: list[Reason] = []
    title, abstract = prepare(entry.title), prepare(entry.abstract)
    for rule in cfg.keywords:
        in_title = rule.term.count_in(title)
        if in_title:
            pts = rule.weight * cfg.title_boost
            note = f"{rule.weight:g} x title_boost {cfg.title_boost:g}"
            reasons.append(Reason("title", rule.term.text, in_title, pts, note))
        in_abstract = rule.term.count_in(abstract)
        if in_abstract:
            counted = min(in_abstract, cfg.max_hits)
            note = f"counted {counted}, max_hits" if counted < in_abstract else ""
            reasons.append(
                Reason("abstract", rule.term.text, in_abstract, rule.weight * counted, note)
            )
    return reasons


def _category_reason(entry: Entry, cfg: SelectionConfig) -> list[Reason]:
    weights = dict(cfg.category_weights)
    known = [(weights[c], c) for c in entry.categories if c in weights]
    if not known:
        return []
    best, cat = max(known)
    return [Reason("category", cat, 1, best)]


def _exclusion(entry: Entry, cfg: SelectionConfig) -> Reason | None:
    for cat in entry.categories:
        if cat in cfg.exclude_categories:
            return Reason("exclude", cat, 1, 0.0, "category")
    for term in cfg.exclude:
        for where, text in (("title", entry.title), ("abstract", entry.abstract)):
            if term.count(text):
                return Reason("exclude", term.text, 1, 0.0, where)
    return None


def score_entry(entry: Entry, cfg: SelectionConfig) -> Scored:
    """Score one paper; ``status`` is ``selected``, ``excluded`` or ``below min_score``.

    >>> from digestkit.sources.config import SelectionConfig
    >>> cfg = SelectionConfig.from_mapping({"keywords": ["LLM"], "exclude": ["survey"]})
    >>> s = score_entry(Entry(title="LLM agents", abstract="An LLM. LLMs."), cfg)
    >>> s.score, [str(r) for r in s.reasons]
    (4.0, ['title "LLM" x1: +2 (1 x title_boost 2)', 'abstract "LLM" x2: +2'])
    >>> score_entry(Entry(title="A survey of LLMs"), cfg).status
    'excluded'
    """
    reasons = _keyword_reasons(entry, cfg) + _category_reason(entry, cfg)
    score = float(round(sum(r.points for r in reasons), 6))
    excluded = _exclusion(entry, cfg)
    if excluded is not None:
        return Scored(entry, score, EXCLUDED, (*reasons, excluded))
    status = SELECTED if score >= cfg.min_score else BELOW_MIN
    return Scored(entry, score, status, tuple(reasons))


def _order(s: Scored) -> tuple[float, int, str]:
    day = s.entry.published or s.entry.updated or dt.date.min
    return (-s.score, -day.toordinal(), s.entry.key)


def select(entries: Iterable[Entry], cfg: SelectionConfig) -> Selection:
    """Score every entry, keep those at or above ``min_score``, best first, at most ``max_papers``.

    The chosen entries carry their score in ``Entry.score``.

    >>> from digestkit.sources.config import SelectionConfig
    >>> cfg = SelectionConfig.from_mapping({"keywords": ["RL"], "max_papers": 1})
    >>> papers = [Entry(arxiv_id="1", title="RL"), Entry(arxiv_id="2", title="RL", abstract="RL")]
    >>> [e.arxiv_id for e in select(papers, cfg).entries]
    ['2']
    """
    scored = sorted((score_entry(e, cfg) for e in entries), key=_order)
    out: list[Scored] = []
    chosen: list[Entry] = []
    for s in scored:
        if s.selected and cfg.max_papers and len(chosen) >= cfg.max_papers:
            s = dataclasses.replace(s, status=OVER_MAX)
        if s.selected:
            chosen.append(dataclasses.replace(s.entry, score=s.score))
        out.append(s)
    return Selection(tuple(chosen), tuple(out))


def explain(selection: Selection | Iterable[Scored]) -> str:
    """A plain-text report: one block per paper with its score, status and reasons.

    >>> from digestkit.sources.config import SelectionConfig
    >>> cfg = SelectionConfig.from_mapping({"keywords": ["RL"]})
    >>> print(explain(select([Entry(arxiv_id="2602.1", title="Early RL")], cfg)))
    2602.1  score 2  selected  Early RL
        title "RL" x1: +2 (1 x title_boost 2)
    """
    items = selection.scored if isinstance(selection, Selection) else tuple(selection)
    lines: list[str] = []
    for s in items:
        lines.append(f"{s.entry.key}  score {s.score:g}  {s.status}  {s.entry.title}")
        lines.extend(f"    {r}" for r in s.reasons)
        if not s.reasons:
            lines.append("    no keyword matched")
    return "\n".join(lines)
