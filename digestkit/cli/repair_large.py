"""``digestkit repair`` on large documents: streamed from disk to disk in bounded memory.

The ordinary path (:mod:`digestkit.cli.repair`) holds a document's bytes, its text and the
result. A document of :data:`STREAM_FROM_BYTES` or more that is written somewhere (``-o``,
``-d``, ``--in-place``) goes through :func:`digestkit.repair.stream.repair_stream` instead:
read from its file (an archive member is first spooled to a temporary file through the
running size cap), repaired chunk by chunk and written to the temporary file that then
replaces the target, with the same backup rules (:func:`digestkit.fileio.write_atomic_from`)
and the same result, status and message as the ordinary path.

With ``--explain``, the document's report is printed as its spans are read back from a
temporary file (:class:`digestkit.cli.repair.ExplainOut`), each located in the written
text. Not streamed (the ordinary path runs): ``--diff``, ``--review``, ``--mark-below``,
``--encoding``, ``--check`` without ``--explain``, output to stdout, and files that are
not UTF-8 (they are decoded whole by :func:`digestkit.repair.decode.decode_bytes`).
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from digestkit.cli.repair import Options, Outcome
    from digestkit.repair.files import InputItem

#: Documents at least this large are streamed when they are written somewhere.
STREAM_FROM_BYTES = 8 << 20
#: A streamed document with a longer line fails (exit 3) instead of being held whole.
MAX_LINE_CHARS = 8 << 20
#: Characters per chunk. Larger than the library's default: each chunk also loads the
#: document's table of intact pairs into the kernel (its cost grows with the document), so
#: fewer chunks run faster, for ~90 MB more than 256k-character chunks.
STREAM_CHUNK_CHARS = 1 << 20


def wanted(item: InputItem, options: Options) -> bool:
    """Should ``item`` be streamed (see the module docstring)?"""
    if not (options.writes or options.explain) or options.diff or options.review:
        return False
    if options.check and not options.explain:
        return False
    if options.mark_below is not None or options.encoding is not None:
        return False
    if options.output is not None and str(options.output) == "-":
        return False
    if item.problem is not None or item.skip is not None:
        return False
    source = item.source_path()
    if source is None:
        return False
    try:
        return source.stat().st_size >= STREAM_FROM_BYTES and source.is_file()
    except OSError:
        return False


def repair_item(
    item: InputItem,
    options: Options,
    target: Path | None,
    explain: Callable[[dict[str, Any], Iterable[dict[str, Any]]], None] | None = None,
) -> Outcome | None:
    """Repair ``item`` from its file into ``target`` (None: nothing is written, for
    ``--explain`` alone); None when it cannot be streamed after all (not UTF-8: the
    ordinary path decodes it). ``explain`` gets the ``--explain`` report, its spans as an
    iterator (they wait in a temporary file, and are located in the written text)."""
    from digestkit.cli.repair import Outcome
    from digestkit.fileio import write_atomic_from
    from digestkit.repair import RepairConfig
    from digestkit.repair.decode import looks_binary
    from digestkit.repair.stream import read_text, repair_stream, stream_encoding

    source = item.source_path()
    assert source is not None
    with source.open("rb") as handle:
        head = handle.read(8192)
    if looks_binary(head):
        return Outcome(item.name, "skipped", "binary file")
    encoding, binary = stream_encoding(source)
    if encoding is None:
        return None
    if binary:  # the head looked like text, the whole not
        return Outcome(item.name, "skipped", "binary file")
    parallel = options.jobs > 1 or options.dask is not None
    config = RepairConfig(lossy=options.lossy, threads=1 if parallel else 0)
    kept = _KeptSpans() if explain is not None else None
    done: dict[str, Any] = {}

    def produce(out: BinaryIO) -> None:
        if encoding == "utf-8-sig":
            out.write(codecs.BOM_UTF8)
        done["result"] = repair_stream(
            lambda: read_text(source, encoding),
            lambda text: out.write(text.encode("utf-8")),
            config,
            # The message needs only the spans' number and lowest confidence: counted
            # without keeping them, unless --explain lists them.
            on_span=kept.add if kept is not None else None,
            tally=kept is None,
            max_line=MAX_LINE_CHARS,
            chunk_chars=STREAM_CHUNK_CHARS,
        )

    with tempfile.TemporaryDirectory(prefix="digestkit-explain-") as scratch:
        written = target if target is not None else Path(scratch) / "out"
        write_atomic_from(written, produce, backup="always" if options.backup else "none")
        result = done["result"]
        if explain is not None and kept is not None:
            status = "repaired" if result.changed else "unchanged"
            report = {
                "file": item.name, "status": status,
                "encoding": "utf-8" if encoding == "utf-8-sig" else encoding,
                "encoding_confidence": 1.0, "bom": encoding == "utf-8-sig",
                "changed": result.changed, "steps": [list(step) for step in result.steps],
            }  # fmt: skip
            explain(report, kept.located(written, encoding == "utf-8-sig"))
        if kept is not None:
            kept.close()
        left = ""
        if result.changed and not options.lossy:  # what was written (the scratch file too)
            from digestkit.cli.repair import _left_unrepaired

            left = _left_unrepaired(_file_lines(written))
    reported = explain is not None
    if not result.changed:
        return Outcome(item.name, "unchanged", reported=reported)
    from digestkit.cli.repair import _describe

    counted = _describe("utf-8", True, result.span_count, result.lowest_confidence)
    detail = ", ".join(x for x in (counted, left) if x)
    return Outcome(item.name, "repaired", detail, reported=reported)


class _KeptSpans:
    """The spans of a streamed repair, waiting in a temporary file (a batch at a time)."""

    def __init__(self) -> None:
        from digestkit.repair.stream import _SpanSpool

        self._spool = _SpanSpool()
        self._batch: list[Any] = []

    def add(self, span: Any) -> None:
        self._batch.append(span)
        if len(self._batch) >= 10_000:
            self._spool.add(self._batch)
            self._batch = []

    def located(self, path: Path, bom: bool) -> Iterator[dict[str, Any]]:
        """The spans as ``--explain`` reports them, with the line and column of their start
        in the text of ``path`` (read once, alongside: the spans come in text order)."""
        from digestkit.cli.repair import span_entry

        self._spool.add(self._batch)
        self._batch = []
        line, column_at, seen = 1, 0, 0  # column_at: offset where the current line starts
        with path.open(encoding="utf-8", newline="") as handle:
            if bom:
                handle.read(1)
            block = ""
            for span in self._spool:
                while seen + len(block) <= span.start and (more := handle.read(1 << 16)):
                    line, column_at = _advance(block, seen, line, column_at)
                    seen += len(block)
                    block = more
                part = block[: span.start - seen]
                breaks = part.count("\n")
                at_line = line + breaks
                start_of_line = seen + part.rfind("\n") + 1 if breaks else column_at
                yield span_entry(span, at_line, span.start - start_of_line + 1)

    def close(self) -> None:
        self._spool.close()


def _advance(block: str, seen: int, line: int, column_at: int) -> tuple[int, int]:
    """The line number and line start after ``block`` (which starts at offset ``seen``)."""
    breaks = block.count("\n")
    if breaks:
        return line + breaks, seen + block.rfind("\n") + 1
    return line, column_at


def _file_lines(path: Path) -> Iterator[str]:
    """The lines of the written file, cut as ``str.splitlines`` cuts the whole text."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line in handle:  # each ends where str.splitlines also cuts
            yield from line.splitlines()
