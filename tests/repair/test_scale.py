"""``digestkit repair`` on Dask and in object storage: same bytes, report and exit code.

One corpus (~300 READMEs: lossy and lossless mojibake, clean, binary, Shift_JIS, a symlink
and an escaping zip member that fail every time, a zip and a plain tar) is repaired once
with ``--jobs 1`` (the reference) and then on a ``LocalCluster`` (``--dask``), on a
scheduler and two workers started here as separate processes (``--dask tcp://...``), with
a worker killed by SIGKILL mid-run, interrupted with SIGINT, and with input and output in
an S3-compatible server (moto, a separate process on 127.0.0.1). The clusters and the
server start once per module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")
pytest.importorskip("s3fs")

from digestkit.cli import main  # noqa: E402
from digestkit.testing.cluster import DaskCluster, dask_cluster, make_corpus, s3_server  # noqa: E402

S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

Run = tuple[int, str, str]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    code = main(["repair", *args])
    out = capsys.readouterr()
    return code, out.out, _ours(out.err)


def _ours(err: str) -> str:
    """digestkit's own lines (Dask may log a warning of its own to the same stderr)."""
    return "".join(line + "\n" for line in err.splitlines() if line.startswith("digestkit:"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    make_corpus(root, 300)
    return root


def _inputs(root: Path) -> list[str]:
    return [str(root / "corpus"), str(root / "pack.zip"), str(root / "pack.tar")]


@pytest.fixture(scope="module")
def reference(corpus: Path) -> tuple[Run, dict[str, bytes]]:
    out = corpus / "ref"
    capture = _Capture()
    with capture:
        code = main(["repair", *_inputs(corpus), "-d", str(out), "--explain"])
    return (code, capture.out, _ours(capture.err)), _files(out)


class _Capture:
    """stdout/stderr of an in-process run, for module fixtures (capsys is per test)."""

    def __enter__(self) -> None:
        import io

        self._saved = sys.stdout, sys.stderr
        self._out, self._err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = self._out, self._err

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self._saved
        self.out, self.err = self._out.getvalue(), self._err.getvalue()


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def cluster(s3: str) -> Iterator[DaskCluster]:
    with dask_cluster(2, env={**S3_ENV, "FSSPEC_S3_ENDPOINT_URL": s3}) as running:
        yield running


def test_reference_run_covers_every_kind(reference: tuple[Run, dict[str, bytes]]) -> None:
    (code, out, err), written = reference
    assert code == 3  # the symlink and the escaping zip member
    assert err.endswith("digestkit: 185 repaired, 95 unchanged, 31 skipped, 0 refused, 1 failed\n")
    report = json.loads(out)
    assert report["summary"]["failed"] == 1 and len(report["files"]) == 312
    assert "zipped/1.md" in written and "tarred/1.md" in written
    failed = [line for line in err.splitlines() if line.startswith("digestkit: error")]
    assert len(failed) == 1 and len(set(failed)) == 1  # reported once (the symlink is a note)


def test_jobs_2_is_the_same(
    corpus: Path, reference: tuple[Run, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    out = corpus / "jobs2"
    assert _run(capsys, *_inputs(corpus), "-d", str(out), "--explain", "-j", "2") == reference[0]
    assert _files(out) == reference[1]


def test_local_cluster_is_the_same(
    corpus: Path, reference: tuple[Run, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    out = corpus / "local"
    assert _run(capsys, *_inputs(corpus), "-d", str(out), "--explain", "--dask") == reference[0]
    assert _files(out) == reference[1]


def test_running_cluster_is_the_same(
    corpus: Path,
    reference: tuple[Run, dict[str, bytes]],
    cluster: DaskCluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = corpus / "tcp"
    run = _run(capsys, *_inputs(corpus), "-d", str(out), "--explain", "--dask", cluster.address)
    assert run == reference[0]
    assert _files(out) == reference[1]


def test_a_worker_killed_mid_run_changes_nothing(
    corpus: Path,
    reference: tuple[Run, dict[str, bytes]],
    cluster: DaskCluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from distributed import Client

    out = corpus / "killed"
    result: dict[str, Any] = {}
    args = [*_inputs(corpus), "-d", str(out), "--explain", "--dask", cluster.address]
    runner = threading.Thread(target=lambda: result.update(run=_run(capsys, *args)))
    with Client(cluster.address) as client:
        runner.start()
        pid = _busy_worker_pid(client)
        assert runner.is_alive()
        os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker; the tasks run again
        runner.join(120)
        assert not runner.is_alive()
        client.wait_for_workers(2, timeout=60)
    assert result["run"] == reference[0]
    assert _files(out) == reference[1]  # no half-written file, no temporary file left


def _busy_worker_pid(client: Any, seconds: float = 60.0) -> int:
    """The process id of a worker while it is running a batch."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        busy = [address for address, tasks in client.processing().items() if tasks]
        if busy:
            pid: int = pids[busy[0]]
            return pid
        time.sleep(0.02)
    raise AssertionError("no worker got a task")


def test_ctrl_c_cancels_and_exits_130(corpus: Path, cluster: DaskCluster) -> None:
    out = corpus / "interrupted"
    command = [sys.executable, "-c", "from digestkit.cli import app_main; app_main()",
               "repair", *_inputs(corpus), "-d", str(out), "--dask", cluster.address]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(out.rglob("*.md")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"digestkit: interrupted after" in err and b"Traceback" not in err


def test_input_and_output_in_s3(
    corpus: Path,
    reference: tuple[Run, dict[str, bytes]],
    s3: str,
    cluster: DaskCluster,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fsspec.config
    import s3fs

    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)
    # What FSSPEC_S3_ENDPOINT_URL does for a new process (fsspec reads it on import).
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": s3})
    fs = s3fs.S3FileSystem(endpoint_url=s3, key="testing", secret="testing")
    fs.mkdir("bkt")
    sample = sorted(p for p in (corpus / "corpus" / "bot0").rglob("*.md") if not p.is_symlink())
    for path in sample[:12]:
        fs.pipe_file(f"bkt/in/corpus/{path.relative_to(corpus / 'corpus').as_posix()}",
                     path.read_bytes())  # fmt: skip
    fs.put(str(corpus / "pack.zip"), "bkt/in/pack.zip")
    fs.put(str(corpus / "pack.tar"), "bkt/in/pack.tar")
    inputs = ["s3://bkt/in/corpus", "s3://bkt/in/pack.zip", "s3://bkt/in/pack.tar"]
    one = _run(capsys, *inputs, "-d", "s3://bkt/one", "--explain", "-j", "1")
    two = _run(capsys, *inputs, "-d", "s3://bkt/two", "--explain", "--dask", cluster.address)
    assert one == two
    assert one[0] == 3 and one[2].endswith("1 failed\n")  # the escaping zip member
    fs.invalidate_cache()
    got = {key.removeprefix("bkt/two/"): fs.cat_file(key) for key in fs.find("bkt/two")}
    assert got == {key.removeprefix("bkt/one/"): fs.cat_file(key) for key in fs.find("bkt/one")}
    assert len(got) == 12 + 6 + 4
    assert got == {key: reference[1][key] for key in got}  # the bytes of the local run


def test_faithfulness_on_the_cluster_is_the_same(
    tmp_path: Path, cluster: DaskCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import FIXTURES

    pairs = tmp_path / "pairs.jsonl"
    lines = (FIXTURES / "faithfulness" / "scripted_en.jsonl").read_text(encoding="utf-8")
    pairs.write_text(lines, encoding="utf-8")
    code = main(["faithfulness", str(pairs), "-o", str(tmp_path / "one.jsonl")])
    first = capsys.readouterr().err
    argv = ["faithfulness", str(pairs), "-o", str(tmp_path / "two.jsonl"), "--dask"]
    assert main([*argv, cluster.address]) == code == 1
    assert capsys.readouterr().err == first
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_workers_with_another_digestkit_are_refused(
    tmp_path: Path,
    cluster: DaskCluster,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import digestkit

    (tmp_path / "a.md").write_text("clean\n", encoding="utf-8")
    monkeypatch.setattr(digestkit, "__version__", "0.0.0-driver")
    code, _, err = _run(capsys, str(tmp_path), "--check", "--dask", cluster.address)
    assert code == 3
    assert "Dask workers run another digestkit than 0.0.0-driver" in err
