"""Repair mojibake: re-read mis-decoded UTF-8, rebuild the bytes a wrong codec lost.

The public API::

    repair_text(text) -> Repaired      # str in, str out, with steps and reviewed spans
    repair_bytes(data) -> Repaired     # decode (BOM, UTF-8/16/32, legacy CJK codecs), then repair
    apply_plan(text, steps) -> str     # replay a Repaired.steps plan on another text

Clean text is returned untouched: a prefilter (:mod:`.detect`) decides it without a scan for
ASCII and with one regex pass otherwise; the heavy work runs only on suspicious spans.

>>> repair_text("è®ºæ–‡æ€»ç»“").text
'论文总结'
>>> repair_text("clean “text”, 中文，日本語。").changed
False
"""

from __future__ import annotations

from collections.abc import Iterable

from digestkit.repair.detect import looks_like_mojibake
from digestkit.repair.types import RepairConfig, Repaired, RepairSpan

__all__ = ["RepairConfig", "RepairSpan", "Repaired", "apply_plan", "repair_bytes", "repair_text"]

_DEFAULT = RepairConfig()

#: Texts longer than this (characters) are repaired chunk by chunk
#: (:func:`.stream.repair_chunked`: the same result, in scratch bounded by the chunk). The
#: whole-text pass peaks at ~40-60 bytes per input byte (its arrays and the kernel's tables
#: are as long as the text; issue 15 allows 8), but chunking costs two counting passes and a
#: margin per chunk (~1.5x the CPU time from 570 kB to 2 MB of damaged Chinese): seed 004
#: (150k characters) takes ~2x as long chunked, so the threshold sits above it.
STREAM_MIN_CHARS = 1 << 18
#: Chunk length: :func:`_chunk_chars` of the text's, within these bounds (characters).
MIN_CHUNK, MAX_CHUNK = 1 << 14, 1 << 17


def _chunk_chars(length: int) -> int:
    """Characters per chunk for a text of ``length`` characters: a 32nd of it (the scratch
    then stays a fixed share of the text), at least ``MIN_CHUNK`` (smaller chunks cost time
    and save little: cuts fall only where the damage allows) and at most ``MAX_CHUNK`` (the
    chunk of texts over 4M characters, as before).

    >>> _chunk_chars(100_000), _chunk_chars(2_000_000), _chunk_chars(50_000_000)
    (16384, 62500, 131072)
    """
    return min(MAX_CHUNK, max(MIN_CHUNK, length // 32))


def repair_text(text: str, config: RepairConfig | None = None) -> Repaired:
    """Repair mojibake in ``text``; clean text comes back identical with ``changed=False``.

    >>> r = repair_text("cafÃ©")
    >>> r.text, r.changed
    ('café', True)
    """
    config = config or _DEFAULT
    if not config.lossless or not looks_like_mojibake(text, config.codecs):
        return Repaired(text, False, None, 1.0)
    if len(text) > STREAM_MIN_CHARS:  # bounded scratch: chunk by chunk, the same result
        from digestkit.repair.stream import repair_chunked

        return repair_chunked(text, config, _chunk_chars(len(text)), lazy_spans=True)
    from digestkit.repair.engine import repair_suspicious

    return repair_suspicious(text, config)


def repair_bytes(data: bytes, config: RepairConfig | None = None) -> Repaired:
    """Decode ``data`` (any bytes; never raises on content) and repair the text.

    ``encoding`` reports the source encoding of the bytes, with its confidence.

    >>> r = repair_bytes("è®ºæ–‡æ€»ç»“".encode("utf-8"))
    >>> r.text, r.encoding
    ('论文总结', 'utf-8')
    """
    from digestkit.repair.decode import decode_bytes

    decoded = decode_bytes(data)
    fixed = repair_text(decoded.text, config)
    return Repaired(
        fixed.text,
        fixed.changed,
        decoded.encoding,
        decoded.confidence,
        fixed.steps,
        fixed.spans,
    )


def apply_plan(text: str, steps: Iterable[tuple[str, str]]) -> str:
    """Replay a plan from :attr:`Repaired.steps` on ``text``.

    >>> apply_plan("cafÃ©", [("encode", "cp1252"), ("decode", "utf-8")])
    'café'
    """
    from digestkit.repair.engine import replay

    return replay(text, tuple(steps))
