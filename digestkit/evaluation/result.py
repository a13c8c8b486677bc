"""What a section of the evaluation hands back: metrics, tables for people, data for charts.

Why a value and not a file: sections are measured in isolation (and tested on tiny inputs),
then the report, the charts, the threshold check and the terminal summary all read the same
:class:`SectionResult`. A section that cannot run (its part is missing, its fixtures are
absent, it raised) is a result too, with ``status == "failed"`` and the reason, so the run
never skips anything silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Context", "SectionResult", "Table"]


@dataclass(frozen=True)
class Context:
    """Where a run reads and writes, and what it may use.

    ``fixtures`` is the fixtures directory (``fixtures/`` in a clone); ``out`` the directory
    the report goes to; ``route`` the backend route for the end-to-end section (``None`` =
    the offline backend, so the run stays offline); ``quick`` shrinks workloads for tests.
    """

    fixtures: Path
    out: Path
    route: str | None = None
    quick: bool = False
    judge: str | None = None  # a route for the faithfulness judge (None = no judge, offline)


@dataclass(frozen=True)
class Table:
    """A table for the report: a title, column names, rows of plain values."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [[_jsonable(v) for v in row] for row in self.rows],
            "note": self.note,
        }


@dataclass
class SectionResult:
    """The outcome of one section.

    ``metrics`` maps flat names (``"cer.lossy.zh"``) to numbers; the threshold file refers to
    them as ``"<section>.<name>"``. ``headline`` holds the few metric names shown in the
    one-screen summary. ``data`` is whatever the charts need.
    """

    name: str
    status: str = "ok"
    summary: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    headline: tuple[str, ...] = ()
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, name: str, reason: str, seconds: float = 0.0) -> SectionResult:
        """A section that could not run, with the reason a person needs."""
        return cls(name=name, status="failed", summary=f"FAILED: {reason}", error=reason,
                   seconds=seconds)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "metrics": {k: _jsonable(v) for k, v in sorted(self.metrics.items())},
            "tables": [t.to_dict() for t in self.tables],
            "notes": list(self.notes),
        }


def _jsonable(value: Any) -> Any:
    # JSON has no NaN: an empty group is written as null, never as a fake 0.
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
