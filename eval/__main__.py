"""``make eval``: run ``digestkit eval`` on ``fixtures/``, writing ``eval/out/``.

Extra arguments pass through, e.g. ``python -m eval --only repair``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from digestkit.cli import main

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = [
        "eval",
        "--fixtures",
        str(ROOT / "fixtures"),
        "--out",
        str(ROOT / "eval" / "out"),
        "--thresholds",
        str(ROOT / "eval" / "thresholds.toml"),
        *sys.argv[1:],
    ]
    sys.exit(main(args))
