"""``digestkit repair``: fix mojibake in files, directories, archives or stdin.

The command is a thin loop: :mod:`digestkit.repair.files` finds the documents and writes
safely, :func:`digestkit.repair.decode.decode_bytes` and
:func:`digestkit.repair.repair_text` do the work, and this module decides what to print.
Per-file messages and the summary go to stderr; repaired text, diffs and the JSON report
go to stdout, so they can be piped.
"""

from __future__ import annotations

import collections
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from digestkit.repair import Repaired, RepairSpan
    from digestkit.repair.files import InputItem
    from digestkit.repair.limits import RepairLimits

EXIT_CODES_HELP = (
    "Exit codes: 0 done (or --check found nothing to change); 1 --check: some file would "
    "change; 2 bad usage; 3 some input could not be read or written (the others were still "
    "processed); 130 interrupted."
)

#: Show a progress bar from this many documents up (and only when stderr is a terminal).
PROGRESS_FROM = 20


def _default_limits() -> RepairLimits:
    """``DEFAULT_LIMITS``, imported when first needed: importing :mod:`digestkit.repair`
    (its package) is ~7 ms of every command's start-up, ``--help``'s included."""
    from digestkit.repair.limits import DEFAULT_LIMITS

    return DEFAULT_LIMITS


@dataclass(frozen=True)
class Options:
    """What the user asked for, resolved from the command line."""

    output: Path | None
    output_dir: Path | None
    in_place: bool
    backup: bool
    check: bool
    diff: bool
    explain: bool
    quiet: bool
    lossy: bool
    encoding: str | None = None
    jobs: int = 1
    review: bool = False
    mark_below: float | None = None
    dask: str | None = None  # "local" or a scheduler address (digestkit.cli.scale)
    output_url: str | None = None  # --output-dir given as an fsspec URL (s3://...)
    #: --max-member-bytes, --max-members
    limits: RepairLimits = field(default_factory=_default_limits)

    @property
    def writes(self) -> bool:
        return not self.check and (
            self.output is not None
            or self.output_dir is not None
            or self.output_url is not None
            or self.in_place
        )


#: What can happen to one document, in the order the run summary counts them: written
#: (repaired), already right, left alone as binary (or a link), refused by a limit
#: (``--max-member-bytes``, ``--max-members``), or failed (unreadable, damaged, unwritable).
STATUSES = ("repaired", "unchanged", "skipped", "refused", "failed")


@dataclass(frozen=True)
class Outcome:
    """What happened to one document: ``status`` is one of :data:`STATUSES`."""

    name: str
    status: str
    detail: str = ""
    before: str = ""
    after: bytes = b""
    report: dict[str, Any] | None = None
    #: Its --explain report is printed already (a streamed document's, see ExplainOut).
    reported: bool = False


def register(app: typer.Typer) -> None:
    """Add ``digestkit repair`` to ``app``."""
    app.command(name="repair", epilog=EXIT_CODES_HELP)(repair)


