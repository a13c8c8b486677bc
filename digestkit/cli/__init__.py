"""The ``digestkit`` command: a thin Typer app over the library.

Each command group lives in its own module (``repair``, ``digest``, ``backends``,
``sources``, ``evaluate``) and adds its commands through ``register(app)``; heavy imports
happen inside the commands, so ``digestkit --help`` stays fast.

Exit codes, for every command:

====  =====================================================================
0     success
1     findings: ``--check`` would change something, some papers failed,
      an evaluation metric fell under its threshold
2     bad usage (unknown option, missing argument)
3     an error digestkit explains in one line: bad input file, bad config,
      missing key, network failure (commands over many files go on with the
      others first, then exit 3 if any file could not be read or written)
130   interrupted (Ctrl-C); work already saved stays saved
====  =====================================================================
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Sequence

import typer

from digestkit.cli.values import use_direct_values
from digestkit.errors import DigestkitError

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "app", "app_main", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130

_EPILOG = (
    "Exit codes: 0 success; 1 findings (--check would change files, papers failed, "
    "metric under threshold); 2 bad usage; 3 error (bad input, config, key, network); "
    "130 interrupted. Over many files, an unreadable one is reported, the rest are processed, "
    "then the exit code is 3."
)

app = typer.Typer(
    name="digestkit",
    help="Repair, parse, summarize, evaluate and publish research-paper digests.",
    epilog=_EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from digestkit import __version__

        typer.echo(f"digestkit {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the digestkit version and exit.",
    ),
) -> None:
    """Repair, parse, summarize, evaluate and publish research-paper digests."""


@app.command()
def version() -> None:
    """Print the digestkit version."""
    from digestkit import __version__

    typer.echo(__version__)


_COMMAND_MODULES = (
    "repair",
    "digest",
    "backends",
    "sources",
    "faithfulness",
    "evaluate",
    "fulltext",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(f"digestkit.cli.{_name}").register(app)


def _full_short_help(group: typer.Typer) -> None:
    """Give every command its whole first paragraph as the line in ``--help``.

    Click cuts a derived short help at ~45 columns with "..." ("print it as..."); an
    explicit ``short_help`` is shown whole and wrapped instead.
    """
    for info in group.registered_commands:
        if info.short_help is None:
            doc = info.help or (info.callback.__doc__ if info.callback else None) or ""
            first = inspect.cleandoc(doc).split("\n\n")[0]
            info.short_help = " ".join(first.split()) or None
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _full_short_help(sub.typer_instance)
            if sub.short_help is None and sub.help:
                sub.short_help = " ".join(inspect.cleandoc(sub.help).split("\n\n")[0].split())


_full_short_help(app)
use_direct_values(app)  # values read without pydantic (~80 ms): digestkit.cli.values


def error_line(err: BaseException) -> str:
    """The one line the CLI prints for an error (never a traceback, never a key)."""
    return f"digestkit: error: {err}"


def main(argv: Sequence[str] | None = None, *, prog_name: str = "digestkit") -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Commands signal a non-zero result with ``raise typer.Exit(code)``; a
    :class:`~digestkit.errors.DigestkitError` becomes one line on stderr and exit code 3.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    args = importlib.import_module("digestkit.cli.scale").dask_flag(args)
    try:
        app(args=args, prog_name=prog_name, standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_ERROR)
    except DigestkitError as err:
        typer.echo(error_line(err), err=True)
        return EXIT_ERROR
    except OSError as err:
        # The file system said no (a directory given as a file, a full disk, no permission):
        # caused by what the user asked for, so one line naming the file, not a traceback.
        typer.echo(error_line(_os_error(err)), err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        typer.echo("digestkit: interrupted", err=True)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _os_error(err: OSError) -> DigestkitError:
    from digestkit.errors import InputError

    where = err.filename if err.filename is not None else None
    message = err.strerror or str(err) or type(err).__name__
    if err.filename2 is not None:
        message += f" (-> {err.filename2})"
    return InputError(message[0].lower() + message[1:], path=str(where) if where else None)


def app_main(prog_name: str = "digestkit") -> None:
    """Entry point of a process: the console script and ``python -m digestkit``."""
    # digestkit does no linear algebra, and OpenBLAS's worker thread, started when numpy is
    # imported, spins on a second core: ~40 ms of start-up on a busy 2-core machine, in
    # every process and --jobs worker (tests/bench/test_repair_start_bench.py). A value
    # the user set wins; library users choose for themselves (README, "Start-up").
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main(prog_name=prog_name)
    if code == EXIT_INTERRUPTED:
        # Ctrl-C: worker threads may still wait on replies that never come, and the
        # interpreter would join them at exit; what was received is saved, so leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
