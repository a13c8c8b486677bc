"""The disk side of ``digestkit repair``: find the documents, write results safely.

Repair itself is pure (:mod:`digestkit.repair`); this module is the edge that touches the
file system, so the rules that protect a user's files live in one place:

* inputs are files, directories (walked, hidden directories and ``*.orig`` backups left
  out, symlinks skipped with a note) and ``.zip`` / ``.tar`` / ``.tar.gz`` archives, each
  document keeping a relative path for ``--output-dir``: a directory keeps its own name
  (``repair a/ b/ -d out/`` writes ``out/a/…`` and ``out/b/…``, as ``cp -r`` does, so two
  bot repositories with a README.md each do not collide); a file keeps its name; an
  archive's members keep their paths inside it;
* an archive member that would land outside the output directory (absolute path, ``..``,
  a symlink or hardlink, a device) is refused, never extracted;
* every write is atomic (a temporary file in the same directory, then ``os.replace``), and
  a file that is overwritten with different content is first kept as ``FILE.orig``
  (``FILE.orig.1``, ... if that exists: an older backup is never clobbered).

Problems with one input (unreadable, refused) become values on that input, so a run over
an archive reports them and goes on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import lzma
import os
import re
import stat
import tarfile
import tempfile
import time
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from digestkit.errors import InputError, LimitExceeded
from digestkit.fileio import is_leftover_temp, write_atomic
from digestkit.repair.limits import DEFAULT_LIMITS, RepairLimits, within_count

__all__ = [
    "InputItem",
    "count_inputs",
    "is_archive",
    "iter_inputs",
    "damaged_archive_item",
    "read_capped",
    "read_zip_member",
    "TarWatch",
    "safe_relpath",
    "target_path",
    "write_atomic",
]

logger = logging.getLogger(__name__)

#: How much of a member is inflated at a time (the running cap is checked after each).
_CHUNK = 1024 * 1024

#: What a damaged archive stream or member raises from the standard library: corrupt
#: deflate/LZMA/bzip2 data, a truncated stream, a header tarfile cannot parse, a name it
#: cannot decode. Caught where a member is read, so no traceback escapes.
ARCHIVE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    tarfile.TarError,
    zipfile.BadZipFile,
    ValueError,
    RuntimeError,
    NotImplementedError,
    KeyError,
)

_BACKUP = re.compile(r"\.orig(\.\d+)?$")  # what write_atomic names its backups
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


@dataclass(frozen=True)
class InputItem:
    """One document to repair.

    ``name`` is what messages show (``docs/a.md``, ``papers.zip:2024/a.md``); ``relpath``
    is where it goes under ``--output-dir``; ``path`` is the file on disk (``None`` for
    archive members). ``problem`` says why it cannot be read (an error: the run reports
    it and goes on); ``refused`` which limit (:class:`RepairLimits`) it hit; ``skip`` says
    why it is deliberately left alone (a note, not an error: a symlink inside a folder);
    otherwise :meth:`read` returns its bytes.
    """

    name: str
    relpath: PurePosixPath
    path: Path | None = None
    problem: str | None = None
    skip: str | None = None
    refused: str | None = None
    _loader: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)
    #: A large archive member, spooled to a temporary file (removed with this item).
    spooled: Spooled | None = field(default=None, repr=False, compare=False)

    def source_path(self) -> Path | None:
        """The file holding the document's bytes, when there is one (a file, or a large
        member spooled to disk), so that it can be read as a stream."""
        if self.spooled is not None:
            return self.spooled.path
        return self.path

    def read(self) -> bytes:
        """The bytes of the document; raises :class:`InputError` naming it on failure."""
        if self.refused is not None:
            raise LimitExceeded(self.refused, path=self.name)
        if self.problem is not None or self.skip is not None or self._loader is None:
            raise InputError(self.problem or self.skip or "nothing to read", path=self.name)
        try:
            return self._loader()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path=self.name) from exc


def is_archive(path: Path) -> bool:
    """Whether ``path`` names an archive whose members are repaired one by one.

    >>> is_archive(Path("papers.tar.gz")), is_archive(Path("notes.md"))
    (True, False)
    """
    return path.name.lower().endswith(_ARCHIVE_SUFFIXES)


def iter_inputs(
    inputs: Sequence[str | Path],
    exclude: Sequence[Path] = (),
    limits: RepairLimits = DEFAULT_LIMITS,
) -> Iterator[InputItem]:
    """Expand files, directories and archives into documents, in a stable order.

    Directories are walked in sorted order without following symlinks, leaving out the
    ``exclude`` directories (the output directory, when it sits inside an input); archive
    members are read as they are listed. Nothing here raises for one bad input: it
    becomes an item with a ``problem`` (or, past one of the ``limits``, ``refused``).
    """
    skip = {folder.resolve() for folder in exclude}
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, skip)
        elif is_archive(path) and path.is_file():
            yield from _archive_members(path, limits)
        else:
            yield _file_item(path, PurePosixPath(path.name), str(raw))


def count_inputs(inputs: Sequence[str | Path], exclude: Sequence[Path] = ()) -> int | None:
    """How many documents :func:`iter_inputs` will yield, or ``None`` if only reading
    them would tell (a compressed tar must be decompressed to be listed).
    """
    skip = {folder.resolve() for folder in exclude}
    total = 0
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            total += sum(1 for _ in _walk(path, skip))
        elif is_archive(path) and path.is_file():
            if not path.name.lower().endswith(".zip"):
                return None
            try:
                with zipfile.ZipFile(path) as zf:
                    total += sum(1 for info in zf.infolist() if not info.is_dir())
            except (OSError, zipfile.BadZipFile):
                total += 1
        else:
            total += 1
    return total


def _file_item(path: Path, relpath: PurePosixPath, name: str) -> InputItem:
    if not path.exists() and not path.is_symlink():
        return InputItem(name, relpath, path, problem="no such file")
    if path.is_dir():
        return InputItem(name, relpath, path, problem="is a directory")
    return InputItem(name, relpath, path, _loader=path.read_bytes)


def _walk(root: Path, skip: set[Path]) -> Iterator[InputItem]:
    def on_error(exc: OSError) -> None:
        logger.warning("cannot list %s: %s", exc.filename, exc.strerror)

    # The folder's own name leads every relative path, as with cp -r ("." is named too).
    top = PurePosixPath(root.resolve().name or "_")

    for folder, dirs, files in os.walk(root, onerror=on_error):
        # Hidden directories are version control and tool state (.git, .venv), not documents.
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and Path(folder, d).resolve() not in skip
        )
        for filename in sorted(files):
            if _BACKUP.search(filename):
                continue  # our own backups
            path = Path(folder, filename)
            if is_leftover_temp(path):  # a half-written output: never a document
                _remove_stale_temp(path)
                continue
            relpath = top / path.relative_to(root).as_posix()
            name = str(path)
            if path.is_symlink():
                yield InputItem(name, relpath, path, skip="symlink, not followed")
            else:
                yield _file_item(path, relpath, name)


STALE_TEMP_SECONDS = 600.0


def _remove_stale_temp(path: Path) -> None:
    """Remove a temporary file a killed run left (older than ``STALE_TEMP_SECONDS``; a
    younger one may belong to a run still writing it, so it is only skipped)."""
    try:
        if time.time() - path.lstat().st_mtime > STALE_TEMP_SECONDS:
            path.unlink()
            logger.warning("removed %s, a temporary file left by a killed run", path)
    except OSError:
        pass


def _archive_members(archive: Path, limits: RepairLimits = DEFAULT_LIMITS) -> Iterator[InputItem]:
    opener = _zip_members if archive.name.lower().endswith(".zip") else _tar_members
    try:
        yield from counted_members(opener(archive, limits), str(archive), limits)
    except ARCHIVE_ERRORS as exc:
        yield InputItem(
            str(archive), PurePosixPath(archive.name), archive, problem=f"bad archive: {why(exc)}"
        )


def counted_members(
    items: Iterable[InputItem], archive: str, limits: RepairLimits
) -> Iterator[InputItem]:
    """``items`` up to ``limits.max_members``; then one refused item for the rest of the
    archive, which is not read further."""
    for item in within_count(items, limits):
        if isinstance(item, LimitExceeded):
            item = InputItem(archive, PurePosixPath(Path(archive).name), refused=item.message)
        yield item


def _zip_members(archive: Path, limits: RepairLimits = DEFAULT_LIMITS) -> Iterator[InputItem]:
    """Every member of a zip. The central directory lists them all, so a corrupt member
    (bad deflate or LZMA data, a wrong CRC) is a problem on that member and the next one
    is read."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            member = _zip_member_name(info)
            name = f"{archive}:{shown_name(member)}"
            relpath, problem = _member_relpath(member)
            problem = problem or zip_member_refusal(info)
            if problem:
                yield InputItem(name, relpath, problem=problem)
                continue
            if info.file_size > limits.max_member_bytes:
                yield InputItem(name, relpath, refused=_too_large(limits))
                continue
            try:
                with zf.open(info) as handle:
                    data = read_member(handle, limits.max_member_bytes)
            except LimitExceeded as err:  # (read_member raises nothing else of ours)
                yield InputItem(name, relpath, refused=err.message)
                continue
            except ARCHIVE_ERRORS as exc:
                yield InputItem(name, relpath, problem=f"cannot read member: {why(exc)}")
                continue
            yield _member_item(name, relpath, data)


