"""Large documents through ``digestkit repair``: streamed (:mod:`digestkit.repair.stream`)
against the whole-file path, in child processes that report their own time and peak RSS.

The text is varied Chinese word salad (:mod:`wordsalad`) damaged as seed 004 was (cp1254,
bytes lost, soft hyphens stripped). Under ``make test`` only the small case runs, once:
2 MB streamed (the streaming threshold lowered to 1 MiB, 64k-character chunks) and whole,
asserting equal output and a peak RSS under a generous bound. ``make bench`` adds a 50 MB
lossy file and a 250 MiB lossy member of a zip, with the whole-file path on 5 MB as the
same-run baseline (the whole path on 50 MB takes gigabytes), and records MB/s and peak
RSS in ``extra_info``. No timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from wordsalad import varied  # noqa: E402

from digestkit.repair.corrupt import corrupt  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from digestkit.cli import main, repair_large
from digestkit.repair import files
stream_from, chunk = int(sys.argv[1]), int(sys.argv[2])
repair_large.STREAM_FROM_BYTES = stream_from
if stream_from >= 1 << 62:  # the whole-text path: repair_text does not chunk either
    import digestkit.repair
    digestkit.repair.STREAM_MIN_CHARS = stream_from
files.SPOOL_FROM_BYTES = min(files.SPOOL_FROM_BYTES, stream_from)
repair_large.STREAM_CHUNK_CHARS = chunk
start = time.perf_counter()
code = main(sys.argv[3:])
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child forked from a large
# pytest process would report the parent's size.
try:
    with open("/proc/self/status") as status:
        rss = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "s": seconds, "rss_mb": rss}))
"""

NEVER = 1 << 62
#: Generous: the model and Python take ~80 MB, a streamed repair ~70-150 MB more.
SMALL_RSS_BOUND_MB = 600


def _child(stream_from: int, *args: str | Path, chunk: int = 1 << 20) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(stream_from), str(chunk), *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **({"DIGESTKIT_HOME": str(_HOME[-1])} if _HOME else {})},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    return result


def _damaged(path: Path, megabytes: float, seed: int) -> int:
    """Write about ``megabytes`` MB of damaged text to ``path``, in blocks; its size."""
    size = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        while size < megabytes * 1e6:
            block = corrupt(varied(4_000_000, "zh", seed=seed), "seed004")
            seed += 1
            out.write(block)
            size += len(block.encode("utf-8"))
    return path.stat().st_size


def _rate(size: int, result: dict[str, Any]) -> float:
    return round(size / 1e6 / result["s"], 2)


@pytest.fixture(scope="module", autouse=True)
def warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every child of this module shares one DIGESTKIT_HOME, warmed by one repair first:
    the first process writes the model's mapped file, at ~240 MB (start-up, not the
    streaming measured here)."""
    folder = tmp_path_factory.mktemp("stream-warm")
    _HOME.append(folder / "home")
    (folder / "in.md").write_text(corrupt("本文提出了一种新的方法。\n", "seed004"), "utf-8")
    _child(NEVER, "repair", folder / "in.md", "-o", folder / "out.md")


#: The children's DIGESTKIT_HOME (set by :func:`warm`).
_HOME: list[Path] = []


def test_small_streamed_equals_whole(benchmark: Any, tmp_path: Path) -> None:
    src = tmp_path / "in.md"
    src.write_text(corrupt(varied(1_000_000, "zh", seed=7), "seed004"), encoding="utf-8")
    size = src.stat().st_size
    runs: list[dict[str, Any]] = []

    def streamed() -> None:
        runs.append(_child(1 << 20, "repair", src, "-o", tmp_path / "s.md", chunk=1 << 16))

    benchmark.pedantic(streamed, rounds=3 if benchmark.enabled else 1)
    whole = _child(NEVER, "repair", src, "-o", tmp_path / "w.md")
    assert (tmp_path / "s.md").read_bytes() == (tmp_path / "w.md").read_bytes()
    assert (tmp_path / "s.md").read_bytes() != src.read_bytes()
    assert max(r["rss_mb"] for r in runs) < SMALL_RSS_BOUND_MB, (runs, whole)
    benchmark.extra_info.update(
        {
            "input_mb": round(size / 1e6, 1),
            "stream_mb_per_s_max": max(_rate(size, r) for r in runs),
            "stream_peak_rss_mb": round(max(r["rss_mb"] for r in runs)),
            "whole_mb_per_s": _rate(size, whole),
            "whole_peak_rss_mb": round(whole["rss_mb"]),
            "ratio_to_baseline": round(max(_rate(size, r) for r in runs) / _rate(size, whole), 2),
        }
    )


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole-file path on 5 MB of the same kind of text (the same run's baseline)."""
    folder = tmp_path_factory.mktemp("stream-baseline")
    size = _damaged(folder / "in.md", 5, seed=100)
    result = _child(NEVER, "repair", folder / "in.md", "-o", folder / "out.md")
    return {"whole_5mb_mb_per_s": _rate(size, result), "whole_5mb_peak_rss_mb": result["rss_mb"]}


def test_50mb_lossy_file(benchmark: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if not benchmark.enabled:
        pytest.skip("make bench only (a minute of CPU)")
    baseline = request.getfixturevalue("baseline")
    src = tmp_path / "in.md"
    size = _damaged(src, 50, seed=200)
    runs: list[dict[str, Any]] = []
    benchmark.pedantic(
        lambda: runs.append(_child(STREAM_DEFAULT, "repair", src, "-o", tmp_path / "out.md")),
        rounds=1,
    )
    _record(benchmark, size, runs, baseline)


def test_250mib_lossy_zip_member(
    benchmark: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if not benchmark.enabled:
        pytest.skip("make bench only (several minutes of CPU)")
    baseline = request.getfixturevalue("baseline")
    archive = tmp_path / "big.zip"
    size = 0
    seed = 300
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("docs/big.md", "w", force_zip64=True) as member,
    ):
        while size < MEMBER_BYTES:
            block = corrupt(varied(4_000_000, "zh", seed=seed), "seed004").encode("utf-8")
            seed += 1
            if size + len(block) > MEMBER_BYTES:  # end on a line, at 250 MiB at the most
                block = block[: block.rfind(b"\n", 0, MEMBER_BYTES - size) + 1]
            member.write(block)
            size += len(block)
            if not block:
                break
    runs: list[dict[str, Any]] = []
    benchmark.pedantic(
        lambda: runs.append(_child(STREAM_DEFAULT, "repair", archive, "-d", tmp_path / "out")),
        rounds=1,
    )
    assert (tmp_path / "out" / "docs" / "big.md").stat().st_size > 0
    _record(benchmark, size, runs, baseline)


MEMBER_BYTES = 250 * 1024 * 1024
#: The CLI's own threshold (8 MiB).
STREAM_DEFAULT = 8 << 20


def _record(
    benchmark: Any, size: int, runs: list[dict[str, Any]], baseline: dict[str, Any]
) -> None:
    rate = max(_rate(size, r) for r in runs)
    benchmark.extra_info.update(
        {
            "input_mb": round(size / 1e6, 1),
            "stream_mb_per_s": rate,
            "stream_peak_rss_mb": round(max(r["rss_mb"] for r in runs)),
            **{k: round(v, 2) for k, v in baseline.items()},
            "ratio_to_baseline": round(rate / baseline["whole_5mb_mb_per_s"], 2),
        }
    )
