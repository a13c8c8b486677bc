"""The evaluation harness behind ``make eval`` and ``digestkit eval``.

It scores every part of digestkit against the gold data in ``fixtures/`` and writes a report
people read (``report.md`` with charts), one tools read (``report.json``), and a one-screen
summary; the run fails when a metric falls under the thresholds kept in the repository
(``eval/thresholds.toml``). One module per section: ``repair``, ``parse``, ``fulltext``,
``faithfulness``, ``e2e``, ``throughput``; ``metrics`` holds the pure scoring functions.

>>> from digestkit.evaluation import SECTIONS
>>> SECTIONS
('repair', 'parse', 'fulltext', 'faithfulness', 'e2e', 'throughput')
"""

from digestkit.evaluation.result import Context, SectionResult, Table
from digestkit.evaluation.runner import SECTIONS, EvalRun, run_eval, run_section
from digestkit.evaluation.thresholds import Check, Threshold, check_thresholds, load_thresholds

__all__ = [
    "SECTIONS",
    "Check",
    "Context",
    "EvalRun",
    "SectionResult",
    "Table",
    "Threshold",
    "check_thresholds",
    "load_thresholds",
    "run_eval",
    "run_section",
]