def zip_member_refusal(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member may not be read at all (before inflating anything), or ``None``."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symlink member refused"
    if info.flag_bits & 0x1:
        return "encrypted member"
    return None


def _too_large(limits: RepairLimits) -> str:
    return f"member larger than {limits.max_member_bytes} bytes (--max-member-bytes)"


def read_zip_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo | str, limit: int = DEFAULT_LIMITS.max_member_bytes
) -> bytes:
    """A zip member's bytes, inflated through the running cap; :class:`LimitExceeded` if
    it inflates past ``limit`` (whatever its header declares), :class:`InputError` if it
    is corrupt."""
    try:
        with zf.open(info) as handle:
            return read_capped(handle, limit)
    except InputError:
        raise
    except ARCHIVE_ERRORS as exc:
        raise InputError(f"cannot read member: {why(exc)}") from exc


#: Members at least this large are spooled to a temporary file instead of memory.
SPOOL_FROM_BYTES = 8 * 1024 * 1024


class Spooled:
    """A temporary file holding one archive member, removed when the item is dropped."""

    def __init__(self, path: Path):
        self.path = path
        self._done = weakref.finalize(self, _remove_quietly, path)

    def read(self) -> bytes:
        return self.path.read_bytes()

    def remove(self) -> None:
        self._done()


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def read_member(
    handle: Any, limit: int = DEFAULT_LIMITS.max_member_bytes, spool: bool = True
) -> bytes | Spooled:
    """Read ``handle`` to the end in chunks, refusing it (:class:`LimitExceeded`) once it
    passes ``limit`` bytes: memory never holds more than the limit plus one chunk. With
    ``spool``, a member that reaches :data:`SPOOL_FROM_BYTES` goes on into a temporary
    file (through the same running cap), so that memory holds one chunk of it at a time."""
    chunks: list[bytes] = []
    size = 0
    out: BinaryIO | None = None
    spooled: Spooled | None = None
    try:
        while chunk := handle.read(min(_CHUNK, limit + 1 - size) or 1):
            size += len(chunk)
            if size > limit:
                raise LimitExceeded(_inflated_past(limit))
            if spool and out is None and size >= SPOOL_FROM_BYTES:
                fd, name = tempfile.mkstemp(prefix="digestkit-member-", suffix=".part")
                spooled = Spooled(Path(name))
                out = os.fdopen(fd, "wb")
                out.writelines(chunks)
                chunks = []
            if out is not None:
                out.write(chunk)
            else:
                chunks.append(chunk)
    except BaseException:
        if out is not None:
            out.close()
        if spooled is not None:
            spooled.remove()
        raise
    if spooled is not None:  # (out is open exactly when spooled is set)
        assert out is not None
        out.close()
        return spooled
    return b"".join(chunks)


