"""The one safe writer (more cases, from the repair CLI's side, in tests/repair/test_files.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from digestkit.errors import InputError
from digestkit.fileio import is_leftover_temp, write_atomic


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


def test_never_renames_over_a_device_or_fifo(tmp_path: Path) -> None:
    import threading

    write_atomic("/dev/null", "nothing to see")  # write through, as a shell redirection
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and not Path("/dev/null.orig").exists()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(5)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
    with pytest.raises(InputError, match="is a directory"):
        write_atomic(tmp_path, "x")


def test_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert (tmp_path / "real.md.orig").read_text(encoding="utf-8") == "old"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_owner_and_mode_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "theirs.md"
    path.write_text("old", encoding="utf-8")
    os.chown(path, 65534, 65534)
    os.chmod(path, 0o640)
    write_atomic(path, "new", backup="none")
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (65534, 65534, 0o640)


def test_leftover_temp_files_are_recognised(tmp_path: Path) -> None:
    import tempfile

    fd, name = tempfile.mkstemp(dir=tmp_path, prefix=".README.md.", suffix=".tmp")
    os.close(fd)
    assert is_leftover_temp(name) and not is_leftover_temp(tmp_path / "README.md")
