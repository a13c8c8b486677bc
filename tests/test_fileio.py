"""The one safe writer (more cases, from the repair CLI's side, in tests/repair/test_files.py)."""

from __future__ import annotations

import stat
from pathlib import Path

from digestkit.fileio import write_atomic


def test_first_policy_keeps_one_backup_of_the_users_file(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("user's own", encoding="utf-8")
    assert write_atomic(path, "first", backup="first") == tmp_path / "out.json.orig"
    assert write_atomic(path, "second", backup="first") is None
    assert path.read_text(encoding="utf-8") == "second"
    assert (tmp_path / "out.json.orig").read_text(encoding="utf-8") == "user's own"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "out.json.orig"]


def test_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "script.sh"
    path.write_text("old")
    path.chmod(0o750)
    write_atomic(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
