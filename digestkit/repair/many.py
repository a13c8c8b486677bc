"""Repair many documents on any :class:`concurrent.futures.Executor`, by reference.

The driver (the process that runs ``digestkit repair``) lists the documents and sends
*references* to the workers: a path or URL, or an (archive, member) pair. Workers read,
decode, repair and write the result themselves (atomically), and send back only a small
:class:`Record` (status, detail, the ``--explain`` report when asked). So the driver's
cost per document is a listing entry and a record, whatever the executor: a local
:class:`~concurrent.futures.ProcessPoolExecutor` (``--jobs N``) or a Dask cluster
(``Client.get_executor()``, ``--dask``), whose long-lived workers keep the repair model
loaded between tasks (it is cached at module level in each process).

Documents travel in batches (:data:`BATCH`, contiguous in input order), so the per-task
cost of the executor is shared; results are collected in submission order, so the report
and messages come out exactly as with ``--jobs 1``. A document that fails (unreadable,
undecodable, unwritable) fails the same way every time: that is a ``failed`` record, never
an exception, so a cluster does not retry it. Only a lost worker (killed, out of memory)
makes the executor run a batch again; since every write is atomic and idempotent
(content already there is not rewritten), a rerun changes nothing.

Archives: a ``.zip`` and a plain ``.tar`` are listed by the driver (the zip's central
directory, the tar's headers: no member is read) and each member is read by its worker
with a ranged read; a compressed tar cannot be entered in the middle, so one worker reads
it from start to end and repairs all its members (one task).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import tarfile
import time
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from digestkit.errors import LimitExceeded
from digestkit.repair import files
from digestkit.repair.limits import DEFAULT_LIMITS, RepairLimits, within_count
from digestkit.storage import is_url, join, list_files, read_bytes, url_fs, write_object

__all__ = ["BATCH", "Job", "Record", "Ref", "iter_refs", "repair_batch", "repair_many", "warm_up"]

#: Documents per task: large enough that the executor's per-task cost (a few hundred
#: microseconds of driver CPU with Dask) is shared, small enough to balance the workers.
BATCH = 32


@dataclass(frozen=True)
class Job:
    """What every worker needs to know about the run (small, sent with each batch).

    ``output`` is where results go: a local directory, a URL prefix, or ``None`` (no
    writes: ``--check``/``--diff``/``--explain``); ``in_place`` rewrites the inputs.
    """

    output: str | None = None
    in_place: bool = False
    backup: bool = True
    lossy: bool = True
    encoding: str | None = None
    explain: bool = False
    diff: bool = False
    check: bool = False
    limits: RepairLimits = DEFAULT_LIMITS

    @property
    def writes(self) -> bool:
        return not self.check and (self.output is not None or self.in_place)


@dataclass(frozen=True)
class Ref:
    """One document (or, ``kind == "tarstream"``, a compressed tar of them), by reference.

    ``source`` is the file, object or archive; ``member`` the archive member; ``start`` and
    ``end`` the byte range of a plain tar member; ``fs`` the fsspec filesystem for objects
    in storage (``None`` on the local disk). ``taken`` marks a document whose output path an
    earlier document of the run already claims: the driver decides what happens to it.
    """

    name: str
    relpath: str
    kind: str = "file"  # file | zip | tar | tarstream | problem | skip
    source: str = ""
    member: str = ""
    start: int = -1
    end: int = -1
    problem: str | None = None
    fs: Any = None
    taken: bool = False
    skip: str | None = None  # left alone on purpose (a symlink in a folder): a note
    refused: str | None = None  # a limit (RepairLimits) was hit: reported as refused


@dataclass(frozen=True)
class Record:
    """What happened to one document: all that comes back to the driver.

    ``target`` is the output path the document claims; ``wrote`` whether it was written
    (or already held this content); ``deferred`` that it was not written because
    ``taken`` (see :class:`Ref`).
    """

    name: str
    status: str
    detail: str = ""
    report: dict[str, Any] | None = None
    diff: str = ""
    target: str = ""
    wrote: bool = False
    deferred: bool = False


# ----------------------------------------------------------------------------- listing


def iter_refs(
    inputs: Sequence[str], exclude: Sequence[Path] = (), limits: RepairLimits = DEFAULT_LIMITS
) -> Iterator[Ref]:
    """References to every document of ``inputs``, in the order ``iter_inputs`` gives.

    Nothing here reads a document: directories are walked, archives listed.
    """
    for raw in inputs:
        if is_url(raw):
            yield from _url_refs(raw, limits)
            continue
        path = Path(raw)
        if files.is_archive(path) and path.is_file():
            yield from _archive_refs(str(path), path.name, None, limits=limits)
            continue
        for item in files.iter_inputs([raw], exclude, limits):
            yield _item_ref(item)


def _item_ref(item: files.InputItem) -> Ref:
    if item.skip is not None:
        return Ref(item.name, str(item.relpath), "skip", str(item.path or ""), skip=item.skip)
    kind = "problem" if item.problem or item.refused or item.path is None else "file"
    return Ref(item.name, str(item.relpath), kind, str(item.path or ""), problem=item.problem,
               refused=item.refused)  # fmt: skip


def _url_refs(url: str, limits: RepairLimits) -> Iterator[Ref]:
    fs, root = url_fs(url)
    scheme = url.split("://", 1)[0]
    try:
        entries = list(list_files(fs, root))
    except OSError as exc:
        yield Ref(url, url.rsplit("/", 1)[-1] or "_", "problem", problem=f"cannot list: {exc}")
        return
    if not entries:
        yield Ref(url, url.rsplit("/", 1)[-1] or "_", "problem", problem="no such file")
    for path, relpath in entries:
        name = f"{scheme}://{path}"
        if files.is_archive(PurePosixPath(path)):  # type: ignore[arg-type]
            yield from _archive_refs(path, PurePosixPath(relpath).name, fs, name, limits)
        else:
            yield Ref(name, relpath, "file", path, fs=fs)


def _archive_refs(
    source: str,
    label: str,
    fs: Any,
    name: str | None = None,
    limits: RepairLimits = DEFAULT_LIMITS,
) -> Iterator[Ref]:
    shown = name or source
    lower = source.lower()
    try:
        if lower.endswith(".zip"):
            yield from _counted(_zip_refs(source, shown, fs, limits), shown, label, limits)
        elif lower.endswith(".tar"):
            yield from _counted(_tar_refs(source, shown, fs, limits), shown, label, limits)
        else:
            yield Ref(shown, label, "tarstream", source, fs=fs)
    except files.ARCHIVE_ERRORS as exc:
        yield Ref(shown, label, "problem", source, problem=f"bad archive: {files.why(exc)}")


def _counted(refs: Iterator[Ref], shown: str, label: str, limits: RepairLimits) -> Iterator[Ref]:
    """As :func:`digestkit.repair.files.counted_members`, for references."""
    for ref in within_count(refs, limits):
        if isinstance(ref, LimitExceeded):
            ref = Ref(shown, label, "problem", refused=ref.message)
        yield ref


def _open(source: str, fs: Any) -> Any:
    if fs is None:
        return open(source, "rb")  # noqa: SIM115 - closed by the caller's with
    return fs.open(source, "rb", block_size=256 * 1024)


def _zip_refs(source: str, shown: str, fs: Any, limits: RepairLimits) -> Iterator[Ref]:
    with _open(source, fs) as handle, zipfile.ZipFile(handle) as zf:
        infos = zf.infolist()
    for info in infos:
        if info.is_dir():
            continue
        member = files._zip_member_name(info)
        relpath, problem = files._member_relpath(member)
        problem = problem or files.zip_member_refusal(info)
        refused = (
            None
            if problem or info.file_size <= limits.max_member_bytes
            else files._too_large(limits)
        )
        kind = "problem" if problem or refused else "zip"
        yield Ref(f"{shown}:{files.shown_name(member)}", str(relpath), kind, source, info.filename, problem=problem,
                  fs=fs, refused=refused)  # fmt: skip


def _tar_refs(source: str, shown: str, fs: Any, limits: RepairLimits) -> Iterator[Ref]:
    """The members of a plain tar by byte range; damage is reported as the sequential
    walk reports it (:func:`digestkit.repair.files._tar_members`), at the same place."""
    watch = files.TarWatch()
    relpath = PurePosixPath(PurePosixPath(source).name)

    def damaged(resumed: bool) -> Ref:
        item = files.damaged_archive_item(shown, relpath, watch.take(), watch.last, resumed)
        return Ref(item.name, str(item.relpath), "problem", source, problem=item.problem, fs=fs)

    try:
        with (
            _open(source, fs) as handle,
            tarfile.open(
                fileobj=handle, mode="r:", tarinfo=watch.tarinfo(), ignore_zeros=True
            ) as tf,
        ):
            for info in tf:
                if watch.damage:
                    yield damaged(True)
                ref = _tar_ref(info, source, shown, fs, limits)
                if ref is not None:
                    yield ref
                watch.last = files.shown_name(files._tar_member_name(info.name))
    except files.ARCHIVE_ERRORS as exc:
        if watch.last is None and not watch.damage:
            raise  # not a tar at all: "bad archive"
        watch.damage.append(files.why(exc))
        watch.ended = False
    if watch.lost():
        yield damaged(False)


def _tar_ref(
    info: tarfile.TarInfo, source: str, shown: str, fs: Any, limits: RepairLimits
) -> Ref | None:
    if info.isdir():
        return None
    member = files._tar_member_name(info.name)
    relpath, problem = files._member_relpath(member)
    if info.issym() or info.islnk():
        problem = f"link member refused (-> {info.linkname})"
    elif not info.isfile():
        problem = "special member refused (device, fifo)"
    refused = None if problem or info.size <= limits.max_member_bytes else files._too_large(limits)
    kind = "problem" if problem or refused else "tar"
    start = info.offset_data
    return Ref(f"{shown}:{files.shown_name(member)}", str(relpath), kind, source, info.name,
               start, start + info.size, problem, fs, refused=refused)  # fmt: skip


# ----------------------------------------------------------------------------- workers


def repair_batch(refs: Sequence[Ref], job: Job) -> list[Record]:
    """Read, repair and write ``refs`` (a worker's task); one record per document.

    Deterministic failures are records; only a lost worker or a bug raises. Members of
    one zip in a batch share one open archive (one central-directory read).
    """
    records: list[Record] = []  # (one thread each: options.jobs > 1 or dask, see cli.repair)
    with contextlib.ExitStack() as stack:
        zips: dict[str, zipfile.ZipFile] = {}

        def read(ref: Ref) -> bytes:
            if ref.kind != "zip":
                return _read(ref)
            if ref.source not in zips:
                handle = stack.enter_context(_open(ref.source, ref.fs))
                zips[ref.source] = stack.enter_context(zipfile.ZipFile(handle))
            return files.read_zip_member(zips[ref.source], ref.member, job.limits.max_member_bytes)

        for ref in refs:
            if ref.kind == "tarstream":
                records.extend(_tarstream(ref, job))
            else:
                records.append(_repair_one(ref, job, functools.partial(read, ref)))
    return records


def warm_up() -> str:
    """Import the repair code and load the model in this process (run it on every worker
    of a long-lived cluster, ``client.run(warm_up)``, so the first batches do not pay it)."""
    from digestkit.cli import repair  # noqa: F401 - the import is the point
    from digestkit.repair import repair_text

    repair_text("cafÃ©")
    return "warm"


def _read(ref: Ref) -> bytes:
    if ref.kind == "tar":
        if ref.fs is not None:
            return read_bytes(ref.fs, ref.source, ref.start, ref.end)
        with open(ref.source, "rb") as handle:
            handle.seek(ref.start)
            data = handle.read(ref.end - ref.start)
        if len(data) != ref.end - ref.start:  # a truncated tar, worded as tarfile words it
            raise tarfile.ReadError("unexpected end of data")
        return data
    if ref.fs is not None:
        return read_bytes(ref.fs, ref.source)
    return Path(ref.source).read_bytes()


def _tarstream(ref: Ref, job: Job) -> list[Record]:
    """Every member of a compressed tar, read in one pass (as the local walk does)."""
    from digestkit.errors import DigestkitError

    records = []
    with contextlib.ExitStack() as stack:
        try:
            if ref.fs is None:  # the local walk, which reports a bad archive itself
                items: Iterable[files.InputItem] = files._archive_members(
                    Path(ref.source), job.limits
                )
            else:
                handle = stack.enter_context(_open(ref.source, ref.fs))
                items = files.counted_members(
                    _stream_members(handle, ref.name, job.limits), ref.name, job.limits
                )
            for item in items:
                bad = item.problem or item.refused
                one = Ref(item.name, str(item.relpath), "problem" if bad else "file",
                          ref.source, problem=item.problem, fs=ref.fs, refused=item.refused)  # fmt: skip
                records.append(_repair_one(one, job, item.read))
        except DigestkitError as exc:
            records.append(Record(ref.name, "failed", f"bad archive: {exc}"))
        except files.ARCHIVE_ERRORS as exc:
            records.append(Record(ref.name, "failed", f"bad archive: {files.why(exc)}"))
    return records


def _stream_members(handle: Any, shown: str, limits: RepairLimits) -> Iterator[files.InputItem]:
    """The members of a compressed tar in storage, read in one forward pass; damage is
    reported as the local walk reports it (:func:`digestkit.repair.files._tar_members`)."""
    import tarfile as _tarfile

    watch = files.TarWatch()
    relpath = PurePosixPath(PurePosixPath(shown).name)
    try:
        with _tarfile.open(
            fileobj=handle, mode="r|*", tarinfo=watch.tarinfo(), ignore_zeros=True
        ) as tf:
            for info in tf:
                if watch.damage:
                    yield files.damaged_archive_item(shown, relpath, watch.take(), watch.last, True)
                item = files.tar_member_item(tf, info, shown, limits)
                if item is not None:
                    yield item
                watch.last = files.shown_name(files._tar_member_name(info.name))
            files.drain(tf.fileobj)
    except files.ARCHIVE_ERRORS as exc:
        if watch.last is None and not watch.damage:
            raise
        watch.damage.append(files.why(exc))
        watch.ended = False
    if watch.lost():
        yield files.damaged_archive_item(shown, relpath, watch.take(), watch.last)


def _repair_one(ref: Ref, job: Job, read: Callable[[], bytes]) -> Record:
    from digestkit.cli import repair as cli

    if ref.skip is not None:
        return Record(ref.name, "skipped", ref.skip)
    if ref.refused is not None:
        return Record(ref.name, "refused", ref.refused)
    if ref.problem is not None:
        return Record(ref.name, "failed", ref.problem)
    streamed = _streamed(ref, job)
    if streamed is not None:
        return streamed
    try:
        data = read()
    except files.ARCHIVE_ERRORS as exc:
        if ref.kind in {"zip", "tar"}:  # worded as the sequential archive walk words it
            return Record(ref.name, "failed", f"cannot read member: {exc}")
        detail = getattr(exc, "strerror", None) or str(exc)
        return Record(ref.name, "failed", f"cannot read: {detail}")
    except LimitExceeded as err:
        return Record(ref.name, "refused", err.message)
    except files.InputError as err:
        return Record(ref.name, "failed", err.message)
    options = _options(job)
    outcome = cli._repair_data(ref.name, data, options)
    target, wrote, deferred = "", False, False
    if job.writes and outcome.status in {"repaired", "unchanged"}:
        target = _target(ref, job)
        if ref.taken:
            deferred = True
        else:
            outcome, wrote = _write(ref, outcome, job, target)
    diff = cli._unified_diff(outcome) if job.diff else ""
    return Record(outcome.name, outcome.status, outcome.detail, outcome.report, diff, target,
                  wrote, deferred)  # fmt: skip


def _streamed(ref: Ref, job: Job) -> Record | None:
    """A large local file written to a local target, repaired as a stream
    (:mod:`digestkit.cli.repair_large`: bounded memory, the same bytes and message); None
    for every other document (read whole, as before)."""
    from digestkit.cli import repair_large
    from digestkit.errors import DigestkitError

    # A run's own conditions: a plain local file written to the local disk, and no --explain
    # report to gather (the ordinary path builds it). Whether a document that size, with
    # these options, streams is repair_large.wanted's answer, as for a single file.
    local_out = job.in_place or (job.output is not None and not is_url(job.output))
    if ref.kind != "file" or ref.fs is not None or ref.taken or not local_out or job.explain:
        return None
    options = _options(job)
    item = files.InputItem(ref.name, PurePosixPath(ref.relpath), path=Path(ref.source))
    if not repair_large.wanted(item, options):
        return None  # an unreadable file among them: reported where it is read
    target = _target(ref, job)
    try:
        outcome = repair_large.repair_item(item, options, Path(target))
    except DigestkitError as err:
        line = err.context.get("line")
        detail = f"line {line}: {err.message}" if line else err.message
        return Record(ref.name, "failed", detail)
    except OSError as exc:
        return Record(ref.name, "failed", f"cannot write: {exc.strerror or exc}")
    if outcome is None:  # not UTF-8: read whole, as before
        return None
    wrote = outcome.status in {"repaired", "unchanged"}
    return Record(outcome.name, outcome.status, outcome.detail, target=target, wrote=wrote)


def _options(job: Job) -> Any:
    """The job as the command line's options (where results go included)."""
    from digestkit.cli.repair import Options

    url = job.output if job.output is not None and is_url(job.output) else None
    folder = Path(job.output) if job.output is not None and url is None else None
    return Options(None, folder, job.in_place, job.backup, job.check, job.diff, job.explain,
                   True, job.lossy, job.encoding, output_url=url)  # fmt: skip


def _target(ref: Ref, job: Job) -> str:
    """Where ``ref``'s result goes: the key the driver uses to find two documents that
    would write the same file."""
    if job.in_place:
        return str(Path(ref.source).resolve()) if ref.fs is None else ref.source
    assert job.output is not None
    if is_url(job.output):
        return job.output.rstrip("/") + "/" + str(files.safe_relpath(ref.relpath))
    try:
        return str(files.target_path(Path(job.output), PurePosixPath(ref.relpath)))
    except files.InputError:
        return str(Path(job.output).resolve() / ref.relpath)


def _write(ref: Ref, outcome: Any, job: Job, target: str) -> tuple[Any, bool]:
    from digestkit.errors import DigestkitError
    from digestkit.fileio import write_atomic

    failed = None
    try:
        if job.in_place:
            if outcome.status == "unchanged":
                return outcome, False
            if ref.fs is not None:
                write_object(ref.fs, ref.source, outcome.after, backup=job.backup)
            else:
                write_atomic(target, outcome.after, backup="always" if job.backup else "none")
        elif is_url(job.output or ""):
            fs, root = url_fs(job.output or "")
            key = join(root, str(files.safe_relpath(ref.relpath)))
            write_object(fs, key, outcome.after, backup=job.backup)
        else:
            real = files.target_path(Path(job.output or "."), PurePosixPath(ref.relpath))
            write_atomic(real, outcome.after, backup="always" if job.backup else "none")
    except DigestkitError as err:
        failed = err.message
    except OSError as exc:
        failed = f"cannot write: {exc.strerror or exc}"
    if failed is not None:
        return replace(outcome, status="failed", detail=failed, report=None), False
    return outcome, True


# ----------------------------------------------------------------------------- driver


def repair_many(
    inputs: Sequence[str] | Iterable[Ref],
    output_dir: str | os.PathLike[str] | None,
    executor: Executor,
    job: Job | None = None,
    *,
    window: int = 0,
    batch: int = BATCH,
) -> Generator[Record, None, None]:
    """Repair every document of ``inputs`` on ``executor``; yield records in input order.

    ``inputs`` are paths/URLs (listed with :func:`iter_refs`) or references already
    listed. At most ``window`` batches are in flight (default: enough to keep every worker
    busy), so memory stays flat over a million documents. Closing the generator early
    (Ctrl-C) cancels what has not started.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> import tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp()); _ = (src / "a.md").write_text("cafÃ©")
    >>> out = src / "out"
    >>> with ThreadPoolExecutor(2) as pool:
    ...     [r.status for r in repair_many([str(src / "a.md")], out, pool)]
    ['repaired']
    >>> (out / "a.md").read_text(encoding="utf-8")
    'café'
    """
    output = None if output_dir is None else os.fspath(output_dir)
    job = job or Job(output=output)
    if output is not None and job.output != output:
        job = replace(job, output=output)
    refs = _refs(inputs, job)
    window = window or 2 * max(1, _workers(executor))
    pending: collections.deque[tuple[list[Ref], Future[list[Record]]]] = collections.deque()
    written: set[str] = set()
    started = time.time() - 1.0  # file-system timestamps may be coarser than ours
    try:
        for chunk in _batches(refs, batch):
            pending.append((chunk, executor.submit(repair_batch, chunk, job)))
            while len(pending) >= window:
                yield from _settle(*pending.popleft(), executor, job, written)
        while pending:
            yield from _settle(*pending.popleft(), executor, job, written)
        _sweep_temps(written, started)
    finally:
        for _, future in pending:
            future.cancel()


def _sweep_temps(written: set[str], since: float) -> None:
    """Remove the temporary files that workers killed mid-write left beside outputs.

    A worker killed between creating ``.NAME.XXXXXXXX.tmp`` and renaming it leaves that
    file; its batch ran again elsewhere and wrote ``NAME``. So a temporary file of this run
    (not older than its start) beside a written output is such a leftover. One directory
    listing per output directory, metadata only; outputs in object storage have none (one
    PUT each, see :mod:`digestkit.storage`).
    """
    from digestkit.fileio import is_leftover_temp

    by_folder: dict[str, set[str]] = collections.defaultdict(set)
    for target in written:
        if not is_url(target):
            folder, _, name = target.rpartition(os.sep)
            by_folder[folder].add(name)
    for folder, names in by_folder.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # not visible from the driver (outputs on the workers' own disks)
        for entry in entries:
            if not entry.name.startswith(".") or not is_leftover_temp(entry.name):
                continue
            base = entry.name[1:].rsplit(".", 2)[0]
            with contextlib.suppress(OSError):
                if base in names and entry.stat(follow_symlinks=False).st_mtime >= since:
                    os.unlink(entry.path)


def _refs(inputs: Sequence[str] | Iterable[Ref], job: Job) -> Iterator[Ref]:
    """References with ``taken`` set on those whose output path an earlier one claims."""
    items: Iterable[Ref]
    if isinstance(inputs, Sequence) and all(isinstance(x, str) for x in inputs):
        exclude = [] if job.output is None or is_url(job.output) else [Path(job.output)]
        items = iter_refs(list(inputs), exclude, job.limits)  # type: ignore[arg-type]
    else:
        items = inputs  # type: ignore[assignment]
    if not job.writes:
        yield from items
        return
    seen: set[str] = set()
    for ref in items:
        if ref.kind in {"problem", "tarstream", "skip"}:
            yield ref
            continue
        key = _target_key(ref, job)
        yield replace(ref, taken=True) if key in seen else ref
        seen.add(key)


def _target_key(ref: Ref, job: Job) -> str:
    """The output path ``ref`` claims, spelled without touching the disk (the driver's
    cost per document is what bounds a cluster: no ``realpath`` here). Two documents that
    meet only through a symlink inside the output directory are not caught here; the
    worker's resolved target still is, in :func:`_settle`, after the fact."""
    if job.in_place:
        return os.path.abspath(ref.source) if ref.fs is None else ref.source
    try:
        relpath = str(files.safe_relpath(ref.relpath))
    except files.InputError:
        return f"\0{ref.name}"
    return f"{(job.output or '').rstrip('/')}/{relpath}"


def _settle(
    chunk: list[Ref],
    future: Future[list[Record]],
    executor: Executor,
    job: Job,
    written: set[str],
) -> Iterator[Record]:
    """Records as ``--jobs 1`` would have them: a document whose output path an earlier
    one wrote fails; one whose claimer did not write is written now (rare: two inputs with
    the same relative path, the first a binary file or failing)."""
    try:
        records = future.result()
    except Exception as exc:  # the batch's worker died every time it ran it, or a bug
        records = _one_by_one(chunk, executor, job, exc)
    for record in records:
        if record.deferred:
            if record.target in written:
                detail = (
                    f"{record.target} was already written in this run by another input with "
                    "the same path (inputs with the same name: give them separate "
                    "--output-dir runs)"
                )  # the same words as cli.repair's, so --jobs N reports what --jobs 1 does
                record = replace(record, status="failed", detail=detail, report=None)
            else:
                ref = next(ref for ref in chunk if ref.name == record.name)
                redo = executor.submit(repair_batch, [replace(ref, taken=False)], job)
                record = redo.result()[0]
        if record.wrote:
            written.add(record.target)
        yield record


def _one_by_one(chunk: list[Ref], executor: Executor, job: Job, exc: Exception) -> list[Record]:
    """Run a batch that failed as a whole again, one document per task, so that the
    document that kills its worker (a crash in native code, memory) fails alone, reported
    once, and the others of its batch are repaired. Dask gives up on a task after its
    workers died ``distributed.scheduler.allowed-failures`` times (3), so this ends."""
    if len(chunk) == 1:
        return [Record(chunk[0].name, "failed", f"the worker failed on it: {_why(exc)}")]
    records: list[Record] = []
    for ref in chunk:
        try:
            records.extend(executor.submit(repair_batch, [ref], job).result())
        except Exception as again:
            records.append(Record(ref.name, "failed", f"the worker failed on it: {_why(again)}"))
    return records


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _batches(refs: Iterable[Ref], size: int) -> Iterator[list[Ref]]:
    chunk: list[Ref] = []
    for ref in refs:
        chunk.append(ref)
        if len(chunk) >= size or ref.kind == "tarstream":
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _workers(executor: Executor) -> int:
    count = getattr(executor, "_max_workers", None)
    if isinstance(count, int):
        return count
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # a cluster that does not answer: a small window still works
            return 4
    return os.cpu_count() or 1
