"""``python -m digestkit``: the same command as ``digestkit`` (for environments where the
console script is not on PATH, e.g. a venv that was not activated)."""

from __future__ import annotations

import sys

from digestkit.cli import main

if __name__ == "__main__":
    sys.exit(main(prog_name="python -m digestkit"))
