"""Loading the JSON repair cases and measuring character error rate."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

REPAIR_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "repair"


def load_cases(name: str) -> list[dict]:
    """The cases of ``fixtures/repair/NAME.json``."""
    return json.loads((REPAIR_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def edit_distance(a: str, b: str) -> int:
    """Character edits between ``a`` and ``b`` (a close upper bound of Levenshtein)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def cer(got: str, want: str) -> float:
    """Character error rate of ``got`` against ``want``."""
    return edit_distance(got, want) / max(len(want), 1)
