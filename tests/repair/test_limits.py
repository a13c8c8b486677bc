"""Repair limits are configuration (issue 18): passed explicitly, hit = refused, exit 3.

No test switches a module global: the limits travel in :class:`RepairLimits` (library) and
``--max-member-bytes`` / ``--max-members`` (CLI), through the sequential walk and through
the worker path (``--jobs 2``) alike.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from digestkit.cli import EXIT_ERROR, EXIT_OK, main
from digestkit.repair.files import iter_inputs
from digestkit.repair.limits import RepairLimits

MOJIBAKE = "è®ºæ–‡\n".encode()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_members"):
        RepairLimits(max_members=0)


def test_the_member_count_limit_refuses_the_rest_of_the_archive(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"{i}.md": MOJIBAKE for i in range(5)})
    items = list(iter_inputs([archive], limits=RepairLimits(max_members=3)))
    assert [i.refused for i in items[:3]] == [None] * 3
    assert len(items) == 4 and items[3].name == str(archive)
    assert items[3].refused == "more than 3 members; the rest refused (--max-members)"
    assert len(list(iter_inputs([archive]))) == 5  # the default holds them all


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("maker", [_zip, _tgz], ids=["zip", "tar.gz"])
def test_refused_is_counted_apart_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], maker: object, jobs: str
) -> None:
    members = {"big.md": MOJIBAKE * 100, "a.md": MOJIBAKE, "b.md": b"ok\n",
               "c.bin": b"\x00\x01\x02" * 50}  # fmt: skip
    suffix = ".zip" if maker is _zip else ".tar.gz"
    archive = maker(tmp_path / f"in{suffix}", members)  # type: ignore[operator]
    out = tmp_path / "out"
    code = main(["repair", str(archive), "-d", str(out), "-j", jobs, "--max-member-bytes", "200"])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert "error: refused: " in err and "big.md (member larger than 200 bytes" in err
    assert "1 repaired, 1 unchanged, 1 skipped, 1 refused, 0 failed" in err
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["a.md", "b.md"]
    # The same archive under the default limits: nothing refused, exit 0.
    code = main(["repair", str(archive), "-d", str(tmp_path / "all"), "-j", jobs])
    assert code == EXIT_OK
    assert "0 refused, 0 failed" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("maker", [_zip, _tgz], ids=["zip", "tar.gz"])
def test_max_members_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], maker: object, jobs: str
) -> None:
    suffix = ".zip" if maker is _zip else ".tar.gz"
    archive = maker(tmp_path / f"many{suffix}", {f"{i}.md": MOJIBAKE for i in range(4)})  # type: ignore[operator]
    args = ["repair", str(archive), "-d", str(tmp_path / "o"), "--max-members", "2", "-j", jobs]
    code = main(args)
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert f"refused: {archive} (more than 2 members; the rest refused" in err
    assert "2 repaired, 0 unchanged, 0 skipped, 1 refused, 0 failed" in err


def test_limits_come_from_the_repair_table_and_flags_override_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _zip(tmp_path / "in.zip", {"big.md": MOJIBAKE * 100, "a.md": MOJIBAKE})
    config = tmp_path / "digestkit.toml"
    config.write_text("[repair]\nmax_member_bytes = 200\nmax_members = 100\n", encoding="utf-8")
    out = ["-d", str(tmp_path / "o")]
    assert main(["repair", str(archive), *out, "-c", str(config)]) == EXIT_ERROR
    assert "big.md (member larger than 200 bytes" in capsys.readouterr().err
    flag = ["--max-member-bytes", "100000"]
    assert main(["repair", str(archive), "-d", str(tmp_path / "p"), "-c", str(config), *flag]) == 0
    assert "0 refused" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("max_members = 0", "repair.max_members: must be >= 1, got 0"),
        ('max_member_bytes = "1G"', "repair.max_member_bytes: expected an integer"),
        ("max_member = 5", "repair.max_member: unknown key; did you mean 'max_members'?"),
    ],
)
def test_a_bad_repair_table_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    config = tmp_path / "digestkit.toml"
    config.write_text(f"[repair]\n{table}\n", encoding="utf-8")
    doc = tmp_path / "a.md"
    doc.write_bytes(MOJIBAKE)
    assert main(["repair", str(doc), "--check", "-c", str(config)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert main(["config", "check", str(config)]) == EXIT_ERROR
    assert message in capsys.readouterr().err
