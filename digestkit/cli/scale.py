"""Executors for ``--jobs N`` and ``--dask [ADDRESS]``, and the repair loop over them.

``--jobs N`` is a local process pool; ``--dask`` (alone) a Dask ``LocalCluster`` sized to
the machine, started and closed by the command; ``--dask tcp://HOST:8786`` a running
cluster (``dask scheduler`` / ``dask worker``). All three are one
:class:`concurrent.futures.Executor` to :func:`digestkit.repair.many.repair_many`, so the
output cannot depend on which one ran.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from digestkit.errors import ConfigError

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from digestkit.cli.repair import Options

#: What ``--dask`` alone means: a cluster on this machine.
LOCAL = "local"


def dask_flag(args: list[str]) -> list[str]:
    """``--dask`` may stand alone (a local cluster) or take an address; click options
    cannot have an optional value, so a bare ``--dask`` becomes ``--dask=local`` here.

    >>> dask_flag(["repair", "in/", "--dask", "-d", "out"])
    ['repair', 'in/', '--dask=local', '-d', 'out']
    >>> dask_flag(["repair", "in/", "--dask", "tcp://10.0.0.5:8786"])
    ['repair', 'in/', '--dask', 'tcp://10.0.0.5:8786']
    """
    out: list[str] = []
    for n, arg in enumerate(args):
        if arg == "--":
            return out + args[n:]
        following = args[n + 1] if n + 1 < len(args) else ""
        if arg == "--dask" and not (following == LOCAL or _is_address(following)):
            arg = f"--dask={LOCAL}"
        out.append(arg)
    return out


def _is_address(text: str) -> bool:
    """A scheduler address: ``tcp://host:port`` (any scheme) or ``host:port``."""
    import re

    return re.match(r"^([a-z]+://)?[\w.\-\[\]:]+:\d+$", text) is not None


@contextlib.contextmanager
def executor(jobs: int, dask: str | None) -> Iterator[Executor]:
    """The executor the options ask for, shut down (cluster closed) on the way out."""
    if dask is None:  # workers repair with one thread each (options.jobs > 1)
        # Imported here: main() imports this module for dask_flag on every command, and
        # concurrent.futures.process (multiprocessing) is ~10 ms of each start-up.
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            yield pool
        return
    with _dask_client(dask, jobs) as client:
        yield client.get_executor(pure=False)


@contextlib.contextmanager
def _dask_client(address: str, jobs: int) -> Iterator[Any]:
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigError("--dask needs dask: pip install 'digestkit[scale]'") from None
    if address == LOCAL:
        workers = jobs if jobs > 1 else (os.cpu_count() or 1)
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler: {exc}", path=address) from None
    with client:
        _same_version(client)
        yield client


def _version() -> str:
    """Run on each worker: the digestkit it imports."""
    from digestkit import __version__

    return __version__


def _same_version(client: Any) -> None:
    """Refuse a cluster whose workers run another digestkit (another model, other
    repairs) or none: the output must not depend on which worker got a file."""
    from digestkit import __version__

    try:
        versions = client.run(_version)
    except Exception as exc:  # digestkit missing on a worker: the function cannot load
        raise ConfigError(
            f"a Dask worker cannot run digestkit ({type(exc).__name__}: {exc}); "
            f"install digestkit {__version__} with the scale extra on every worker"
        ) from None
    other = sorted(f"{worker} has {version}" for worker, version in versions.items()
                   if version != __version__)  # fmt: skip
    if other:
        raise ConfigError(
            f"Dask workers run another digestkit than {__version__}: {', '.join(other[:3])}"
        )


def run_many(inputs: list[str], options: Options, total: int | None) -> int:
    """``digestkit repair`` over an executor: same messages, report and exit code as the
    sequential loop, in the same order."""
    from digestkit.cli import repair as cli
    from digestkit.repair.many import Job, repair_many

    job = Job(
        output=options.output_url or (str(options.output_dir) if options.output_dir else None),
        in_place=options.in_place,
        backup=options.backup,
        lossy=options.lossy,
        encoding=options.encoding,
        explain=options.explain,
        diff=options.diff,
        check=options.check,
        limits=options.limits,
    )
    counts = dict.fromkeys(cli.STATUSES, 0)
    reports = cli.ExplainOut()
    with executor(options.jobs, options.dask) as pool, cli._progress(total) as advance:
        records = repair_many(inputs, job.output, pool, job)
        try:
            for record in records:
                outcome = cli.Outcome(record.name, record.status, record.detail,
                                      report=record.report)  # fmt: skip
                if options.diff:
                    cli._emit(record.diff.encode("utf-8"))
                cli._tell(outcome, options)
                counts[record.status] += 1
                if options.explain:
                    reports.add(record.report or cli._short_report(outcome))
                advance()
        except KeyboardInterrupt:
            done = sum(counts.values())
            cli.typer.echo(
                f"digestkit: interrupted after {done} documents reported; files already "
                "written are complete, batches not started are cancelled",
                err=True,
            )
            raise
        finally:
            records.close()  # Ctrl-C: cancel the batches not started
    return cli._finish(counts, reports, options, single=False)
