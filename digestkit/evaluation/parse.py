"""Parsing section: does each seed parse into exactly its papers, with the right fields?

Why two levels: an entry-level score (are the right papers there, and only those) is what a
bot's reader notices first; a field-level score (title, authors, date, abstract... of each
paper) is what a converter needs. Both are precision/recall over sets, so a parser that
invents an entry loses precision and one that drops a field loses recall.

Entries are matched by key (arXiv id, else URL, else normalized title). A field counts as a
``(entry key, field, normalized value)`` triple, for the fields the gold file fills for that
seed: a gold that records only ids and titles judges only ids and titles.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digestkit.evaluation.metrics import PRF, prf
from digestkit.evaluation.result import Context, SectionResult, Table

__all__ = ["GOLD_DIR", "compare", "gold_entries", "normalize", "run"]

GOLD_DIR = Path("parse")
# Fields compared when the gold fills them; summaries are compared by their text.
FIELDS = (
    "arxiv_id",
    "version",
    "title",
    "url",
    "authors",
    "categories",
    "published",
    "updated",
    "score",
    "announce_type",
    "abstract",
    "summary",
)
_SPACE = re.compile(r"\s+")


def normalize(value: Any) -> Any:
    """A comparable form of a field value: NFC, collapsed spaces; lists become tuples.

    Empty values become ``None`` (an empty field is not a field).

    >>> normalize("  Quamba2:\\n A  Framework ")
    'Quamba2: A Framework'
    >>> normalize(["A. B", " C "])
    ('A. B', 'C')
    >>> normalize("") is None, normalize([]) is None
    (True, True)
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = _SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()
        return text or None
    if isinstance(value, list | tuple):
        items = tuple(v for v in (normalize(x) for x in value) if v is not None)
        return items or None
    if isinstance(value, Mapping):
        # A summary: compare its text (section bodies in order), not its bookkeeping.
        sections = value.get("sections") or ()
        text = " ".join(str(body) for _head, body in sections) or value.get("raw", "")
        return normalize(text)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return normalize(str(value))


def entry_key(entry: Mapping[str, Any]) -> str:
    """How entries are matched: arXiv id, else URL, else normalized title."""
    return str(
        entry.get("arxiv_id") or entry.get("url") or (normalize(entry.get("title")) or "").lower()
    )