def _inflated_past(limit: int) -> str:
    return (
        f"member larger than {limit} bytes (inflated past --max-member-bytes, "
        "whatever its header says)"
    )


def read_capped(handle: Any, limit: int = DEFAULT_LIMITS.max_member_bytes) -> bytes:
    """:func:`read_member` held in memory (nothing spooled)."""
    data = read_member(handle, limit, spool=False)
    assert isinstance(data, bytes)
    return data


def _tar_members(archive: Path, limits: RepairLimits = DEFAULT_LIMITS) -> Iterator[InputItem]:
    """Every member of a tar. A bad header is one failure naming the archive and the
    last member read whole, and reading resumes at the next good header (as GNU tar
    does); a stream that cannot be read on (corrupt compressed data) ends with such a
    failure. tarfile alone ends the listing silently at a bad header.

    A compressed tar is verified first (:func:`stream_damage`); when its stream is
    damaged, only the members wholly before the damage are written, each later member
    is reported as not written, and the archive is reported damaged."""
    damage = stream_damage(archive)
    watch = TarWatch()
    shown = str(archive)
    relpath = PurePosixPath(archive.name)
    trusted: str | None = None
    try:
        with tarfile.open(archive, tarinfo=watch.tarinfo(), ignore_zeros=True) as tf:
            for info in tf:
                if watch.damage:
                    yield damaged_archive_item(shown, relpath, watch.take(), watch.last, True)
                if damage is not None and info.offset_data + info.size > damage.trusted_end:
                    if not info.isdir():
                        name = f"{shown}:{shown_name(_tar_member_name(info.name))}"
                        member_path, _ = _member_relpath(_tar_member_name(info.name))
                        yield InputItem(name, member_path, problem=damage.untrusted)
                    continue
                item = tar_member_item(tf, info, shown, limits)
                if item is not None:
                    yield item
                watch.last = trusted = shown_name(_tar_member_name(info.name))
            drain(tf.fileobj)
    except ARCHIVE_ERRORS as exc:
        if watch.last is None and not watch.damage and damage is None:
            raise  # not a tar at all: "bad archive"
        watch.damage.append(why(exc))
        watch.ended = False
    if damage is not None:
        after = f"after member {trusted}" if trusted else "from its first member on"
        problem = f"damaged archive: {damage.why}; members {after} not trusted, not written"
        yield InputItem(shown, relpath, problem=problem)
    elif watch.lost():
        yield damaged_archive_item(shown, relpath, watch.take(), watch.last)


