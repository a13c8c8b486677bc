"""``repair_many`` on plain executors: the cases a cluster makes rare but possible."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.repair.many import Job, iter_refs, repair_many

BROKEN = "è®ºæ–‡æ€»ç»“ï¼šå¤§è¯­è¨€æ¨¡åž‹ â€œquotesâ€\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["repair", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.mark.parametrize("first", [BROKEN.encode("utf-8"), PNG], ids=["written", "binary"])
def test_two_inputs_with_one_output_path_behave_as_with_one_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first: bytes
) -> None:
    # a/x.md and b/x.md both go to OUT/x.md: the first that writes wins, the other fails;
    # when the first is binary (nothing written) the second is written.
    for folder, data in (("a", first), ("b", ("second " + BROKEN).encode("utf-8"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.md").write_bytes(data)
    inputs = [str(tmp_path / "a" / "x.md"), str(tmp_path / "b" / "x.md")]
    one = _run(capsys, *inputs, "-d", str(tmp_path / "one"), "--explain")
    two = _run(capsys, *inputs, "-d", str(tmp_path / "two"), "--explain", "-j", "2")
    assert one[0] == two[0]
    assert one[1].replace("/one/", "/two/") == two[1]
    assert one[2].replace("/one/", "/two/") == two[2]
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert ("already written" in two[2]) == (first != PNG)


def test_a_temporary_file_left_by_a_killed_worker_is_swept(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.md").write_text(BROKEN, encoding="utf-8")
    (out / "src").mkdir(parents=True)  # -d keeps the folder's name, like cp -r
    left = out / "src" / ".a.md.k3j_x9a2.tmp"  # what a worker killed before its rename leaves
    left.write_bytes(b"half")
    old = out / "src" / ".b.md.abcdefgh.tmp"  # not beside an output of this run: not ours
    old.write_bytes(b"other")
    with ThreadPoolExecutor(2) as pool:
        records = list(repair_many([str(src)], out, pool))
    assert [r.status for r in records] == ["repaired"]
    assert not left.exists() and old.exists()
    assert (out / "src" / "a.md").read_text(encoding="utf-8").startswith("论文总结")


def test_a_stale_temporary_file_from_an_older_run_is_kept(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "a.md").write_text(BROKEN, encoding="utf-8")
    (out / "src").mkdir(parents=True)
    older = out / "src" / ".a.md.zzzzzzzz.tmp"
    older.write_bytes(b"another run")
    stamp = time.time() - 3600
    os.utime(older, (stamp, stamp))
    with ThreadPoolExecutor(1) as pool:
        list(repair_many([str(src)], out, pool))
    assert older.exists()


def test_references_are_small_and_hold_no_content(tmp_path: Path) -> None:
    import pickle
    import zipfile

    (tmp_path / "big.md").write_bytes(b"x" * 100_000)
    with zipfile.ZipFile(tmp_path / "pack.zip", "w") as archive:
        archive.writestr("m.md", "y" * 100_000)
    refs = list(iter_refs([str(tmp_path / "big.md"), str(tmp_path / "pack.zip")]))
    assert [(r.kind, r.member) for r in refs] == [("file", ""), ("zip", "m.md")]
    assert all(len(pickle.dumps(r)) < 1000 for r in refs)


def test_a_batch_failing_deterministically_is_a_record_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "gone.md").write_text("x", encoding="utf-8")
    refs = list(iter_refs([str(tmp_path / "gone.md")]))
    (tmp_path / "gone.md").unlink()  # vanishes between listing and reading
    with ThreadPoolExecutor(1) as pool:
        (record,) = repair_many(refs, None, pool, Job(check=True))
    assert record.status == "failed" and "cannot read" in record.detail


def test_a_document_that_kills_its_batch_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digestkit.repair import many

    src = tmp_path / "src"
    src.mkdir()
    for n in range(5):
        (src / f"{n}.md").write_text(BROKEN, encoding="utf-8")
    real = many._repair_one

    def crash_on_2(ref: many.Ref, job: Job, read: object) -> many.Record:
        if ref.name.endswith("2.md"):
            raise MemoryError("as a crash in a worker would")
        return real(ref, job, read)  # type: ignore[arg-type]

    monkeypatch.setattr(many, "_repair_one", crash_on_2)
    with ThreadPoolExecutor(2) as pool:
        records = list(repair_many([str(src)], tmp_path / "out", pool))
    assert [r.status for r in records] == ["repaired"] * 2 + ["failed"] + ["repaired"] * 2
    assert "MemoryError" in records[2].detail
    written = sorted(p.name for p in (tmp_path / "out" / "src").iterdir())
    assert written == ["0.md", "1.md", "3.md", "4.md"]


def test_compressed_tar_and_broken_zip_behave_as_with_one_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import tarfile

    with tarfile.open(tmp_path / "pack.tar.gz", "w:gz") as archive:
        for n, text in enumerate(["clean\n", BROKEN, BROKEN]):
            payload = text.encode("utf-8")
            info = tarfile.TarInfo(f"t/{n}.md")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really a zip")
    inputs = [str(tmp_path / "pack.tar.gz"), str(tmp_path / "bad.zip")]
    one = _run(capsys, *inputs, "-d", str(tmp_path / "one"), "--explain")
    two = _run(capsys, *inputs, "-d", str(tmp_path / "two"), "--explain", "-j", "2")
    assert one[0] == two[0] == 3
    assert (one[1], one[2]) == (two[1], two[2])
    assert "bad archive" in two[2] and "2 repaired, 1 unchanged" in two[2]
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
