"""How well an extractor read a paper: a :class:`~digestkit.fulltext.FullText` against the
gold file of a fixture (``fixtures/fulltext/<kind>/<name>.gold.json``, schema in
``fixtures/fulltext/README.md``).

Why these measures: a summary needs the paper's structure (headings, to fit a context
budget and to cite ``4.2 Results``), its body text (what the model reads) and its numbers
(what faithfulness checks); each one fails differently per format, so each is measured.

- ``heading_recall``: gold headings (``"4.2 Results"``) found among the extracted section
  labels, after normalisation (NFKC, case, spaces, trailing dots).
- ``table_number_recall``: gold table numbers found among the numbers of the extracted
  tables' cells; ``table_number_recall_body`` counts those found anywhere in the body
  (what a PDF without recovered table grids still gives the model).
- ``body_number_recall``: gold numbers of the section text found anywhere in the body.
- ``body_f1``: F1 of the multisets of character trigrams of the gold and extracted section
  text (whitespace collapsed): order-sensitive locally, linear in the text size.
- ``references``: extracted reference count over the gold count (1.0 = all found).

>>> from digestkit.fulltext import FullText, Section, Table
>>> ft = FullText(sections=(Section("1", "Intro", 1, "We got 12.5 points."),),
...               tables=(Table("Table 1", "", (("a", "0.91"),)),))
>>> m = score_extraction(ft, {"headings": ["1 Intro."], "table_numbers": ["0.91"],
...                           "body_numbers": ["12.5"], "body_text": "We got 12.5 points."})
>>> m["heading_recall"], m["table_number_recall"], m["body_number_recall"], m["body_f1"]
(1.0, 1.0, 1.0, 1.0)
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from digestkit.fulltext.model import FullText

__all__ = ["number_tokens", "normalise_heading", "score_extraction", "trigram_f1"]

_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d,]*(?:\.\d+)?%?")


def normalise_heading(text: str) -> str:
    """``"4.2  Results."`` -> ``"4.2 results"``."""
    t = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", t).strip().rstrip(".:").strip()


def _norm_number(tok: str) -> str:
    t = unicodedata.normalize("NFKC", tok).replace("−", "-").replace(",", "").lstrip("+")
    return t.rstrip("%")


def number_tokens(text: str) -> set[str]:
    """The numbers written in ``text``, normalised (``1,024`` -> ``1024``, ``12.5%`` -> ``12.5``).

    >>> sorted(number_tokens("1,024 GPUs, 12.5% and −3"))
    ['-3', '1024', '12.5']
    """
    text = unicodedata.normalize("NFKC", text)
    return {_norm_number(m.group()) for m in _NUMBER.finditer(text)}


def _trigrams(text: str) -> Counter[str]:
    t = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()
    return Counter(t[i : i + 3] for i in range(max(0, len(t) - 2)))


def trigram_f1(gold: str, got: str) -> float:
    """F1 of character-trigram multisets (1.0 for equal texts, 0.0 for disjoint ones)."""
    g, s = _trigrams(gold), _trigrams(got)
    if not g and not s:
        return 1.0
    common = sum((g & s).values())
    if not common:
        return 0.0
    p, r = common / sum(s.values()), common / sum(g.values())
    return 2 * p * r / (p + r)


def _recall(gold: Iterable[str], found: set[str]) -> float | None:
    items = [_norm_number(x) for x in gold]
    if not items:
        return None
    return sum(x in found for x in items) / len(items)


def score_extraction(ft: FullText, gold: Mapping[str, Any]) -> dict[str, float | None]:
    """The measures above for one paper (``None`` where the gold file has nothing to check)."""
    labels = {normalise_heading(s.label) for s in ft.sections}
    heads = [normalise_heading(h) for h in gold.get("headings", [])]
    table_cells = " ".join(c for t in ft.tables for r in t.rows for c in r)
    body = ft.plain_text()
    section_text = "\n\n".join(s.text for s in ft.sections)
    refs = gold.get("references")
    return {
        "heading_recall": sum(h in labels for h in heads) / len(heads) if heads else None,
        "table_number_recall": _recall(gold.get("table_numbers", []), number_tokens(table_cells)),
        "table_number_recall_body": _recall(gold.get("table_numbers", []), number_tokens(body)),
        "body_number_recall": _recall(gold.get("body_numbers", []), number_tokens(body)),
        "body_f1": trigram_f1(gold["body_text"], section_text) if "body_text" in gold else None,
        "references": min(1.0, len(ft.references) / refs) if refs else None,
    }