@dataclass(frozen=True)
class StreamDamage:
    """Where a compressed tar's stream is damaged: ``why`` in words; ``trusted_end`` the
    offset (in the decompressed tar) before which a member's data is known good."""

    why: str
    trusted_end: int

    @property
    def untrusted(self) -> str:
        return f"not written: it lies after damage in the compressed stream ({self.why})"


def stream_damage(archive: Path) -> StreamDamage | None:
    """Decompress a compressed tar once, before anything is written, and say whether its
    stream is damaged (``None``: intact, or not compressed, or no tar at all).

    Why a first pass, and why a damaged stream trusts nothing before the damage but a
    cut: gzip and a one-block xz verify their checksum only at the end of the stream,
    after every member was decoded, and a flipped bit does not stay put. A changed
    distance or literal keeps the decoder in step, and its wrong bytes are copied on by
    later back-references while every tar header still parses (measured: 13 of 20 gzip
    streams with one flipped byte mid-stream wrote members with wrong bytes even when
    only members before the last header that parsed were kept). Decoding fails, if it
    does, somewhere after the damage, by an unknown distance. So:

    * truncated (``EOFError``): what came before the cut is good, exactly;
    * any other failure (corrupt data, a wrong checksum or length): the damage cannot be
      located in the output, and no member is trusted.

    bzip2 checks each 900 kB block, which would locate the damage to a block; Python's
    ``bz2`` does not say where blocks start, so it is treated like gzip. Memory is what
    tarfile and the decompressor buffer; time is one more decompression of the stream.
    """
    try:
        with tarfile.open(archive, ignore_zeros=True) as tf:
            handle = tf.fileobj
            if isinstance(handle, io.BufferedReader | io.FileIO):
                return None  # not compressed: tar headers are all the checks there are
            try:
                for _ in tf:
                    pass
                drain(handle)
            except EOFError as exc:
                return StreamDamage(f"truncated: {why(exc)}", _tell(handle))
            except ARCHIVE_ERRORS as exc:
                return StreamDamage(f"{why(exc)}; the damage cannot be located", 0)
    except ARCHIVE_ERRORS:
        return None  # no readable tar: the second pass reports it as it reads
    return None


