"""Shared test helpers: where the fixtures live."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The bundled copies of the five seed documents."""
    return SEEDS


def seed_path(number: int) -> Path:
    """``seed_path(4)`` -> the bundled ``004_*.txt``."""
    (path,) = SEEDS.glob(f"{number:03d}_*.txt")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the developer's real cache, ledger or state store."""
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path_factory.mktemp("digestkit-home")))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)


_LOAD_AT_START = os.getloadavg() if hasattr(os, "getloadavg") else ()


def pytest_benchmark_update_json(config: Any, benchmarks: Any, output_json: dict[str, Any]) -> None:
    """``make bench`` records its conditions with the figures (read by eval/readme_figures.py):
    the load average before and after, the CPU count, the threads one long repair uses."""
    from digestkit.repair import RepairConfig, lossy

    output_json.setdefault("machine_info", {}).update(
        {
            "load_average_start": [round(x, 2) for x in _LOAD_AT_START],
            "load_average_end": [round(x, 2) for x in os.getloadavg()]
            if hasattr(os, "getloadavg")
            else [],
            "cpu_count": os.cpu_count(),
            "repair_threads": lossy.threads(RepairConfig()),
        }
    )
