"""Coordinate scan of the lossy-repair weights against the DEV set (never the test set).

Each weight of :class:`~digestkit.repair.types.LossyWeights` in :data:`GRID` is moved alone
around its default; the objective is total dev edits per language (:mod:`eval.repair_dev`).
Each value runs with its own ``RepairConfig``: nothing module-level is changed. Record what
a scan found in the commit that changes a default, not in comments.

    .venv/bin/python -m eval.tune_repair [--weight word_weight]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from contextlib import redirect_stdout
from dataclasses import fields, replace

from digestkit.repair.types import LossyWeights, RepairConfig

from . import repair_dev

GRID: dict[str, list[float]] = {
    "word_weight": [0.5, 1.0],
    "intact_weight": [0.25, 1.0],
    "bonus_margin": [4.0, 9.0],
    "trigram_weight": [1.0, 1.5],
    "pair_margin": [3.0, 6.0],
}


def dev_edits(weights: LossyWeights) -> dict[str, int]:
    """Total dev edits per language with ``weights``."""
    buf = io.StringIO()
    with redirect_stdout(buf):
        repair_dev.main(["--errors", "0"], RepairConfig(weights=weights))
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+): .*?(\d+) edits", buf.getvalue(), re.M)}


def main(argv: list[str] | None = None) -> int:
    names = [f.name for f in fields(LossyWeights)]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weight", action="append", choices=names, help="scan only these")
    args = parser.parse_args(argv)
    base = LossyWeights()
    sys.stdout.write(f"baseline {dev_edits(base)}\n")
    for name in args.weight or list(GRID):
        default = getattr(base, name)
        for value in GRID.get(name, [default * 0.5, default * 2]):
            weights = replace(base, **{name: type(default)(value)})
            sys.stdout.write(f"{name}={value} {dev_edits(weights)}\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
