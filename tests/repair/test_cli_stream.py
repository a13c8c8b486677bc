"""``digestkit repair`` on large documents: streamed, with the ordinary path's result.

The size from which documents are streamed is lowered here, so that small files take the
streamed path; each test runs the same command with the ordinary path and compares the
bytes written and the messages.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from digestkit.cli import EXIT_OK, main, repair_large
from digestkit.repair import files
from digestkit.repair import stream as stream_mod
from digestkit.repair.corrupt import corrupt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DAMAGED = corrupt((FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8"), "seed004")


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return _stream_small(monkeypatch)


def _stream_small(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stream every document of 1 kB or more, in chunks of 500 characters; the list
    records each streamed repair's length (so a test can check the path was taken)."""
    monkeypatch.setattr(repair_large, "STREAM_FROM_BYTES", 1000)
    monkeypatch.setattr(files, "SPOOL_FROM_BYTES", 1000)
    monkeypatch.setattr(stream_mod, "CHUNK_CHARS", 500)
    seen: list[int] = []
    real = stream_mod.repair_stream

    def spy(*args: object, **kwargs: object) -> stream_mod.StreamResult:
        kwargs["chunk_chars"] = 500
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(result.chars)
        return result

    monkeypatch.setattr(stream_mod, "repair_stream", spy)
    return seen


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_output_file_is_the_ordinary_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.md"
    src.write_text(DAMAGED, encoding="utf-8")
    code, err = _run(capsys, "repair", src, "-o", tmp_path / "whole.md")
    assert code == EXIT_OK
    with monkeypatch.context():
        seen = _stream_small(monkeypatch)
        code2, err2 = _run(capsys, "repair", src, "-o", tmp_path / "stream.md")
    assert seen and code2 == EXIT_OK
    assert (tmp_path / "stream.md").read_bytes() == (tmp_path / "whole.md").read_bytes()
    assert err2.replace("stream.md", "whole.md") == err


def test_in_place_keeps_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], streamed: list[int]
) -> None:
    src = tmp_path / "in.md"
    src.write_text(DAMAGED, encoding="utf-8")
    src.chmod(0o640)
    code, _ = _run(capsys, "repair", src, "--in-place")
    assert code == EXIT_OK and streamed
    from digestkit.repair import repair_text

    assert src.read_text(encoding="utf-8") == repair_text(DAMAGED).text
    assert (tmp_path / "in.md.orig").read_text(encoding="utf-8") == DAMAGED
    assert src.stat().st_mode & 0o777 == 0o640
    code, _ = _run(capsys, "repair", src, "--in-place")  # nothing left to do: untouched
    assert code == EXIT_OK and not (tmp_path / "in.md.orig.1").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_zip_member_is_spooled_and_streamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], streamed: list[int]
) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("docs/big.md", DAMAGED)
        zf.writestr("docs/small.md", "cafÃ©\n")
    code, _ = _run(capsys, "repair", archive, "-d", tmp_path / "out")
    assert code == EXIT_OK and len(streamed) == 1
    from digestkit.repair import repair_text

    big = (tmp_path / "out" / "docs" / "big.md").read_text(encoding="utf-8")
    assert big == repair_text(DAMAGED).text
    assert (tmp_path / "out" / "docs" / "small.md").read_text(encoding="utf-8") == "café\n"


def test_a_member_past_the_cap_is_refused_while_spooling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "SPOOL_FROM_BYTES", 1000)
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.md", "x" * 20_000)
    out = tmp_path / "out"
    code, err = _run(capsys, "repair", archive, "-d", out, "--max-member-bytes", "5000")
    assert code != EXIT_OK and "larger than 5000 bytes" in err and "refused" in err
    assert not (out / "big.md").exists()


def _explain(capsysbinary: pytest.CaptureFixture[bytes], *args: str | Path) -> bytes:
    assert main([str(a) for a in args]) == EXIT_OK
    return capsysbinary.readouterr().out


