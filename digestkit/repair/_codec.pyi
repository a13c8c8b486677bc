"""Types of the compiled code-page detection (``_codec.c``); see :mod:`digestkit.repair.lossless`."""

from typing_extensions import Buffer

def prepare(
    text: str,
    sample: int,
    index: Buffer,
    lead_bits: Buffer,
    cont_bits: Buffer,
    run_bytes: Buffer,
    ncodecs: int,
    size: int,
    /,
) -> tuple[bytes, bytes, list[int], list[int]]: ...
def evidence(
    squeezed: Buffer, counts: Buffer, run_byte: Buffer, hole: int, defined: int, /
) -> tuple[int, int, int, int]: ...
