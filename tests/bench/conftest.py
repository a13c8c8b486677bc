"""Conditions recorded with every ``make bench`` run (read by ``eval/readme_figures.py``):
the load average before and after, and the threads one long repair uses. Figures taken on
a loaded 2-core machine differ from a quiet one; the README quotes them with these."""

from __future__ import annotations

import os
from typing import Any

_START = os.getloadavg() if hasattr(os, "getloadavg") else ()


def pytest_benchmark_update_json(config: Any, benchmarks: Any, output_json: dict[str, Any]) -> None:
    from digestkit.repair import fastpass

    output_json.setdefault("machine_info", {}).update(
        {
            "load_average_start": [round(x, 2) for x in _START],
            "load_average_end": [round(x, 2) for x in os.getloadavg()]
            if hasattr(os, "getloadavg")
            else [],
            "cpu_count": os.cpu_count(),
            "repair_threads": fastpass.THREADS,
        }
    )