def repair(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories, .zip/.tar/.tar.gz archives, or - for stdin.",
            show_default=False,
            metavar="INPUT",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the one input's repair here (- = stdout)."),
    ] = None,
    output_dir: Annotated[
        str | None,
        typer.Option(
            "--output-dir",
            "-d",
            help="Write repairs under DIR (or an s3://... URL): a folder keeps its name and "
            "layout (like cp -r), a file its name, an archive's members their paths.",
        ),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", "-i", help="Rewrite files atomically (keeps FILE.orig).")
    ] = False,
    no_backup: Annotated[
        bool, typer.Option("--no-backup", help="Do not keep FILE.orig when overwriting.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 if anything would change.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print a unified diff of the repairs.")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Print a JSON report: encoding, steps, spans, confidences."),
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            "-e",
            help="Read the input in this encoding (e.g. shift_jis) instead of detecting it.",
        ),
    ] = None,
    lossless_only: Annotated[
        bool,
        typer.Option(
            "--lossless-only",
            help="Only re-read bytes; never guess lost bytes. Lines that still look like "
            "mojibake (bytes were dropped) are counted in the message.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print the summary.")] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            help="Repair in this many processes (0 = one per CPU). Output order is kept.",
        ),
    ] = 1,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Write an HTML page (to --output) listing the damaged characters repaired "
            "with confidence below --mark-below (default 0.9), with their alternatives.",
        ),
    ] = False,
    mark_below: Annotated[
        float | None,
        typer.Option(
            "--mark-below",
            min=0.0,
            max=1.0,
            metavar="P",
            help="Wrap each damaged character repaired with confidence below P in ⟦ ⟧.",
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Repair on a Dask cluster: alone, one started on this machine; or a "
            "running scheduler's address (tcp://HOST:8786). Output order is kept.",
            show_default=False,
        ),
    ] = None,
    max_member_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-member-bytes",
            min=1,
            metavar="N",
            help="Refuse an archive member that inflates past N bytes (whatever its header "
            "says); the run goes on, exit 3. Default: [repair] max_member_bytes, else 256 MiB.",
            show_default=False,
        ),
    ] = None,
    max_members: Annotated[
        int | None,
        typer.Option(
            "--max-members",
            min=1,
            metavar="N",
            help="Read at most N members of one archive and refuse the rest; exit 3. "
            "Default: [repair] max_members, else 100000.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="digestkit.toml with a [repair] section (limits)."),
    ] = None,
) -> None:
    """Repair mojibake; the output is always UTF-8.

    \b
    digestkit repair broken.md -o fixed.md
    cat broken.md | digestkit repair - > fixed.md
    digestkit repair notes/ papers.zip --output-dir fixed/
    digestkit repair notes/ --in-place        (keeps each FILE.orig)
    digestkit repair archive.tar.gz --check   (exit 1 if anything would change)
    digestkit repair broken.md --diff
    digestkit repair broken.md --explain
    digestkit repair archive.zip -d fixed/ -j 0   (every CPU)
    digestkit repair broken.md --review -o review.html
    digestkit repair broken.md --mark-below 0.9 -o fixed.md   (doubtful readings in ⟦ ⟧)
    digestkit repair s3://bucket/readmes/ -d s3://bucket/fixed/ --dask tcp://HOST:8786
    """
    from digestkit.storage import is_url

    url_out = output_dir if output_dir is not None and is_url(output_dir) else None
    options = Options(
        output=output,
        output_dir=Path(output_dir) if output_dir is not None and url_out is None else None,
        in_place=in_place,
        backup=not no_backup,
        check=check,
        diff=diff,
        explain=explain,
        quiet=quiet,
        lossy=not lossless_only,
        encoding=encoding,
        jobs=jobs or os.cpu_count() or 1,
        review=review,
        mark_below=mark_below,
        dask=dask,
        output_url=url_out,
        limits=_limits(config, max_member_bytes, max_members),
    )
    _validate(inputs, options)
    if inputs == ["-"]:
        raise typer.Exit(_run_stdin(options))
    raise typer.Exit(_run_files(inputs, options))


def _limits(config: Path | None, max_member_bytes: int | None, max_members: int | None) -> Any:
    """The config file's ``[repair]`` limits, each overridden by its flag when given."""
    from dataclasses import replace

    from digestkit.repair.limits import load_limits

    limits = load_limits(config)
    if max_member_bytes is not None:
        limits = replace(limits, max_member_bytes=max_member_bytes)
    if max_members is not None:
        limits = replace(limits, max_members=max_members)
    return limits


def _validate(inputs: list[str], options: Options) -> None:
    def usage(message: str) -> None:
        raise typer.BadParameter(message)

    out_dir = options.output_dir is not None or options.output_url is not None
    targets = sum(x for x in (options.output is not None, out_dir, options.in_place))
    if targets > 1:
        usage("choose one of --output, --output-dir and --in-place")
    if "-" in inputs and len(inputs) > 1:
        usage("- (stdin) cannot be combined with other inputs")
    if "-" in inputs and (options.in_place or out_dir):
        usage("stdin can only be written to stdout or --output")
    if options.output is not None and (len(inputs) != 1 or _expands(inputs[0])):
        usage("--output takes exactly one file; use --output-dir for several")
    reports = options.check or options.diff or options.explain
    if not reports and targets == 0 and (len(inputs) != 1 or _expands(inputs[0])):
        usage(
            "several inputs: say where the results go (--output-dir DIR or --in-place), "
            "or use --check / --diff / --explain"
        )
    if options.encoding is not None:
        import codecs

        try:
            codecs.lookup(options.encoding)
        except LookupError:
            usage(f"unknown encoding: {options.encoding}")
    if options.diff and options.explain:
        usage("--diff and --explain both print to stdout; choose one")
    if str(options.output) == "-" and (options.diff or options.explain):
        usage("--output - prints the text; it cannot share stdout with --diff or --explain")
    if options.review and (options.output is None or str(options.output) == "-"):
        usage("--review writes one HTML page: give it with --output PAGE.html")
    if options.in_place and any(_is_archive(arg) for arg in inputs):
        usage("archives cannot be repaired in place; use --output-dir")


