"""``digestkit repair --jobs N``: worker processes change the speed, never the result."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from digestkit.cli import main
from tests.conftest import seed_path

BROKEN = "è®ºæ–‡æ€»ç»“ï¼šå¤§è¯­è¨€æ¨¡åž‹ â€œquotesâ€\n"


def _tree(root: Path) -> Path:
    src = root / "src"
    (src / "sub").mkdir(parents=True)
    seed = seed_path(4).read_bytes()
    for n in range(5):
        (src / f"doc{n}.md").write_bytes(seed[n * 3000 : (n + 1) * 3000 + 2000])
    (src / "sub" / "clean.md").write_text("clean “text”, 中文。\n", encoding="utf-8")
    (src / "sub" / "broken.md").write_text(BROKEN, encoding="utf-8")
    (src / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    with zipfile.ZipFile(root / "pack.zip", "w") as z:
        z.writestr("a.md", BROKEN)
        z.writestr("../escape.md", BROKEN)
    return src


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["repair", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def test_jobs_give_the_same_files_report_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tree(tmp_path)
    pack = str(tmp_path / "pack.zip")
    one = _run(capsys, str(src), pack, "-d", str(tmp_path / "one"), "--explain")
    two = _run(capsys, str(src), pack, "-d", str(tmp_path / "two"), "--explain", "--jobs", "2")
    assert one[0] == two[0] == 3  # the zip member that would escape is refused
    assert json.loads(one[1]) == json.loads(two[1])  # same documents, same order, same spans
    assert one[2] == two[2]
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert "1 skipped" in two[2] and "1 failed" in two[2]
    fixed = (tmp_path / "two" / src.name / "sub" / "broken.md").read_text(encoding="utf-8")
    assert fixed == "论文总结：大语言模型 “quotes”\n"


def test_jobs_zero_means_one_per_cpu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _tree(tmp_path)
    code, _, err = _run(capsys, str(src / "sub"), "--check", "-j", "0")
    assert code == 1
    assert "1 would repair, 1 unchanged" in err
