"""Seeds parsed once per session (repairing seed 004 takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestkit.digest.parse import parse_digest
from digestkit.digest.parse._base import ParseResult

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"


@pytest.fixture(scope="session")
def parsed_seeds() -> dict[int, ParseResult]:
    """Every seed parsed with ``format="auto"``."""
    paths = sorted(SEEDS.glob("00[0-4]_*.txt"))
    return {n: parse_digest(p.read_bytes(), path=str(p)) for n, p in enumerate(paths)}