def _expands(arg: str) -> bool:
    from digestkit.storage import is_url

    return arg != "-" and (is_url(arg) or Path(arg).is_dir() or _is_archive(arg))


def _is_archive(arg: str) -> bool:
    from digestkit.repair.files import is_archive

    return is_archive(Path(arg))


def _run_stdin(options: Options) -> int:
    from digestkit.repair.files import InputItem

    data = sys.stdin.buffer.read()
    stdin = InputItem("<stdin>", PurePosixPath("stdin"), _loader=lambda: data)
    return _run([stdin], 1, options, single=True)


def _run_files(inputs: list[str], options: Options) -> int:
    from digestkit.repair.files import count_inputs, iter_inputs
    from digestkit.storage import is_url

    single = len(inputs) == 1 and not _expands(inputs[0])
    exclude = [options.output_dir] if options.output_dir is not None else []
    remote = options.output_url is not None or any(is_url(arg) for arg in inputs)
    if not single and (options.jobs > 1 or options.dask is not None or remote):
        from digestkit.cli.scale import run_many  # workers read and write by reference

        counted = not remote and sys.stderr.isatty()  # the total only feeds the progress bar
        return run_many(inputs, options, count_inputs(inputs, exclude) if counted else None)
    total = count_inputs(inputs, exclude) if len(inputs) > 1 or not single else 1
    return _run(iter_inputs(inputs, exclude, options.limits), total, options, single=single)


def _run(items: Iterable[InputItem], total: int | None, options: Options, single: bool) -> int:
    """Handle the documents one by one, so memory stays flat over a large archive."""
    counts = dict.fromkeys(STATUSES, 0)
    reports = ExplainOut()
    written: set[Path] = set()
    with _progress(total) as advance:
        for item, processed in _outcomes(items, options):
            outcome = _handle(item, processed, options, single, written, reports)
            counts[outcome.status] += 1
            if options.explain and not outcome.reported:
                reports.add(outcome.report or _short_report(outcome))
            advance()
    return _finish(counts, reports, options, single=single)


class ExplainOut:
    """The ``--explain`` JSON, printed as the reports come (a report is not kept once it is
    printed: a run over a large archive holds one at a time). The bytes are those of
    ``json.dumps({"files": reports, "summary": counts}, ensure_ascii=False, indent=2)``.
    """

    def __init__(self) -> None:
        self.count = 0

    def _next(self) -> None:
        _emit(('{\n  "files": [\n' if not self.count else ",\n").encode("utf-8"))
        self.count += 1

    def add(self, report: dict[str, Any]) -> None:
        self._next()
        _emit(_indented(_dumps(report), 4).encode("utf-8"))

    def add_streamed(self, head: dict[str, Any], spans: Iterable[dict[str, Any]]) -> None:
        """A report whose last key is ``"spans"``, given as an iterator (a large file)."""
        self._next()
        opened = _dumps(head)
        assert opened.endswith("\n}")
        _emit((_indented(opened[:-2], 4) + ',\n      "spans": [').encode("utf-8"))
        first = True
        for span in spans:
            _emit(((",\n" if not first else "\n") + _indented(_dumps(span), 8)).encode("utf-8"))
            first = False
        _emit(("]" if first else "\n      ]").encode("utf-8") + b"\n    }")

    def finish(self, counts: dict[str, int]) -> None:
        head = '{\n  "files": [],\n' if not self.count else "\n  ],\n"
        summary = _indented(_dumps(counts), 2)[2:]
        _emit((head + '  "summary": ' + summary + "\n}\n").encode("utf-8"))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _indented(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.split("\n"))