def _tell(handle: Any) -> int:
    try:
        return int(handle.tell())
    except ARCHIVE_ERRORS:
        return 0


class TarWatch:
    """What went wrong while tarfile read an archive's headers (it reads with
    ``ignore_zeros``, skipping blocks it cannot read, and says nothing about them).

    ``damage`` holds the reasons since the last member; ``ended`` whether a zero block (the
    end-of-archive marker) came before them, so junk after the end is not damage.
    """

    def __init__(self) -> None:
        self.damage: list[str] = []
        self.more = 0  # unreadable blocks after the first of the current run
        self.ended = False
        self.last: str | None = None

    def tarinfo(self) -> type[tarfile.TarInfo]:
        """A ``TarInfo`` class reporting here each header it cannot read."""
        watch = self

        class Watched(tarfile.TarInfo):
            @classmethod
            def fromtarfile(cls, tarfile_: tarfile.TarFile) -> Watched:
                try:
                    info = super().fromtarfile(tarfile_)
                except tarfile.HeaderError as exc:
                    kind = type(exc).__name__
                    if kind == "EOFHeaderError":
                        watch.ended = watch.ended or not watch.damage
                    elif kind != "EmptyHeaderError":  # no more data: the clean end
                        watch.bad_block(f"bad header at byte {tarfile_.offset} ({exc})")
                    raise
                watch.ended = False
                return info

        return Watched

    def bad_block(self, why: str) -> None:
        """Note one unreadable block: the first reason, then only a count (a large file
        that is no tar at all is thousands of them)."""
        if self.damage:
            self.more += 1
        else:
            self.damage.append(why)

    def lost(self) -> bool:
        """Whether damage at the end of the stream lost members (not junk after the end)."""
        return bool(self.damage) and not self.ended

    def take(self) -> str:
        """The first reason of the current run of damage (and how long the run was)."""
        first, more = self.damage[0], self.more + len(self.damage) - 1
        self.damage.clear()
        self.more = 0
        return f"{first}, and {more} more unreadable block(s)" if more else first


def tar_member_item(
    tf: tarfile.TarFile,
    info: tarfile.TarInfo,
    shown: str,
    limits: RepairLimits = DEFAULT_LIMITS,
) -> InputItem | None:
    """One tar member as an item (``None`` for a directory), its bytes read now through
    the running cap; a member whose data cannot be read whole is a problem on it."""
    if info.isdir():
        return None
    member = _tar_member_name(info.name)
    name = f"{shown}:{shown_name(member)}"
    relpath, problem = _member_relpath(member)
    if info.issym() or info.islnk():
        problem = f"link member refused (-> {info.linkname})"
    elif not info.isfile():
        problem = "special member refused (device, fifo)"
    if problem:
        return InputItem(name, relpath, problem=problem)
    if info.size > limits.max_member_bytes:
        return InputItem(name, relpath, refused=_too_large(limits))
    handle = tf.extractfile(info)
    if handle is None:
        return InputItem(name, relpath, problem="cannot read member")
    try:
        with handle:
            data = read_member(handle, limits.max_member_bytes)
        size = data.path.stat().st_size if isinstance(data, Spooled) else len(data)
        if size != info.size:  # a truncated tar
            if isinstance(data, Spooled):
                data.remove()
            raise tarfile.ReadError(f"member ends early ({size} of {info.size} bytes)")
    except LimitExceeded as err:
        return InputItem(name, relpath, refused=err.message)
    except InputError as err:
        return InputItem(name, relpath, problem=err.message)
    except ARCHIVE_ERRORS as exc:
        # The stream is damaged here: reading the next header says how (see _tar_members).
        return InputItem(name, relpath, problem=f"cannot read member: {why(exc)}")
    return _member_item(name, relpath, data)