def gold_entries(gold: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entries of a gold file (a digest JSON document or ``{"entries": [...]}``)."""
    entries = gold.get("entries")
    if not isinstance(entries, list):
        raise ValueError("gold file has no 'entries' list")
    return [dict(e) for e in entries]


def _triples(
    entries: Sequence[Mapping[str, Any]], fields: Sequence[str]
) -> set[tuple[str, str, Any]]:
    found = set()
    for e in entries:
        key = entry_key(e)
        for f in fields:
            value = normalize(e.get(f))
            if value is not None:
                found.add((key, f, value))
    return found


def compare(
    predicted: Sequence[Mapping[str, Any]], gold: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Entry and field precision/recall of ``predicted`` entries against ``gold`` (dicts).

    >>> g = [{"arxiv_id": "1", "title": "A"}, {"arxiv_id": "2", "title": "B"}]
    >>> p = [{"arxiv_id": "1", "title": "A", "url": "u"}, {"arxiv_id": "3", "title": "C"}]
    >>> r = compare(p, g)
    >>> r["entry"].precision, r["entry"].recall, r["field"].precision, r["order"]
    (0.5, 0.5, 0.5, True)
    """
    fields = [f for f in FIELDS if any(normalize(e.get(f)) is not None for e in gold)]
    entry = prf((entry_key(e) for e in predicted), (entry_key(e) for e in gold))
    pred_t, gold_t = _triples(predicted, fields), _triples(gold, fields)
    field = PRF(len(pred_t & gold_t), len(pred_t), len(gold_t))
    per_field = {
        f: PRF(
            len({t for t in pred_t & gold_t if t[1] == f}),
            sum(1 for t in pred_t if t[1] == f),
            sum(1 for t in gold_t if t[1] == f),
        )
        for f in fields
    }
    gold_keys = [entry_key(e) for e in gold]
    shared = set(gold_keys) & {entry_key(e) for e in predicted}
    order = [k for k in (entry_key(e) for e in predicted) if k in shared] == [
        k for k in gold_keys if k in shared
    ]
    return {"entry": entry, "field": field, "per_field": per_field, "order": order}


@dataclass(frozen=True)
class SeedScore:
    """One seed parsed (auto-detected format) and compared with its gold file."""

    seed: str
    format: str
    gold_format: str
    warnings: int
    scores: dict[str, Any]

    @property
    def format_ok(self) -> bool:
        return not self.gold_format or self.format == self.gold_format


def score_seed(fixtures: Path, gold_path: Path) -> SeedScore:
    """Parse the seed ``gold_path`` describes and compare it with the gold."""
    from digestkit.digest.parse import parse_digest

    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    seed = _seed_file(fixtures, gold_path, gold)
    parsed = parse_digest(seed.read_bytes(), path=str(seed))
    predicted = [e.to_dict() for e in parsed.digest.entries]
    scores = compare(predicted, gold_entries(gold))
    return SeedScore(
        gold_path.stem, parsed.format, gold.get("format") or "", len(parsed.warnings), scores
    )


_SEED_COLUMNS = ("seed", "format detected", "gold entries", "parsed entries", "entry P", "entry R",
                 "field P", "field R", "in order", "warnings")  # fmt: skip


def summarize_seeds(seeds: Sequence[SeedScore]) -> SectionResult:
    """Metrics, tables and chart data from scored seeds (pure)."""
    result = SectionResult(name="parse")
    m = result.metrics
    total_entry, total_field = PRF(0, 0, 0), PRF(0, 0, 0)
    field_totals: dict[str, PRF] = {}
    rows = []
    for s in seeds:
        e, f = s.scores["entry"], s.scores["field"]
        total_entry, total_field = total_entry + e, total_field + f
        for fname, counts in s.scores["per_field"].items():
            field_totals[fname] = field_totals.get(fname, PRF(0, 0, 0)) + counts
        shown = s.format + ("" if s.format_ok else f" (gold: {s.gold_format})")
        rows.append((s.seed, shown, e.gold, e.predicted, e.precision, e.recall, f.precision, f.recall,
                     s.scores["order"], s.warnings))  # fmt: skip
        for level, counts in (("entry", e), ("field", f)):
            m[f"{level}.precision.{s.seed}"], m[f"{level}.recall.{s.seed}"] = (
                counts.precision,
                counts.recall,
            )
    m["entry.precision"], m["entry.recall"] = total_entry.precision, total_entry.recall
    m["field.precision"], m["field.recall"] = total_field.precision, total_field.recall
    m["format.accuracy"] = sum(s.format_ok for s in seeds) / len(seeds)
    m["order.accuracy"] = sum(bool(s.scores["order"]) for s in seeds) / len(seeds)
    result.tables.append(Table("Parsing per seed (entries matched by arXiv id, else URL, else title)",
                               _SEED_COLUMNS, tuple(rows)))  # fmt: skip
    result.tables.append(Table("Field precision/recall over all seeds", ("field", "gold values", "parsed values", "P", "R"),
                               tuple((k, v.gold, v.predicted, v.precision, v.recall) for k, v in field_totals.items())))  # fmt: skip
    result.headline = ("entry.precision", "entry.recall", "field.precision", "field.recall")
    result.data = {"per_seed": [{"seed": r[0], "format": s.format, "entry_p": r[4], "entry_r": r[5],
                                 "field_p": r[6], "field_r": r[7]} for r, s in zip(rows, seeds, strict=True)]}  # fmt: skip
    result.summary = (
        f"{len(seeds)} seeds, {total_entry.gold} gold entries: entry P {total_entry.precision:.3f} "
        f"R {total_entry.recall:.3f}; field P {total_field.precision:.3f} R {total_field.recall:.3f}"
    )
    return result


def run(ctx: Context) -> SectionResult:
    """Parse every seed that has a gold file and score it; then the generic parser on the same."""
    gold_files = sorted((ctx.fixtures / GOLD_DIR).glob("*.json"))
    if not gold_files:
        raise FileNotFoundError(2, "no gold files", str(ctx.fixtures / GOLD_DIR / "*.json"))
    result = summarize_seeds([score_seed(ctx.fixtures, g) for g in gold_files])
    result.tables.append(_generic_table(ctx.fixtures, gold_files, result.metrics))
    m = result.metrics
    result.summary += f"; generic parser: entry R {m['generic.entry.recall']:.3f}, title R {m['generic.title.recall']:.3f}"
    return result


def _generic_table(fixtures: Path, gold_files: Sequence[Path], metrics: dict[str, float]) -> Table:
    """The ``generic`` parser (for layouts nobody wrote a parser for) on the same seeds."""
    from digestkit.digest.parse import parse_digest
    from digestkit.errors import DigestkitError

    rows = []
    total = PRF(0, 0, 0)
    titles = PRF(0, 0, 0)
    for gold_path in gold_files:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        seed = _seed_file(fixtures, gold_path, gold)
        try:
            predicted = [
                e.to_dict()
                for e in parse_digest(seed.read_bytes(), "generic", path=str(seed)).digest.entries
            ]
            note = ""
        except DigestkitError as exc:
            predicted, note = [], str(exc)
        gold_list = gold_entries(gold)
        scores = compare(
            predicted, [{"arxiv_id": e.get("arxiv_id"), "title": e.get("title")} for e in gold_list]
        )
        e, f = scores["entry"], scores["field"]
        total, titles = total + e, titles + scores["per_field"].get("title", PRF(0, 0, 0))
        rows.append(
            (
                gold_path.stem,
                e.gold,
                e.predicted,
                e.precision,
                e.recall,
                f.precision,
                f.recall,
                note,
            )
        )
    metrics["generic.entry.precision"], metrics["generic.entry.recall"] = (
        total.precision,
        total.recall,
    )
    metrics["generic.title.recall"] = titles.recall
    return Table("The generic parser (format='generic') on the same seeds: papers and titles",
                 ("seed", "gold entries", "parsed entries", "entry P", "entry R", "id+title P", "id+title R", "error"),
                 tuple(rows),
                 note="A check that the fallback parser finds the right papers in layouts it was not written for.")  # fmt: skip


def _seed_file(fixtures: Path, gold_path: Path, gold: Mapping[str, Any]) -> Path:
    """The seed a gold file describes: its ``"seed"`` / ``"source"`` entry or its number."""
    named = gold.get("seed") or gold.get("file")
    if isinstance(named, str) and (fixtures / "seeds" / Path(named).name).is_file():
        return fixtures / "seeds" / Path(named).name
    number = gold_path.stem[:3]
    matches = sorted((fixtures / "seeds").glob(f"{number}_*.txt"))
    if not matches:
        raise FileNotFoundError(2, "no seed for gold file", str(gold_path))
    return matches[0]
