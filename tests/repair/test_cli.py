"""``digestkit repair`` end to end: real files, real archives, stdin, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main

CLEAN = "# 論文まとめ\n\n本文提出了一种新的方法。 “Curly” quotes, NBSP\u00a0and emoji 🤖👩‍💻\n"
BROKEN_TEXT = "# 论文总结：新的方法\n\n方法很好。\n"
# Lossless mojibake: UTF-8 read as cp1252 with no undefined bytes lost.
BROKEN = BROKEN_TEXT.encode("utf-8").decode("cp1252")
GB_TEXT = "本文提出了一种新的大语言模型训练方法，显著提升了推理能力。\n"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "2024").mkdir(parents=True)
    (root / "clean.md").write_text(CLEAN, encoding="utf-8")
    (root / "2024" / "broken.md").write_text(BROKEN, encoding="utf-8")
    (root / "gb.md").write_bytes(GB_TEXT.encode("gb18030"))
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    return root


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8"), err.decode("utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_file_to_file(docs: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out = docs.parent / "fixed.md"
    code, stdout, stderr = run(capsysbinary, "repair", docs / "2024/broken.md", "-o", out)
    assert code == EXIT_OK
    assert out.read_text(encoding="utf-8") == BROKEN_TEXT
    assert stdout == ""
    assert "repaired" in stderr and "broken.md" in stderr


def test_legacy_encoding_is_written_as_utf8(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out = docs.parent / "gb-utf8.md"
    code, _, stderr = run(capsysbinary, "repair", docs / "gb.md", "-o", out)
    assert code == EXIT_OK
    assert out.read_bytes() == GB_TEXT.encode("utf-8")
    assert "gb18030 -> utf-8" in stderr


def test_single_file_without_target_prints_to_stdout(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    before = snapshot(docs)
    code, stdout, _ = run(capsysbinary, "repair", docs / "2024/broken.md")
    assert (code, stdout) == (EXIT_OK, BROKEN_TEXT)
    assert snapshot(docs) == before


def test_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BROKEN.encode("utf-8"))))
    code, stdout, _ = run(capsysbinary, "repair", "-")
    assert (code, stdout) == (EXIT_OK, BROKEN_TEXT)


def test_stdin_through_the_installed_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("digestkit")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    result = subprocess.run(
        [str(script), "repair", "-"],
        input=GB_TEXT.encode("gb18030"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == GB_TEXT.encode("utf-8")


def test_clean_text_is_byte_identical(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, stdout, _ = run(capsysbinary, "repair", docs / "clean.md")
    assert code == EXIT_OK
    assert stdout.encode("utf-8") == (docs / "clean.md").read_bytes()


def test_a_utf8_bom_is_kept(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    source = tmp_path / "bom.md"
    source.write_bytes(b"\xef\xbb\xbf" + BROKEN.encode("utf-8"))
    out = tmp_path / "out.md"
    assert run(capsysbinary, "repair", source, "-o", out)[0] == EXIT_OK
    assert out.read_bytes() == b"\xef\xbb\xbf" + BROKEN_TEXT.encode("utf-8")


def test_output_dir_keeps_relative_paths_and_skips_binaries(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out = docs.parent / "out"
    code, _, stderr = run(capsysbinary, "repair", docs, "--output-dir", out)
    assert code == EXIT_OK
    assert snapshot(out) == {  # the folder keeps its name, as with cp -r
        f"{docs.name}/2024/broken.md": BROKEN_TEXT.encode("utf-8"),
        f"{docs.name}/clean.md": CLEAN.encode("utf-8"),
        f"{docs.name}/gb.md": GB_TEXT.encode("utf-8"),
    }
    assert "warning: skipped" in stderr and "logo.png (binary file)" in stderr
    assert stderr.rstrip().endswith("2 repaired, 1 unchanged, 1 skipped, 0 refused, 0 failed")


def test_in_place_keeps_orig_backups(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    before = snapshot(docs)
    code, _, _ = run(capsysbinary, "repair", docs, "--in-place")
    assert code == EXIT_OK
    after = snapshot(docs)
    assert after["2024/broken.md"] == BROKEN_TEXT.encode("utf-8")
    assert after["2024/broken.md.orig"] == before["2024/broken.md"]
    assert after["gb.md.orig"] == before["gb.md"]
    assert after["clean.md"] == before["clean.md"]
    assert "clean.md.orig" not in after  # unchanged files are not rewritten
    assert after["logo.png"] == before["logo.png"]
    # A second run finds nothing left to do.
    assert run(capsysbinary, "repair", docs, "--check")[0] == EXIT_OK


def test_in_place_no_backup(docs: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(capsysbinary, "repair", docs, "-i", "--no-backup")[0] == EXIT_OK
    assert not [p for p in docs.rglob("*.orig*")]


def test_check_changes_nothing_and_exits_1(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    before = snapshot(docs)
    code, stdout, stderr = run(capsysbinary, "repair", docs, "--check")
    assert code == EXIT_FINDINGS
    assert snapshot(docs) == before
    assert stdout == ""
    assert "would repair: " in stderr
    assert stderr.rstrip().endswith("2 would repair, 1 unchanged, 1 skipped, 0 refused, 0 failed")


def test_check_on_clean_input_exits_0(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert run(capsysbinary, "repair", docs / "clean.md", "--check")[0] == EXIT_OK


def test_diff(docs: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    before = snapshot(docs)
    code, stdout, _ = run(
        capsysbinary, "repair", docs / "2024/broken.md", docs / "clean.md", "--diff"
    )
    assert code == EXIT_OK
    assert snapshot(docs) == before
    name = docs / "2024/broken.md"
    assert stdout.startswith(f"--- a/{name}\n+++ b/{name}\n@@ ")
    assert f"-{BROKEN.splitlines()[0]}\n+{BROKEN_TEXT.splitlines()[0]}\n" in stdout
    assert "clean.md" not in stdout


def test_explain_is_json_with_encoding_steps_and_spans(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, stdout, _ = run(capsysbinary, "repair", docs, "--explain")
    assert code == EXIT_OK
    report = json.loads(stdout)
    files = {Path(f["file"]).name: f for f in report["files"]}
    broken = files["broken.md"]
    assert broken["status"] == "repaired" and broken["changed"] is True
    assert broken["encoding"] == "utf-8"
    assert broken["steps"]
    span = broken["spans"][0]
    assert BROKEN_TEXT[span["start"] : span["end"]] == span["replacement"]
    assert 0 < span["confidence"] <= 1
    assert files["gb.md"]["encoding"] == "gb18030" and files["gb.md"]["changed"] is False
    assert files["clean.md"]["status"] == "unchanged"
    assert files["logo.png"]["status"] == "skipped"
    assert report["summary"] == {
        "repaired": 2,
        "unchanged": 1,
        "skipped": 1,
        "refused": 0,
        "failed": 0,
    }


def test_archives_to_output_dir(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    archive = tmp_path / "papers.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2024/broken.md", BROKEN.encode("utf-8"))
        zf.writestr("../escape.md", BROKEN.encode("utf-8"))
    tarball = tmp_path / "more.tar.gz"
    with tarfile.open(tarball, "w:gz") as tf:
        data = GB_TEXT.encode("gb18030")
        info = tarfile.TarInfo("zh/gb.md")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("zh/link.md")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    out = tmp_path / "out"
    code, _, stderr = run(capsysbinary, "repair", archive, tarball, "-d", out)
    assert code == EXIT_ERROR  # the refused members are failures; the rest was written
    assert snapshot(out) == {
        "2024/broken.md": BROKEN_TEXT.encode("utf-8"),
        "zh/gb.md": GB_TEXT.encode("utf-8"),
    }
    assert not (tmp_path / "escape.md").exists()
    assert "../escape.md (path escapes the output directory)" in stderr
    assert "zh/link.md (link member refused" in stderr
    assert "2 repaired, 0 unchanged, 0 skipped, 0 refused, 2 failed" in stderr


def test_check_over_an_archive(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    archive = tmp_path / "clean.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.md", CLEAN.encode("utf-8"))
    assert run(capsysbinary, "repair", archive, "--check")[0] == EXIT_OK
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("b.md", BROKEN.encode("utf-8"))
    assert run(capsysbinary, "repair", archive, "--check")[0] == EXIT_FINDINGS


def test_unreadable_file_is_reported_and_the_run_goes_on(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out = docs.parent / "out"
    code, _, stderr = run(
        capsysbinary, "repair", docs / "missing.md", docs / "2024/broken.md", "-d", out
    )
    assert code == EXIT_ERROR
    assert f"digestkit: error: {docs / 'missing.md'} (no such file)" in stderr
    assert (out / "broken.md").read_text(encoding="utf-8") == BROKEN_TEXT
    assert "1 repaired, 0 unchanged, 0 skipped, 0 refused, 1 failed" in stderr


def test_a_failed_write_loses_nothing(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    blocker = docs.parent / "out"
    blocker.write_text("a file where the output directory should be")
    code, _, stderr = run(capsysbinary, "repair", docs / "2024/broken.md", "-d", blocker)
    assert code == EXIT_ERROR
    assert "cannot write" in stderr
    assert blocker.read_text() == "a file where the output directory should be"
    assert (docs / "2024/broken.md").read_text(encoding="utf-8") == BROKEN


@pytest.mark.parametrize(
    "args",
    [
        ["repair"],
        ["repair", "a.md", "b.md"],  # several inputs and nowhere to write
        ["repair", "a.md", "-o", "x", "--in-place"],
        ["repair", "-", "a.md"],
        ["repair", "-", "--in-place"],
        ["repair", "a.md", "b.md", "-o", "x"],
        ["repair", "a.zip", "--in-place"],
        ["repair", "a.md", "--diff", "--explain"],
        ["repair", "a.md", "-o", "-", "--diff"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(args) == EXIT_USAGE


def test_help_documents_exit_codes(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, stdout, _ = run(capsysbinary, "repair", "--help")
    assert code == EXIT_OK
    assert "Exit codes" in stdout and "--check" in stdout and "--in-place" in stdout


def test_quiet_prints_only_the_summary(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, _, stderr = run(capsysbinary, "repair", docs, "--check", "-q")
    assert code == EXIT_FINDINGS
    lines = stderr.strip().splitlines()
    assert lines[-1] == "digestkit: 2 would repair, 1 unchanged, 1 skipped, 0 refused, 0 failed"
    assert not [line for line in lines if "repair:" in line]


def test_output_dir_inside_the_input_is_not_walked(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out = docs / "fixed"
    assert run(capsysbinary, "repair", docs, "-d", out)[0] == EXIT_OK
    assert run(capsysbinary, "repair", docs, "-d", out)[0] == EXIT_OK  # twice: no fixed/fixed
    assert not (out / "fixed").exists() and not (out / docs.name / "fixed").exists()
    assert sorted(str(p.relative_to(out / docs.name)) for p in out.rglob("*.md")) == [
        "2024/broken.md",
        "clean.md",
        "gb.md",
    ]


def test_in_place_through_a_symlink_keeps_the_link(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    real = tmp_path / "real.md"
    real.write_text(BROKEN, encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert run(capsysbinary, "repair", link, "--in-place")[0] == EXIT_OK
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == BROKEN_TEXT
    assert (tmp_path / "real.md.orig").read_text(encoding="utf-8") == BROKEN


def test_many_files_on_a_terminal_show_progress(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for number in range(25):
        (root / f"{number:02d}.md").write_text(BROKEN, encoding="utf-8")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, stderr = run(capsysbinary, "repair", root, "-d", tmp_path / "out", "-q")
    assert code == EXIT_OK
    assert "repairing" in stderr  # the bar's label, drawn on stderr
    assert stderr.rstrip().endswith("25 repaired, 0 unchanged, 0 skipped, 0 refused, 0 failed")
    assert len(list((tmp_path / "out" / "many").glob("*.md"))) == 25


def test_output_dash_is_stdout_and_an_existing_output_is_backed_up(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, stdout, _ = run(capsysbinary, "repair", docs / "gb.md", "-o", "-")
    assert (code, stdout) == (EXIT_OK, GB_TEXT)
    out = docs.parent / "existing.md"
    out.write_text("the user's own notes\n")
    assert run(capsysbinary, "repair", docs / "gb.md", "-o", out)[0] == EXIT_OK
    assert out.read_text(encoding="utf-8") == GB_TEXT
    assert (docs.parent / "existing.md.orig").read_text() == "the user's own notes\n"


def test_in_place_failure_leaves_the_file_and_names_it(
    docs: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    before = snapshot(docs)

    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    code, _, stderr = run(capsysbinary, "repair", docs / "2024/broken.md", "--in-place")
    assert code == EXIT_ERROR
    assert f"error: {docs / '2024/broken.md'} (cannot write: Permission denied)" in stderr
    after = snapshot(docs)
    assert after["2024/broken.md"] == before["2024/broken.md"]
    assert not [name for name in after if name.endswith(".tmp")]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=4))
def test_arbitrary_bytes_through_the_cli_never_crash(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], blobs: list[bytes]
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    for number, blob in enumerate(blobs):
        (folder / f"{number}.md").write_bytes(blob)
    code, _, stderr = run(capsysbinary, "repair", folder, "-d", folder / "out")
    assert code == EXIT_OK, stderr
    assert "Traceback" not in stderr
    for number in range(len(blobs)):
        written = folder / "out" / f"{number}.md"
        assert written.exists() or "skipped" in stderr
        if written.exists():
            written.read_bytes().decode("utf-8")  # always valid UTF-8


def test_forced_encoding(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    line = "論文"  # two characters: too short to detect with any certainty
    source = tmp_path / "short.md"
    source.write_bytes(line.encode("euc_jp"))
    code, stdout, _ = run(capsysbinary, "repair", source, "--encoding", "euc-jp")
    assert (code, stdout) == (EXIT_OK, line)


def test_forced_encoding_names_the_file_and_line_that_do_not_fit(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    source = tmp_path / "mixed.md"
    source.write_bytes("一行目\n".encode("shift_jis") + b"\x80 is not Shift_JIS\n")
    code, stdout, stderr = run(capsysbinary, "repair", source, "-e", "shift_jis")
    assert code == EXIT_ERROR
    assert stdout == ""
    assert f"error: {source} (line 2: not valid shift_jis" in stderr


def test_unknown_forced_encoding_is_a_usage_error(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["repair", str(tmp_path), "--check", "-e", "no-such-codec"]) == EXIT_USAGE


def test_two_inputs_with_the_same_output_path_do_not_overwrite_each_other(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    for folder, text in (("a", "first\n"), ("b", "second\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.md").write_text(text)
    out = tmp_path / "out"
    code, _, stderr = run(
        capsysbinary, "repair", tmp_path / "a/x.md", tmp_path / "b/x.md", "-d", out
    )
    assert code == EXIT_ERROR
    assert (out / "x.md").read_text() == "first\n"
    assert "was already written in this run" in stderr


@pytest.mark.parametrize("codec", ["mojibake", "gb18030"])
def test_crlf_line_endings_are_kept(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], codec: str
) -> None:
    text = BROKEN_TEXT.replace("\n", "\r\n")
    data = (
        text.encode("utf-8").decode("cp1252").encode("utf-8")
        if codec == "mojibake"
        else text.encode(codec)
    )
    source = tmp_path / "crlf.md"
    source.write_bytes(data)
    out = tmp_path / "out.md"
    assert run(capsysbinary, "repair", source, "-o", out)[0] == EXIT_OK
    assert out.read_bytes() == text.encode("utf-8")
