"""The file layer: walking inputs, refusing unsafe archive members, atomic writes."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from digestkit.errors import InputError
from digestkit.repair.files import (
    count_inputs,
    iter_inputs,
    safe_relpath,
    target_path,
    write_atomic,
)


def _items(*inputs: Path) -> dict[str, tuple[str, str | None]]:
    return {
        str(item.relpath): (item.name, item.problem)
        for item in iter_inputs([str(p) for p in inputs])
    }


def test_directories_are_walked_in_order_without_hidden_dirs_or_backups(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    (root / "2024").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "b.md").write_text("b")
    (root / "a.md").write_text("a")
    (root / "a.md.orig").write_text("old")
    (root / "a.md.orig.2").write_text("older")
    (root / "notes.orig.md").write_text("n")  # not a backup: kept
    (root / "2024" / "c.md").write_text("c")
    (root / ".git" / "HEAD").write_text("ref")
    items = list(iter_inputs([root]))
    assert [str(i.relpath) for i in items] == [  # the folder's own name first, as cp -r
        "notes/a.md",
        "notes/b.md",
        "notes/notes.orig.md",
        "notes/2024/c.md",
    ]
    assert [i.read() for i in items] == [b"a", b"b", b"n", b"c"]


def test_symlinks_inside_directories_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (root / "link.md").symlink_to(secret)
    (item,) = iter_inputs([root])
    assert item.skip == "symlink, not followed" and item.problem is None


def test_missing_and_unreadable_files_become_problems_not_exceptions(tmp_path: Path) -> None:
    locked = tmp_path / "locked.md"
    locked.write_text("x")
    locked.chmod(0)
    missing, unreadable = iter_inputs([tmp_path / "missing.md", locked])
    assert missing.problem == "no such file"
    if os.geteuid() != 0:  # root reads anything
        with pytest.raises(InputError, match="locked.md: cannot read"):
            unreadable.read()


def _zip(path: Path, members: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_zip_members_keep_their_relative_paths(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "papers.zip", {"2024/a.md": b"A", "b.md": b"B"})
    items = list(iter_inputs([archive]))
    assert [(str(i.relpath), i.read()) for i in items] == [("2024/a.md", b"A"), ("b.md", b"B")]
    assert items[0].name == f"{archive}:2024/a.md"


def test_malicious_zip_members_are_refused(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "evil.zip",
        {"../escape.md": b"x", "/abs.md": b"x", "..\\win.md": b"x", "ok.md": b"fine"},
        symlinks=("link.md",),
    )
    problems = {i.name.split(":", 1)[1]: i.problem for i in iter_inputs([archive])}
    assert problems["ok.md"] is None
    assert problems["../escape.md"] == "path escapes the output directory"
    assert problems["/abs.md"] == "absolute path refused"
    assert problems["..\\win.md"] == "path escapes the output directory"
    assert problems["link.md"] == "symlink member refused"


def _tar(path: Path, mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:

        def add(
            name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""
        ) -> None:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            tf.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

        add("docs/ok.md", "論文".encode())
        add("../../etc/evil.md", b"x")
        add("/tmp/abs.md", b"x")
        add("sym.md", kind=tarfile.SYMTYPE, link="/etc/passwd")
        add("hard.md", kind=tarfile.LNKTYPE, link="docs/ok.md")
        add("fifo", kind=tarfile.FIFOTYPE)
    return path


@pytest.mark.parametrize(("suffix", "mode"), [(".tar.gz", "w:gz"), (".tar", "w")])
def test_malicious_tar_members_are_refused(tmp_path: Path, suffix: str, mode: str) -> None:
    archive = _tar(tmp_path / f"papers{suffix}", mode)
    items = {i.name.split(":", 1)[1]: i for i in iter_inputs([archive])}
    assert items["docs/ok.md"].read() == "論文".encode()
    assert items["../../etc/evil.md"].problem == "path escapes the output directory"
    assert items["/tmp/abs.md"].problem == "absolute path refused"
    assert str(items["sym.md"].problem).startswith("link member refused")
    assert str(items["hard.md"].problem).startswith("link member refused")
    assert str(items["fifo"].problem).startswith("special member refused")


def test_a_corrupt_archive_is_one_problem(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    (item,) = iter_inputs([archive])
    assert str(item.problem).startswith("bad archive")


@pytest.mark.parametrize("name", ["", ".", "/x", "C:\\x", "a/../../b", "../x"])
def test_safe_relpath_refuses(name: str) -> None:
    with pytest.raises(InputError):
        safe_relpath(name)


def test_safe_relpath_normalises() -> None:
    assert safe_relpath("./a//b\\c.md") == PurePosixPath("a/b/c.md")


def test_target_path_refuses_a_symlink_escaping_the_output_dir(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(tmp_path)
    with pytest.raises(InputError, match="escapes"):
        target_path(out, PurePosixPath("sub/x.md"))
    assert target_path(out, PurePosixPath("a/x.md")) == out.resolve() / "a" / "x.md"


def test_write_atomic_keeps_a_backup_and_never_clobbers_it(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"v1")
    target.chmod(0o640)
    assert write_atomic(target, b"v2") == tmp_path / "a.md.orig"
    assert write_atomic(target, b"v3") == tmp_path / "a.md.orig.1"
    assert target.read_bytes() == b"v3"
    assert (tmp_path / "a.md.orig").read_bytes() == b"v1"
    assert (tmp_path / "a.md.orig.1").read_bytes() == b"v2"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_write_atomic_same_content_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"same")
    assert write_atomic(target, b"same") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_write_atomic_without_backup(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"old")
    assert write_atomic(target, b"new", backup="none") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_a_failed_write_leaves_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"precious")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(InputError, match="a.md: cannot write: No space left on device"):
        write_atomic(target, b"new", backup="none")
    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_new_files_get_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "new.md"
    write_atomic(target, b"x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_count_inputs_matches_what_iter_inputs_yields(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    for name in ("a.md", "sub/b.md", "a.md.orig"):
        (root / name).write_text("x")
    archive = _zip(tmp_path / "p.zip", {"x.md": b"x", "y/z.md": b"z"})
    inputs = [root, archive, tmp_path / "missing.md"]
    assert count_inputs(inputs) == len(list(iter_inputs(inputs))) == 5
    assert count_inputs([_tar(tmp_path / "t.tar.gz")]) is None  # listing it means reading it


class _LegacyNameZipInfo(zipfile.ZipInfo):
    """Writes the name bytes as they are, without the UTF-8 flag (as old Windows zips do)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's name)
        return self.filename.encode("cp437"), self.flag_bits


