"""Review aid: where a repair guessed, with what confidence, and what else it could have read.

A lossy repair chooses lost bytes with a language model; a pipeline that must not publish a
guess needs to see the doubtful ones before it does. :func:`doubts` lists every damaged
character whose span was repaired with confidence below a threshold, with its line and
column, the line as context, the reading chosen and the other readings its surviving bytes
allow (best first by prior x unigram). :func:`review_html` renders them as a
self-contained page; :func:`mark_doubts` returns the text with each such reading wrapped in
:data:`MARK_OPEN` / :data:`MARK_CLOSE` (``⟦中⟧``), visible in any editor and easy to grep.

Pure functions: the CLI (``digestkit repair FILE --review -o review.html``,
``--mark-below P``) does the reading and writing.

>>> from digestkit.repair import repair_text
>>> from digestkit.repair.corrupt import corrupt
>>> result = repair_text(corrupt("效率与可及性", "seed004"))
>>> [(d.line, d.column, d.chosen, d.alternatives[:2]) for d in doubts(result, 0.99)]
[(1, 3, '不', ('中', '与'))]
"""

from __future__ import annotations

import bisect
import html
from dataclasses import dataclass

from digestkit.repair.types import Repaired, RepairSpan

__all__ = ["MARK_CLOSE", "MARK_OPEN", "Doubt", "doubts", "line_column", "mark_doubts"]

#: Around a doubtful reading in ``--mark-below`` output (U+27E6 / U+27E7, white square
#: brackets: rare in prose, and not Markdown syntax).
MARK_OPEN = "\u27e6"
MARK_CLOSE = "\u27e7"
#: Alternatives listed per damaged character.
ALTERNATIVES = 6


@dataclass(frozen=True)
class Doubt:
    """One damaged character repaired with low confidence (offsets in the repaired text;
    ``line`` and ``column`` count from 1, columns in characters)."""

    offset: int
    line: int
    column: int
    original: str
    chosen: str
    alternatives: tuple[str, ...]
    confidence: float
    context: str


class _Lines:
    """Line starts of a text, for offset -> (line, column) by bisection."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)

    def locate(self, offset: int) -> tuple[int, int]:
        n = bisect.bisect_right(self.starts, offset) - 1
        return n + 1, offset - self.starts[n] + 1

    def line(self, number: int) -> str:
        start = self.starts[number - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)]


def line_column(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of ``offset`` in ``text``.

    >>> line_column("ab\\ncd", 0), line_column("ab\\ncd", 3), line_column("ab\\ncd", 4)
    ((1, 1), (2, 1), (2, 2))
    """
    return _Lines(text).locate(offset)


def span_positions(
    text: str, spans: tuple[RepairSpan, ...] | list[RepairSpan]
) -> list[tuple[int, int]]:
    """(line, column) of each span's start, in one pass over the text."""
    lines = _Lines(text)
    return [lines.locate(s.start) for s in spans]


def _codec(result: Repaired) -> str | None:
    """The code page of the last pass that rebuilt bytes (its spans are the lossy ones)."""
    from digestkit.repair.engine import parse_plan_arg

    for action, arg in reversed(result.steps):
        if action == "rebuild":
            return parse_plan_arg(arg, lossy=True)[0]
    return None


def doubts(result: Repaired, below: float) -> list[Doubt]:
    """Every damaged character in a lossy span whose confidence is below ``below``."""
    codec = _codec(result)
    if codec is None:
        return []
    lines = _Lines(result.text)
    found: list[Doubt] = []
    for span in result.spans:
        if span.kind != "lossy" or span.confidence >= below:
            continue
        each = {span.start + o: c for o, c in span.characters}
        for offset, original, chosen, others in _readings(span, codec):
            confidence = each.get(offset, span.confidence)
            if confidence >= below:
                continue
            line, column = lines.locate(offset)
            context = lines.line(line)
            found.append(Doubt(offset, line, column, original, chosen, others, confidence, context))
    return found


