"""`digestkit repair` over folders as a newcomer uses it: folder names kept under -d (like
cp -r), symlinks skipped with a note, and --lossless-only saying what it left."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestkit.cli import EXIT_OK, main

TEXT = "论文总结：大语言模型的推理能力\n"
MOJIBAKE = TEXT.encode("utf-8").decode("latin-1")  # every byte kept: re-readable
LOSSY = TEXT.encode("utf-8").decode("cp1252", errors="ignore")  # undefined bytes dropped


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main(["repair", *map(str, args)])
    return code, capsys.readouterr().err


def test_two_repositories_keep_their_folder_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("bot-a", "bot-b"):
        (tmp_path / name / "docs").mkdir(parents=True)
        (tmp_path / name / "README.md").write_text(f"{name} {MOJIBAKE}", encoding="utf-8")
        (tmp_path / name / "docs" / "x.md").write_text("clean\n", encoding="utf-8")
    out = tmp_path / "out"
    code, err = _run(capsys, tmp_path / "bot-a", tmp_path / "bot-b/", "-d", out)
    assert code == EXIT_OK, err
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.md")) == [
        "bot-a/README.md",
        "bot-a/docs/x.md",
        "bot-b/README.md",
        "bot-b/docs/x.md",
    ]
    assert (out / "bot-b/README.md").read_text(encoding="utf-8").startswith("bot-b 论文总结")


def test_a_symlink_is_skipped_with_a_note_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text(MOJIBAKE, encoding="utf-8")
    (tmp_path / "elsewhere.md").write_text("x", encoding="utf-8")
    (folder / "link.md").symlink_to(tmp_path / "elsewhere.md")
    code, err = _run(capsys, folder, "-d", tmp_path / "out")
    assert code == EXIT_OK
    assert "warning: skipped" in err and "link.md (symlink, not followed)" in err
    assert err.rstrip().endswith("1 repaired, 0 unchanged, 1 skipped, 0 refused, 0 failed")


def test_lossless_only_says_what_it_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "lossy.md"
    src.write_text("title\n" + LOSSY + MOJIBAKE, encoding="utf-8")
    code, err = _run(capsys, src, "--lossless-only", "-o", tmp_path / "out.md")
    assert code == EXIT_OK
    assert "1 of 3 lines still look like mojibake" in err
    assert "run without --lossless-only" in err
    code, err = _run(capsys, src, "-o", tmp_path / "full.md")
    assert "still look like mojibake" not in err
