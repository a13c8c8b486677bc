"""Thresholds kept in the repository: the run fails when a metric falls on the wrong side.

Why a file and not constants: the thresholds are the project's promises (the "done when" of
its issues), reviewed like code. ``eval/thresholds.toml`` holds two tables, ``[min]`` (the
metric must be at least this) and ``[max]`` (at most this), keyed by ``section.metric``::

    [min]
    "repair.exact.lossless" = 1.0
    [max]
    "repair.cer.lossy" = 0.001

A threshold whose metric was not produced (its section failed, or its data are missing)
counts as a miss: a promise nobody measured is not kept. Sections left out with ``--only``
are not checked.

Two more tables, ``[target.min]`` and ``[target.max]``, hold promises the code does not keep
yet (an issue's "done when" still open). They are checked and reported beside the gates
(met / not met), but do not fail the run: the gates then guard against regressions at the
level reached, while the report keeps the distance to the promise in sight. A target is
moved to ``[min]``/``[max]`` once it is met.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digestkit.config import load_toml
from digestkit.errors import ConfigError

__all__ = ["Check", "Threshold", "check_thresholds", "load_thresholds"]

_KINDS = ("min", "max")
_TABLES = ("min", "max", "target")


@dataclass(frozen=True)
class Threshold:
    """``metric`` (``section.name``) must be ``>= bound`` (kind ``min``) or ``<= bound``."""

    metric: str
    kind: str
    bound: float
    gate: bool = True  # False: a target, reported but not failing the run

    @property
    def section(self) -> str:
        return self.metric.split(".", 1)[0]

    def describe(self) -> str:
        return f"{self.metric} {'>=' if self.kind == 'min' else '<='} {self.bound:g}"

    @property
    def role(self) -> str:
        return "gate" if self.gate else "target"


@dataclass(frozen=True)
class Check:
    """One threshold against the measured value (``None`` when nothing was measured)."""

    threshold: Threshold
    value: float | None

    @property
    def passed(self) -> bool:
        if self.value is None or math.isnan(self.value):
            return False
        if self.threshold.kind == "min":
            return self.value >= self.threshold.bound
        return self.value <= self.threshold.bound

    def describe(self) -> str:
        shown = "not measured" if self.value is None else f"{self.value:.4g}"
        return f"{self.threshold.describe()} (measured: {shown})"


def parse_thresholds(data: Mapping[str, object], *, path: str | None = None) -> list[Threshold]:
    """Validate the ``[min]``/``[max]`` tables of a thresholds document.

    >>> [t.describe() for t in parse_thresholds({"min": {"parse.f1": 0.9}})]
    ['parse.f1 >= 0.9']
    >>> [t.role for t in parse_thresholds({"target": {"max": {"repair.cer": 0.001}}})]
    ['target']
    """
    unknown = sorted(set(data) - set(_TABLES))
    if unknown:
        raise ConfigError(
            "unknown table (use [min], [max], [target.min], [target.max])",
            path=path,
            key=unknown[0],
        )
    targets = data.get("target", {})
    if not isinstance(targets, Mapping) or set(targets) - set(_KINDS):
        raise ConfigError("must hold only [target.min] and [target.max]", path=path, key="target")
    return _tables(data, "", True, path) + _tables(targets, "target.", False, path)


def _tables(
    data: Mapping[str, object], prefix: str, gate: bool, path: str | None
) -> list[Threshold]:
    found: list[Threshold] = []
    for kind in _KINDS:
        table = data.get(kind, {})
        if not isinstance(table, Mapping):
            raise ConfigError("must be a table of metric = number", path=path, key=prefix + kind)
        for metric, bound in table.items():
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise ConfigError("must be a number", path=path, key=f"{prefix}{kind}.{metric}")
            if "." not in metric:
                raise ConfigError("name a metric as section.metric", path=path, key=metric)
            found.append(Threshold(str(metric), kind, float(bound), gate))
    return found


def load_thresholds(path: Path) -> list[Threshold]:
    """Read and validate a thresholds file (errors name the file and the key)."""
    return parse_thresholds(load_toml(path), path=str(path))


def check_thresholds(
    thresholds: Iterable[Threshold],
    metrics: Mapping[str, float],
    *,
    sections: Iterable[str] | None = None,
) -> list[Check]:
    """Compare each threshold with the measured ``metrics`` (``section.metric`` keys).

    Only thresholds of ``sections`` are checked when given.

    >>> ts = parse_thresholds({"min": {"a.x": 0.5}, "max": {"b.y": 1}})
    >>> [c.passed for c in check_thresholds(ts, {"a.x": 0.7, "b.y": 2.0})]
    [True, False]
    >>> [c.passed for c in check_thresholds(ts, {}, sections=["a"])]
    [False]
    """
    wanted = set(sections) if sections is not None else None
    return [
        Check(t, metrics.get(t.metric)) for t in thresholds if wanted is None or t.section in wanted
    ]
