"""``digestkit repair DIR -d OUT`` over 1,000 small READMEs: ``--jobs 1``, ``--jobs 2`` and
``--dask`` (a scheduler and two one-thread workers as separate processes, started once),
beside a plain ``ftfy.fix_encoding`` loop over the same files (read, fix, write).

Recorded in ``extra_info``: files/s and MB/s of each, and the driver's CPU per file (the
process CPU time of the process running the command, all its threads, divided by the
files): the cost that does not shrink when workers are added, so it bounds how far a
cluster scales (``1 / driver CPU per file`` files/s). The Dask workers are warmed first
(imports and model loaded, as on a long-lived cluster); the ``--jobs`` pool forks from a
process that has both already. No timing is asserted; under
``make test`` (benchmarks disabled) the local runs go once over 40 files as a correctness
check and the Dask run is left to ``make bench`` (``tests/repair/test_scale.py`` checks
its output).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ftfy
import pytest

from digestkit.cli import main
from digestkit.testing.cluster import DaskCluster, dask_cluster, make_corpus

MODES = {"jobs1": ["-j", "1"], "jobs2": ["-j", "2"], "dask": ["--dask"]}


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = request.config
    enabled = config.getoption("benchmark_enable") or not config.getoption("benchmark_disable")
    root = tmp_path_factory.mktemp("bench_scale")
    make_corpus(root, 1000 if enabled else 40, repeat=4)  # ~2 KB each
    from digestkit.cli import scale  # noqa: F401 - imported before timing, like the model
    from digestkit.repair.many import warm_up

    warm_up()  # the driver's imports and model: a one-time cost, not a per-file one
    (root / "corpus" / "bot1" / "link.md").unlink()  # no failing file: exit 0 below
    return root / "corpus"


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskCluster]:
    from distributed import Client

    from digestkit.repair.many import warm_up

    with dask_cluster(2) as running:
        with Client(running.address) as client:
            client.run(warm_up)  # long-lived workers: the model is loaded before the run
        yield running


_TREES: dict[str, str] = {}


def _digest(folder: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _megabytes(corpus: Path) -> float:
    return sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6


def _ftfy_loop(corpus: Path, out: Path) -> None:
    for path in sorted(corpus.rglob("*.md")):
        text = path.read_bytes().decode("utf-8", "replace")
        target = out / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ftfy.fix_encoding(text), encoding="utf-8")


@pytest.mark.parametrize("mode", sorted(MODES))
def test_repair_many_files(
    benchmark: Any, corpus: Path, request: pytest.FixtureRequest, mode: str
) -> None:
    if mode == "dask" and not benchmark.enabled:
        pytest.skip("measured in make bench; tests/repair/test_scale.py checks the output")
    args = list(MODES[mode])
    if mode == "dask":
        args.append(request.getfixturevalue("cluster").address)
    files = sum(1 for p in corpus.rglob("*") if p.is_file())
    runs: list[tuple[float, float]] = []

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        shutil.rmtree(corpus.parent / "out", ignore_errors=True)
        return (), {}

    def run() -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        code = main(["repair", str(corpus), "-d", str(corpus.parent / "out"), "-q", *args])
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
        assert code == 0

    warmup = 1 if benchmark.enabled else 0  # the first run after a cluster starts is slower
    benchmark.pedantic(run, setup=setup, rounds=1, iterations=1, warmup_rounds=warmup)
    cpu, wall = min(runs, key=lambda pair: pair[1])
    # The 1,000-file check of the issue: every mode writes the same bytes.
    tree = _digest(corpus.parent / "out")
    assert _TREES.setdefault("first", tree) == tree, f"{mode} wrote other files"
    out = corpus.parent / "ftfy"
    start = time.perf_counter()
    _ftfy_loop(corpus, out)
    baseline = time.perf_counter() - start
    megabytes = _megabytes(corpus)
    benchmark.extra_info.update(
        {
            "files": files,
            "megabytes": round(megabytes, 2),
            "files_per_s": round(files / wall, 1),
            "mb_per_s": round(megabytes / wall, 2),
            "driver_cpu_ms_per_file": round(1000 * cpu / files, 3),
            "ftfy_loop_files_per_s": round(files / baseline, 1),
            "ftfy_loop_mb_per_s": round(megabytes / baseline, 2),
        }
    )