@pytest.mark.parametrize(
    ("name", "codec"), [("論文/まとめ一覧.md", "shift_jis"), ("论文/总结报告.md", "gb18030")]
)
def test_zip_member_names_in_a_legacy_codec_are_decoded(
    tmp_path: Path, name: str, codec: str
) -> None:
    archive = tmp_path / "legacy-names.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(_LegacyNameZipInfo(name.encode(codec).decode("cp437")), b"x")
    (item,) = iter_inputs([archive])
    assert item.relpath == PurePosixPath(name)
    assert item.read() == b"x"


def test_tar_member_names_in_a_legacy_codec_are_decoded(tmp_path: Path) -> None:
    archive = tmp_path / "legacy-names.tar"
    raw = "論文/まとめ一覧.md".encode("shift_jis")
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tf:
        info = tarfile.TarInfo(raw.decode("latin-1"))
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    (item,) = iter_inputs([archive])
    assert item.relpath == PurePosixPath("論文/まとめ一覧.md")


def test_oversized_members_are_refused(tmp_path: Path) -> None:
    from digestkit.repair.limits import RepairLimits

    archive = _zip(tmp_path / "big.zip", {"big.md": b"four", "ok.md": b"ok"})
    items = iter_inputs([archive], limits=RepairLimits(max_member_bytes=3))
    refused = {str(i.relpath): i.refused for i in items}
    assert refused == {"big.md": "member larger than 3 bytes (--max-member-bytes)", "ok.md": None}


def test_temp_files_of_a_killed_run_are_never_repaired(tmp_path: Path) -> None:
    import os
    import time

    from digestkit.repair.files import iter_inputs

    (tmp_path / "README.md").write_text("è®ºæ–‡", encoding="utf-8")
    old = tmp_path / ".README.md.abcd_123.tmp"
    old.write_text("half", encoding="utf-8")
    past = time.time() - 3600
    os.utime(old, (past, past))
    young = tmp_path / ".NOTES.md.zyxw9876.tmp"
    young.write_text("being written", encoding="utf-8")
    names = [item.relpath.name for item in iter_inputs([tmp_path])]
    assert names == ["README.md"]
    assert not old.exists() and young.exists()  # a young one may be another run's
