"""``python -m digestkit``: the same command as ``digestkit`` (for environments where the
console script is not on PATH, e.g. a venv that was not activated)."""

from __future__ import annotations

from digestkit.cli import app_main

if __name__ == "__main__":
    app_main(prog_name="python -m digestkit")