def _member_item(name: str, relpath: PurePosixPath, data: bytes | Spooled) -> InputItem:
    if isinstance(data, Spooled):
        return InputItem(name, relpath, _loader=data.read, spooled=data)
    return InputItem(name, relpath, _loader=_constant(data))


def damaged_archive_item(
    shown: str, relpath: PurePosixPath, why: str, last: str | None, resumed: bool = False
) -> InputItem:
    """The failure that stands for the members a damaged archive lost."""
    after = f"after member {last}" if last else "before its first member"
    if resumed:
        problem = f"damaged archive: {why} {after}; a member was lost, reading went on"
    else:
        problem = f"damaged archive: {why}; stopped {after}, the members after it were not read"
    return InputItem(shown, relpath, problem=problem)


def drain(handle: Any) -> None:
    """Read a tar's stream to its end, so a compressed stream's checksum is verified
    (a corrupt ``.tar.gz`` whose headers still parse fails here, not silently)."""
    if isinstance(handle, io.BufferedReader | io.FileIO):
        return  # an uncompressed file on disk: nothing to verify
    while handle.read(_CHUNK):
        pass


def shown_name(member: str) -> str:
    """A member name fit for a one-line message (a NUL or line break shown escaped).

    >>> shown_name("a\\x00b.md")
    'a\\\\x00b.md'
    """
    if member.isprintable():
        return member
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in member)


def why(exc: BaseException) -> str:
    """The exception in one line (tarfile's "could not be opened" message has several)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, OSError | tarfile.TarError) else f"{type(exc).__name__}: {text}"


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member name as its author wrote it.

    Without the UTF-8 flag, zipfile reads names as cp437, but zips made on Japanese or
    Chinese Windows hold Shift_JIS or GBK names: decode those bytes like file content.
    """
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    return _decode_name(info.filename.encode("cp437"))


def _tar_member_name(name: str) -> str:
    """tarfile keeps undecodable name bytes as surrogates; decode them like content."""
    if name.isascii() or not any("\udc80" <= char <= "\udcff" for char in name):
        return name
    return _decode_name(name.encode("utf-8", errors="surrogateescape"))


def _decode_name(raw: bytes) -> str:
    from digestkit.repair.decode import decode_bytes

    return decode_bytes(raw).text


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _member_relpath(member: str) -> tuple[PurePosixPath, str | None]:
    """The member's relative path, or the reason it may not be written anywhere."""
    try:
        return safe_relpath(member), None
    except InputError as err:
        return PurePosixPath(member.replace("\\", "/").lstrip("/") or "_"), err.message


def safe_relpath(name: str) -> PurePosixPath:
    """``name`` as a relative path that stays inside any directory, or :class:`InputError`.

    Backslashes count as separators (archives made on Windows), so ``..\\\\x`` is caught.

    >>> safe_relpath("2024/summary.md")
    PurePosixPath('2024/summary.md')
    >>> safe_relpath("../../etc/passwd")
    Traceback (most recent call last):
    ...
    digestkit.errors.InputError: ../../etc/passwd: path escapes the output directory
    """
    posix = name.replace("\\", "/")
    if "\x00" in posix:
        raise InputError("NUL byte in the path refused", path=shown_name(name))
    path = PurePosixPath(posix)
    if not posix or path.is_absolute() or (len(posix) > 1 and posix[1] == ":"):
        raise InputError("absolute path refused", path=name)
    if ".." in path.parts:
        raise InputError("path escapes the output directory", path=name)
    parts = [part for part in path.parts if part not in {"", "."}]
    if not parts:
        raise InputError("empty path", path=name)
    return PurePosixPath(*parts)


def target_path(out_dir: Path, relpath: PurePosixPath) -> Path:
    """``out_dir / relpath``, checked to resolve inside ``out_dir`` (symlinks included).

    >>> target_path(Path("/tmp/out"), PurePosixPath("a/b.md")).as_posix()
    '/tmp/out/a/b.md'
    """
    root = out_dir.resolve()
    target = (root / safe_relpath(str(relpath))).resolve()
    if target != root and root not in target.parents:
        raise InputError("path escapes the output directory", path=str(relpath))
    return target