def _outcomes(items: Iterable[InputItem], options: Options) -> Iterator[tuple[InputItem, Outcome]]:
    """Each document with its repair, in input order. With ``jobs`` > 1 the repairs run in
    worker processes, one thread each (repair is CPU-bound; within one process a long
    document already uses two threads, see ``RepairConfig.threads``); reading
    stays here, since archive members cannot cross processes, and at most ``2 * jobs``
    documents are in flight, so memory stays flat over a large archive."""
    if options.jobs <= 1:
        for item in items:
            yield item, _process(item, options)
        return
    from concurrent.futures import Future, ProcessPoolExecutor

    def result(pending: Outcome | Future[Outcome]) -> Outcome:
        return pending if isinstance(pending, Outcome) else pending.result()

    window: collections.deque[tuple[InputItem, Outcome | Future[Outcome]]] = collections.deque()
    from digestkit.cli import repair_large

    with ProcessPoolExecutor(options.jobs) as pool:
        for item in items:
            streamed = repair_large.wanted(item, options)
            loaded = Outcome(item.name, "stream") if streamed else _load(item)
            pending = (
                loaded
                if isinstance(loaded, Outcome)
                else pool.submit(_repair_data, item.name, loaded, options)
            )
            window.append((item, pending))
            if len(window) >= 2 * options.jobs:
                done, pending = window.popleft()
                yield done, result(pending)
        while window:
            done, pending = window.popleft()
            yield done, result(pending)


def _handle(
    item: InputItem,
    outcome: Outcome,
    options: Options,
    single: bool,
    written: set[Path],
    reports: ExplainOut | None = None,
) -> Outcome:
    if outcome.status == "stream":  # a large document, repaired as it is written
        outcome = _stream(item, options, written, reports)
        _tell(outcome, options)
        return outcome
    if options.writes and outcome.status in {"repaired", "unchanged"}:
        outcome = _write(item, outcome, options, written)
    elif not options.writes and single and not _reports(options):
        _emit(outcome.after)
    if options.diff:
        _emit(_unified_diff(outcome).encode("utf-8"))
    _tell(outcome, options)
    return outcome


def _short_report(outcome: Outcome) -> dict[str, Any]:
    return {"file": outcome.name, "status": outcome.status, "detail": outcome.detail}


def _reports(options: Options) -> bool:
    return options.check or options.diff or options.explain


def _process(item: InputItem, options: Options) -> Outcome:
    """Decode and repair one document; no disk writes here (a large one is only marked:
    :func:`_handle` streams it, see :mod:`digestkit.cli.repair_large`)."""
    from digestkit.cli import repair_large

    if repair_large.wanted(item, options):
        return Outcome(item.name, "stream")
    return _process_whole(item, options)


def _load(item: InputItem) -> bytes | Outcome:
    """The document's bytes, or the failed outcome saying why they cannot be read."""
    from digestkit.errors import DigestkitError, LimitExceeded

    if item.refused is not None:
        return Outcome(item.name, "refused", item.refused)
    if item.problem is not None:
        return Outcome(item.name, "failed", item.problem)
    if item.skip is not None:
        return Outcome(item.name, "skipped", item.skip)
    try:
        return item.read()
    except LimitExceeded as err:
        return Outcome(item.name, "refused", err.message)
    except DigestkitError as err:
        return Outcome(item.name, "failed", err.message)


def _repair_data(name: str, data: bytes, options: Options) -> Outcome:
    """Decode and repair one document's bytes: pure, so it can run in a worker process."""
    from digestkit.errors import DecodeError
    from digestkit.repair import RepairConfig, repair_text
    from digestkit.repair.decode import binary_text, decode_as, decode_bytes, looks_binary

    wide = (options.encoding or "").lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    if not wide and looks_binary(data):
        return Outcome(name, "skipped", "binary file")
    if options.encoding is None:
        decoded = decode_bytes(data)
    else:
        try:
            decoded = decode_as(data, options.encoding)
        except DecodeError as err:
            return Outcome(name, "failed", f"line {err.context['line']}: {err.message}")
    if binary_text(decoded.text):  # the head looked like text, the whole does not
        return Outcome(name, "skipped", "binary file")
    # Worker processes (jobs > 1) already use every core: each repairs with one thread.
    parallel = options.jobs > 1 or options.dask is not None
    config = RepairConfig(lossy=options.lossy, threads=1 if parallel else 0)
    fixed = repair_text(decoded.text, config)
    after = (b"\xef\xbb\xbf" if decoded.bom else b"") + _text_out(fixed, name, options)
    status = "repaired" if after != data else "unchanged"
    detail = ""
    if status == "repaired":
        count = len(fixed.spans)
        detail = _describe(decoded.encoding, fixed.changed, count, fixed.min_confidence)
    if not options.lossy:
        detail = ", ".join(x for x in (detail, _left_unrepaired(fixed.text.splitlines())) if x)
    report = _report(name, status, decoded, fixed) if options.explain else None
    return Outcome(name, status, detail, decoded.text, after, report)