def test_explain_of_a_streamed_document_is_the_ordinary_report(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(DAMAGED, encoding="utf-8")
    (docs / "b.md").write_bytes(b"\xef\xbb\xbf" + ("cafÃ©\n" * 300).encode("utf-8"))
    (docs / "c.md").write_text("plain\n", encoding="utf-8")
    (docs / "d.md").write_text("ascii only, long enough to stream\n" * 40, encoding="utf-8")
    ordinary = _explain(capsysbinary, "repair", docs, "--explain")
    seen = _stream_small(monkeypatch)
    streamed = _explain(capsysbinary, "repair", docs, "--explain")
    assert len(seen) == 3  # a.md, b.md and d.md were streamed
    assert streamed == ordinary
    report = json.loads(streamed)
    assert report["files"][0]["spans"] and report["files"][0]["spans"][-1]["line"] > 1


@pytest.mark.parametrize("count", [0, 1, 3])
def test_explain_json_is_printed_as_it_comes_with_the_same_bytes(
    count: int, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from digestkit.cli.repair import ExplainOut

    reports = [
        {"file": f"f{i}", "status": "repaired", "steps": [["a", "b"]], "spans": []}
        for i in range(count)
    ]
    out = ExplainOut()
    for i, report in enumerate(reports):
        if i == 1:  # one given with its spans as an iterator
            head = {k: v for k, v in report.items() if k != "spans"}
            report["spans"] = [{"start": 1, "line": 2}, {"start": 5, "line": 3}]
            out.add_streamed(head, iter(report["spans"]))
        else:
            out.add(report)
    counts = {"repaired": count, "failed": 0}
    out.finish(counts)
    expected = json.dumps({"files": reports, "summary": counts}, ensure_ascii=False, indent=2)
    assert capsysbinary.readouterr().out.decode("utf-8") == expected + "\n"


def test_a_streamed_file_with_an_overlong_line_fails_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    streamed: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(repair_large, "MAX_LINE_CHARS", 500)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.md").write_text(DAMAGED.replace("\n", " "), encoding="utf-8")
    (tmp_path / "in" / "ok.md").write_text(DAMAGED, encoding="utf-8")
    code, err = _run(capsys, "repair", tmp_path / "in", "-d", tmp_path / "out")
    assert code == 3
    assert "long.md (line 1: a line longer than 500 characters" in err
    assert (tmp_path / "out" / "in" / "ok.md").exists()
    assert not (tmp_path / "out" / "in" / "long.md").exists()


def test_workers_stream_large_files_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(DAMAGED, encoding="utf-8")
    (docs / "b.md").write_text("cafÃ©\n", encoding="utf-8")
    code, err = _run(capsys, "repair", docs, "-d", tmp_path / "whole")
    assert code == EXIT_OK
    monkeypatch.setattr(repair_large, "STREAM_FROM_BYTES", 1000)
    from digestkit.repair import many

    calls: list[str] = []
    real = many._streamed

    def spy(ref: many.Ref, job: many.Job) -> many.Record | None:
        record = real(ref, job)
        if record is not None:
            calls.append(ref.name)
        return record

    monkeypatch.setattr(many, "_streamed", spy)
    # --dask local would start a cluster; the thread pool runs the same worker code here.
    from concurrent.futures import ThreadPoolExecutor

    from digestkit.cli import scale

    monkeypatch.setattr(scale, "executor", lambda jobs, dask: ThreadPoolExecutor(2))
    code2, err2 = _run(capsys, "repair", docs, "-d", tmp_path / "streamed", "-j", "2")
    assert code2 == EXIT_OK and len(calls) == 1
    for name in ("a.md", "b.md"):
        assert (tmp_path / "streamed" / "docs" / name).read_bytes() == (
            tmp_path / "whole" / "docs" / name
        ).read_bytes()
    assert sorted(err2.replace("streamed", "whole").splitlines()) == sorted(err.splitlines())


def test_lossless_only_with_explain_counts_what_was_written(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --explain and no output file the streamed repair writes to a scratch file: the
    lines --lossless-only reports as left are counted there, not in the input."""
    src = tmp_path / "in.md"
    src.write_text("cafÃ© naÃ¯ve\n" * 300, encoding="utf-8")
    args = ["repair", str(src), "--explain", "--lossless-only"]
    assert main(args) == EXIT_OK
    ordinary = capsysbinary.readouterr()
    seen = _stream_small(monkeypatch)
    assert main(args) == EXIT_OK
    streamed = capsysbinary.readouterr()
    assert seen  # the streamed path was taken
    assert b"still look like mojibake" not in streamed.err
    assert (streamed.out, streamed.err) == (ordinary.out, ordinary.err)
