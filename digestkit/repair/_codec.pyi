"""Types of the compiled code-page detection (``_codec.c``); see :mod:`digestkit.repair.lossless`."""

from typing_extensions import Buffer

def prepare(
    text: str,
    sample: int,
    classes: Buffer,
    lead_bits: Buffer,
    cont_bits: Buffer,
    ncodecs: int,
    /,
) -> tuple[bytes, list[int]]: ...
def evidence(
    squeezed: Buffer, run_byte: Buffer, hole: int, defined: int, /
) -> tuple[int, int, int, int]: ...