#: Confidence below which ``--review`` lists a repaired character (without --mark-below).
REVIEW_BELOW = 0.9


def _text_out(fixed: Repaired, name: str, options: Options) -> bytes:
    """The repaired text; with ``--mark-below``, doubtful readings marked; with
    ``--review``, the review page instead (see :mod:`digestkit.repair.review`)."""
    if not options.review and options.mark_below is None:
        return fixed.text.encode("utf-8")
    from digestkit.repair.review import mark_doubts, review_html

    below = REVIEW_BELOW if options.mark_below is None else options.mark_below
    if options.review:
        return review_html(fixed, below, name).encode("utf-8")
    return mark_doubts(fixed, below).encode("utf-8")


def _left_unrepaired(lines: Iterable[str]) -> str:
    """What ``--lossless-only`` left: how many of ``lines`` (the repaired text's, as
    ``str.splitlines`` cuts them) still look like mojibake ("" if none).

    >>> _left_unrepaired("ok\\nè®ºæ–‡\\nfine".splitlines())
    '1 of 3 lines still look like mojibake (bytes were lost; run without --lossless-only to rebuild them)'
    """
    from digestkit.repair.detect import looks_like_mojibake

    total = left = 0
    for line in lines:
        total += 1
        left += looks_like_mojibake(line)
    if not left:
        return ""
    return (
        f"{left} of {total} lines still look like mojibake "
        "(bytes were lost; run without --lossless-only to rebuild them)"
    )


def _describe(encoding: str, changed: bool, spans: int, lowest: float) -> str:
    """The message of a repaired document: its code page, the spans repaired and the lowest
    confidence among them (the whole and the streamed path say it alike)."""
    parts = []
    if encoding not in {"utf-8", "ascii"}:
        parts.append(f"{encoding} -> utf-8")
    if changed:
        parts.append(f"{spans} span(s) repaired")
        if spans:
            parts.append(f"lowest confidence {lowest:.2f}")
    return ", ".join(parts)


def _report(name: str, status: str, decoded: Any, fixed: Repaired) -> dict[str, Any]:
    from digestkit.repair.review import span_positions

    where = span_positions(fixed.text, list(fixed.spans))
    return {
        "file": name,
        "status": status,
        "encoding": decoded.encoding,
        "encoding_confidence": decoded.confidence,
        "bom": decoded.bom,
        "changed": fixed.changed,
        "steps": [list(step) for step in fixed.steps],
        "spans": [
            span_entry(span, line, column)
            for span, (line, column) in zip(fixed.spans, where, strict=True)
        ],
    }


def span_entry(span: RepairSpan, line: int, column: int) -> dict[str, Any]:
    """One span as --explain lists it (the whole and the streamed path alike)."""
    return {
        "start": span.start,
        "end": span.end,
        "original": span.original,
        "replacement": span.replacement,
        "confidence": span.confidence,
        "kind": span.kind,
        "line": line,
        "column": column,
    }


def _stream(
    item: InputItem, options: Options, written: set[Path], reports: ExplainOut | None
) -> Outcome:
    """Repair a large document from its file to its target (:mod:`.repair_large`); one
    that cannot be streamed (not UTF-8) takes the ordinary path."""
    from digestkit.cli import repair_large
    from digestkit.errors import DigestkitError

    try:
        target = _target(item, options) if options.writes else None  # --explain: nothing
        if target is not None and target.resolve() in written:
            return _written_twice(item.name, target)
        explain = reports.add_streamed if reports is not None and options.explain else None
        outcome = repair_large.repair_item(item, options, target, explain)
        if outcome is None:
            processed = _process_whole(item, options)
            if options.writes and processed.status in {"repaired", "unchanged"}:
                return _write(item, processed, options, written)
            return processed
        if target is not None and outcome.status in {"repaired", "unchanged"}:
            written.add(target.resolve())
        return outcome
    except DigestkitError as err:
        line = err.context.get("line")
        return Outcome(item.name, "failed", f"line {line}: {err.message}" if line else err.message)
    except OSError as exc:
        return Outcome(item.name, "failed", f"cannot write: {exc.strerror or exc}")
    finally:
        if item.spooled is not None:
            item.spooled.remove()


