"""Orchestration of one repair: pick the codec, re-read the spans, rebuild lost bytes.

(Skeleton: delegates to ftfy's encoding fixer on text the prefilter flags.)
"""

from __future__ import annotations

import ftfy

from digestkit.repair.types import RepairConfig, Repaired, RepairSpan

__all__ = ["repair_suspicious", "replay"]


def repair_suspicious(text: str, config: RepairConfig) -> Repaired:
    """Repair text that the prefilter flagged."""
    fixed, plan = ftfy.fix_encoding_and_explain(text)
    if fixed == text:
        return Repaired(text, False, None, 1.0)
    steps = tuple((str(a), str(b)) for a, b in plan or [])
    encoding = next((p for a, p in steps if a == "encode"), None)
    if encoding is not None:
        encoding = encoding.removeprefix("sloppy-windows-").replace("windows-", "cp")
        encoding = "cp" + encoding if encoding.isdigit() else encoding
    span = RepairSpan(0, len(fixed), text, fixed, 1.0, "lossless")
    return Repaired(fixed, True, encoding, 1.0, steps, (span,))


def replay(text: str, steps: tuple[tuple[str, str], ...]) -> str:
    """Apply ``steps`` to ``text``."""
    return ftfy.apply_plan(text, list(steps))
