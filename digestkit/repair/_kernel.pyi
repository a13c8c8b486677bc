"""Types of the compiled repair kernel (``_kernel.c``); see :mod:`digestkit.repair.fastpass`."""

from typing_extensions import Buffer

def scan(
    cps: Buffer,
    bmap: Buffer,
    emit: Buffer,
    runs_start: Buffer,
    runs_end: Buffer,
    run_decoded: Buffer,
    slot_pos: Buffer,
    slot_seen: Buffer,
    slot_need: Buffer,
    slot_key: Buffer,
    slot_odd: Buffer,
    slot_run: Buffer,
    counts: Buffer,
    lang: Buffer,
    /,
) -> tuple[int, int]: ...
def decide(
    cps: Buffer,
    emit: Buffer,
    start: Buffer,
    end: Buffer,
    tail_start: Buffer,
    multi: Buffer,
    first: Buffer,
    prior: Buffer,
    keeps: Buffer,
    pid: Buffer,
    k: int,
    model: tuple[object, ...],
    params: tuple[float | bool, ...],
    choice: Buffer,
    conf: Buffer,
    final: Buffer,
    doc: tuple[Buffer, int, Buffer, int, Buffer] | None = None,
    /,
) -> str: ...