def _target(item: InputItem, options: Options) -> Path | None:
    """Where the repair of ``item`` is written: the output file, its place under the output
    directory, or the file itself (in place; None for a document with no file)."""
    from digestkit.repair.files import target_path

    if options.output is not None:
        return options.output
    if options.output_dir is not None:
        return target_path(options.output_dir, item.relpath)
    # In place: through a symlink to the file, keeping the link.
    return item.path.resolve() if item.path is not None else None


def _process_whole(item: InputItem, options: Options) -> Outcome:
    loaded = _load(item)
    return loaded if isinstance(loaded, Outcome) else _repair_data(item.name, loaded, options)


def _written_twice(name: str, target: Path) -> Outcome:
    # Two inputs with the same relative path (a/x.md and b/x.md into one DIR).
    return Outcome(
        name,
        "failed",
        f"{target} was already written in this run by another input with the same "
        "path (inputs with the same name: give them separate --output-dir runs)",
    )


def _write(item: InputItem, outcome: Outcome, options: Options, written: set[Path]) -> Outcome:
    from digestkit.errors import DigestkitError
    from digestkit.fileio import write_atomic

    try:
        if options.output is not None and str(options.output) == "-":
            _emit(outcome.after)
            return outcome
        target = _target(item, options)
        in_place = options.output is None and options.output_dir is None
        if target is None or (in_place and outcome.status == "unchanged"):
            return outcome
        if target.resolve() in written:
            return _written_twice(outcome.name, target)
        write_atomic(target, outcome.after, backup="always" if options.backup else "none")
        written.add(target.resolve())
    except DigestkitError as err:
        return Outcome(outcome.name, "failed", err.message)
    except OSError as exc:
        return Outcome(outcome.name, "failed", f"cannot write: {exc.strerror or exc}")
    return outcome


def _emit(data: bytes) -> None:
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        sys.stdout.flush()
        stream.write(data)
        stream.flush()
    else:
        sys.stdout.write(data.decode("utf-8"))


def _repaired_label(options: Options) -> str:
    """'repaired' when the run writes somewhere; 'would repair' for --check/--diff/--explain."""
    return "would repair" if _reports(options) and not options.writes else "repaired"


def _tell(outcome: Outcome, options: Options) -> None:
    if outcome.status == "unchanged" or (options.quiet and outcome.status == "repaired"):
        return
    verb = {
        "repaired": _repaired_label(options),
        "skipped": "warning: skipped",
        "refused": "error: refused",
        "failed": "error",
    }[outcome.status]
    detail = f" ({outcome.detail})" if outcome.detail else ""
    typer.echo(f"digestkit: {verb}: {outcome.name}{detail}", err=True)


def _finish(counts: dict[str, int], reports: ExplainOut, options: Options, *, single: bool) -> int:
    from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

    if options.explain:
        reports.finish(counts)
    if not single or options.check:
        labels = {**{key: key for key in counts}, "repaired": _repaired_label(options)}
        summary = ", ".join(f"{n} {labels[key]}" for key, n in counts.items())
        typer.echo(f"digestkit: {summary}", err=True)
    if counts["failed"] or counts["refused"]:
        return EXIT_ERROR
    if options.check and counts["repaired"]:
        return EXIT_FINDINGS
    return EXIT_OK


def _unified_diff(outcome: Outcome) -> str:
    import difflib

    if outcome.status != "repaired":
        return ""
    after = outcome.after.decode("utf-8").removeprefix("\ufeff")
    lines = difflib.unified_diff(
        outcome.before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{outcome.name}",
        tofile=f"b/{outcome.name}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


class _progress:
    """A rich progress bar on stderr for long runs on a terminal; otherwise nothing.

    ``total`` may be unknown (``None``: a tar archive is not listed twice); the bar then
    pulses. stdout is left alone: it carries the text, diffs or JSON.
    """

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.enabled = (total is None or total >= PROGRESS_FROM) and sys.stderr.isatty()
        self._bar: Any = None

    def __enter__(self) -> Callable[[], None]:
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import Progress

        self._bar = Progress(console=Console(stderr=True), transient=True, redirect_stdout=False)
        self._bar.start()
        task = self._bar.add_task("repairing", total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
