"""Run the sections, check the thresholds, write the report: the whole of ``make eval``.

Why sections are isolated: the parts being measured are built by different people and land
at different times. One section raising (a missing module, a missing fixture, a bug) must
not hide the others' numbers, and must not pass quietly either: it becomes a failed
:class:`SectionResult` with its reason, and the run exits non-zero.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from digestkit.evaluation.result import Context, SectionResult
from digestkit.evaluation.thresholds import Check, Threshold, check_thresholds

__all__ = ["SECTIONS", "EvalRun", "run_eval", "run_section"]

log = logging.getLogger(__name__)

SECTIONS = ("repair", "parse", "fulltext", "faithfulness", "e2e", "throughput")


@dataclass
class EvalRun:
    """All section results of one run, and the threshold checks against them."""

    results: list[SectionResult]
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def metrics(self) -> dict[str, float]:
        """Every metric of every section, keyed ``section.metric``."""
        return {f"{r.name}.{k}": v for r in self.results for k, v in r.metrics.items()}

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if c.threshold.gate and not c.passed]

    @property
    def missed_targets(self) -> list[Check]:
        """Open promises: targets not met yet (reported; they do not fail the run)."""
        return [c for c in self.checks if not c.threshold.gate and not c.passed]

    @property
    def failed_sections(self) -> list[SectionResult]:
        return [r for r in self.results if not r.ok]

    @property
    def passed(self) -> bool:
        return not self.failed_checks and not self.failed_sections


def run_section(name: str, ctx: Context) -> SectionResult:
    """Run one section; any failure becomes a failed result naming the cause."""
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"digestkit.evaluation.{name}")
        result: SectionResult = module.run(ctx)
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("digestkit.evaluation"):
            reason = f"harness bug: {exc}"  # our own module is missing, not the part measured
        else:
            reason = f"the part it measures is not available ({exc})"
        return SectionResult.failed(name, reason, time.perf_counter() - started)
    except ImportError as exc:
        reason = f"the part it measures lacks its documented API ({exc})"
        return SectionResult.failed(name, reason, time.perf_counter() - started)
    except FileNotFoundError as exc:
        reason = f"fixture missing: {exc.filename or exc}"
        return SectionResult.failed(name, reason, time.perf_counter() - started)
    except Exception as exc:  # a section's bug must not hide the other sections
        log.exception("evaluation section %s raised", name)
        reason = f"{type(exc).__name__}: {exc}"
        return SectionResult.failed(name, reason, time.perf_counter() - started)
    result.seconds = time.perf_counter() - started
    return result


def run_eval(
    ctx: Context,
    *,
    only: Iterable[str] | None = None,
    thresholds: Iterable[Threshold] = (),
) -> EvalRun:
    """Run the chosen sections (all by default) in order and check ``thresholds``."""
    names = list(only) if only else list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    results = []
    for name in names:
        log.info("evaluation: running %s", name)
        results.append(run_section(name, ctx))
    run = EvalRun(results=results, seconds=time.perf_counter() - started)
    run.checks = check_thresholds(thresholds, run.metrics, sections=names)
    return run


def default_thresholds_path(fixtures: Path) -> Path | None:
    """``eval/thresholds.toml`` beside the fixtures directory (a clone's layout), if present."""
    for candidate in (fixtures.parent / "eval" / "thresholds.toml", Path("eval/thresholds.toml")):
        if candidate.is_file():
            return candidate
    return None