def _readings(span: RepairSpan, codec: str) -> list[tuple[int, str, str, tuple[str, ...]]]:
    """(offset, mojibake, reading chosen, other readings) per damaged character of ``span``,
    found by walking the run's pieces along the replacement."""
    from digestkit.repair.engine import _parse_run
    from digestkit.repair.fastpass import _ranked
    from digestkit.repair.lossless import codec_table, run_bytes
    from digestkit.repair.lossy import Slot, default_losses, language_from_counts

    table = codec_table(codec)
    raw = run_bytes(span.original, table)
    pieces = _parse_run(span.original, raw, table, True, default_losses(codec), True)
    han = sum("\u4e00" <= c <= "\u9fff" for c in span.replacement)
    kana = sum("\u3040" <= c <= "\u30ff" for c in span.replacement)
    lang = language_from_counts(kana, 0, han)
    out = []
    text, at = span.replacement, 0
    for piece in pieces:
        if isinstance(piece, str):
            if not text.startswith(piece, at):
                break  # the pass read this run differently: stop rather than misplace
            at += len(piece)
            continue
        assert isinstance(piece, Slot)
        fits = sorted((o.text for o in piece.options if text.startswith(o.text, at)), key=len)
        chosen = fits[-1] if fits else piece.original if text.startswith(piece.original, at) else ""
        if not chosen:
            break
        ranked = _ranked(piece.options, lang, len(piece.options))
        others = tuple(c.text for c in ranked if c.text != chosen)[:ALTERNATIVES]
        out.append((span.start + at, piece.original, chosen, others))
        at += len(chosen)
    return out


def mark_doubts(result: Repaired, below: float) -> str:
    """The repaired text with every doubtful reading (see :func:`doubts`) wrapped in
    :data:`MARK_OPEN` / :data:`MARK_CLOSE`.

    >>> from digestkit.repair import repair_text
    >>> from digestkit.repair.corrupt import corrupt
    >>> mark_doubts(repair_text(corrupt("效率与可及性", "seed004")), 0.99)
    '效率⟦不⟧可及性'
    """
    text = result.text
    parts, prev = [], 0
    for d in sorted(doubts(result, below), key=lambda d: d.offset):
        parts += [text[prev : d.offset], MARK_OPEN, d.chosen, MARK_CLOSE]
        prev = d.offset + len(d.chosen)
    parts.append(text[prev:])
    return "".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .35em .6em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
td.where, td.conf { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.context { font-family: "Noto Sans CJK SC", "Noto Sans CJK JP", sans-serif; }
mark { background: #ffd54f; padding: 0 .1em; font-weight: bold; }
.chosen { font-size: 1.3em; }
.alt { display: inline-block; border: 1px solid #bbb; border-radius: 3px; padding: 0 .3em;
       margin: 0 .15em .15em 0; }
.orig { color: #888; font-family: monospace; }
"""


def review_html(result: Repaired, below: float, name: str = "") -> str:
    """A self-contained HTML page (no scripts, no external files) listing :func:`doubts`.

    >>> from digestkit.repair import repair_text
    >>> from digestkit.repair.corrupt import corrupt
    >>> page = review_html(repair_text(corrupt("效率与可及性", "seed004")), 0.99, "x.md")
    >>> "<mark>不</mark>" in page and "1:3" in page
    True
    """
    found = doubts(result, below)
    esc = html.escape
    rows = []
    for d in found:
        start = d.column - 1
        before = d.context[max(0, start - 30) : start]
        after = d.context[start + len(d.chosen) : start + len(d.chosen) + 30]
        alts = "".join(f'<span class="alt">{esc(a)}</span>' for a in d.alternatives)
        rows.append(
            "<tr>"
            f'<td class="where">{d.line}:{d.column}</td>'
            f'<td class="context">{esc(before)}<mark>{esc(d.chosen)}</mark>{esc(after)}</td>'
            f'<td class="chosen">{esc(d.chosen)}</td>'
            f"<td>{alts or '–'}</td>"
            f'<td class="conf">{d.confidence:.2f}</td>'
            f'<td class="orig">{esc(d.original)}</td>'
            "</tr>"
        )
    title = f"Repair review{': ' + name if name else ''}"
    summary = (
        f"{len(found)} damaged character(s) repaired with confidence below {below:g}"
        if found
        else f"No damaged character was repaired with confidence below {below:g}."
    )
    table = (
        "<table><thead><tr><th>line:col</th><th>context</th><th>reading</th>"
        "<th>alternatives</th><th>confidence</th><th>mojibake</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="und"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><p>{esc(summary)}</p>{table}</body></html>\n"
    )
