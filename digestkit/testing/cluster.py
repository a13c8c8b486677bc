"""Real processes for the scale tests: a Dask scheduler and workers, an S3-compatible
server (moto in server mode), and a README corpus to repair.

Everything listens on 127.0.0.1 on a free port and is stopped (by its own process id) when
the ``with`` block ends. These are separate processes, not in-process mocks: the repair
driver and its workers talk to them over TCP exactly as they would to a cluster and a bucket.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DaskCluster", "dask_cluster", "free_port", "make_corpus", "s3_server"]

_CLEAN = (
    "# Daily digest {n}\n\n論文要約：大規模言語モデルの評価 “quotes” — {n}.\n"
    "论文总结：大语言模型 {n}。\nA clean English line about paper {n}.\n"
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """An S3-compatible server (moto) on 127.0.0.1; yields its endpoint URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


@dataclass
class DaskCluster:
    """A scheduler and workers running as subprocesses (``dask scheduler``/``dask worker``)."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)


def _dask(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    script = "from distributed.cli.dask_{0} import main; main()"
    code = script.format(args[0])
    return subprocess.Popen(
        [sys.executable, "-c", code, *args[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


@contextlib.contextmanager
def dask_cluster(workers: int = 2, env: dict[str, str] | None = None) -> Iterator[DaskCluster]:
    """``dask scheduler`` and ``workers`` × ``dask worker`` (one thread each) on 127.0.0.1."""
    port = free_port()
    environ = {**os.environ, **(env or {})}
    scheduler = _dask(
        "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard", env=environ
    )
    cluster = DaskCluster(f"tcp://127.0.0.1:{port}", scheduler)
    try:
        _wait_port(port, scheduler)
        for _ in range(workers):
            cluster.workers.append(
                _dask(
                    "worker",
                    cluster.address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    env=environ,
                )  # fmt: skip
            )
        _wait_workers(cluster.address, workers)
        yield cluster
    finally:
        for proc in cluster.workers:
            _stop(proc)
        _stop(scheduler)


def _wait_workers(address: str, count: int, seconds: float = 60.0) -> None:
    from distributed import Client

    with Client(address, timeout="20s") as client:
        client.wait_for_workers(count, timeout=seconds)


def make_corpus(root: Path, count: int = 300, *, seed: int = 7, repeat: int = 1) -> Path:
    """``count`` documents under ``root/corpus`` and two archives beside it.

    About half are damaged (lossless and lossy mojibake kinds from
    :mod:`digestkit.repair.corrupt`), a third clean, some binary, and some fail every time
    (a symlink, which is never followed; an archive member that would escape the output
    directory). Deterministic for a given ``seed``; ``repeat`` makes each document that many
    times longer (about 500 bytes by default).
    """
    from digestkit.repair.corrupt import LOSSLESS_KINDS, LOSSY_KINDS, corrupt

    rng = random.Random(seed)
    corpus = root / "corpus"
    kinds = LOSSLESS_KINDS + LOSSY_KINDS
    for n in range(count):
        folder = corpus / f"bot{n % 5}" / f"{2020 + n % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        text = _CLEAN.format(n=n) * rng.randint(1, 4) * repeat
        roll = n % 10
        if roll < 5:
            data = corrupt(text, kinds[n % len(kinds)], seed=n).encode("utf-8", "surrogatepass")
        elif roll < 8:
            data = text.encode("utf-8")
        elif roll == 8:
            data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(300)
        else:
            data = text.encode("shift_jis", "replace")
        (folder / f"README{n}.md").write_bytes(data)
    with contextlib.suppress(OSError):
        os.symlink(corpus / "bot0" / "2020" / "README0.md", corpus / "bot1" / "link.md")
    broken = corrupt(_CLEAN.format(n="zip"), "cp1252")
    with zipfile.ZipFile(root / "pack.zip", "w") as archive:
        for n in range(6):
            archive.writestr(f"zipped/{n}.md", broken if n % 2 else _CLEAN.format(n=n))
        archive.writestr("../escape.md", broken)
    with tarfile.open(root / "pack.tar", "w") as archive:
        for n in range(4):
            payload = (broken if n % 2 else _CLEAN.format(n=n)).encode("utf-8")
            info = tarfile.TarInfo(f"tarred/{n}.md")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return corpus
