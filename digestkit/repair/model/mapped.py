"""The model's arrays in one raw file per language, memory-mapped: a fast start.

Why: building :class:`~digestkit.repair.model.arrays.ModelArrays` means parsing the gzip
text model (``str.split`` over megabytes) and hashing every word and trigram: 0.6 s or
more and ~250 MB in every new process, and again in every ``--jobs`` worker. Once built,
the arrays are written here (raw little-endian arrays behind a JSON index) and later
processes map the file (``np.memmap``): nothing is parsed, pages are read only when a
repair touches them, and processes on one machine share them through the page cache.

The file lives in the cache directory (``$DIGESTKIT_HOME``, see :func:`digestkit.config.home_dir`),
named after the model file's size and modification time and :data:`FORMAT`, so a rebuilt
model or a new layout makes a new file. It is written atomically (temporary file, then
rename), so concurrent first runs are safe. ``python -m digestkit.repair.model.mapped``
writes every language's file ahead of time (e.g. in a container image).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["FORMAT", "cache_path", "load", "save"]

#: Bumped whenever the layout or the arrays' meaning changes.
FORMAT = 2
_MAGIC = b"DKCHARLM"
_ALIGN = 64


def cache_path(lang: str, model: Path) -> Path:
    """Where ``lang``'s mapped arrays for the model file ``model`` live."""
    from digestkit.config import home_dir

    st = model.stat()
    return home_dir() / "repair-model" / f"{lang}-{st.st_size}-{st.st_mtime_ns}-v{FORMAT}.bin"


def save(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, int]) -> None:
    """Write ``arrays`` (name -> array) and ``meta`` (JSON values) to ``path`` atomically."""
    index: dict[str, object] = {}
    offset = 0
    for name, a in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        index[name] = [a.dtype.str, list(a.shape), offset]
        offset += a.nbytes
    header = json.dumps({"format": FORMAT, "arrays": index, "meta": meta}).encode()
    start = -(-(len(_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            for name, a in arrays.items():
                at = start + int(index[name][2])  # type: ignore[index]
                out.write(b"\0" * (at - out.tell()))
                out.write(np.ascontiguousarray(a).tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> tuple[dict[str, np.ndarray], dict[str, int]] | None:
    """The arrays (read-only views of one memory map) and meta of ``path``; None when the
    file is missing, of another format or damaged (the caller rebuilds it)."""
    try:
        raw = np.memmap(path, np.uint8, mode="r")
    except (OSError, ValueError):
        return None
    if len(raw) < len(_MAGIC) + 8 or raw[: len(_MAGIC)].tobytes() != _MAGIC:
        return None
    size = int.from_bytes(raw[len(_MAGIC) : len(_MAGIC) + 8].tobytes(), "little")
    try:
        header = json.loads(raw[len(_MAGIC) + 8 : len(_MAGIC) + 8 + size].tobytes())
    except ValueError:
        return None
    if header.get("format") != FORMAT:
        return None
    start = -(-(len(_MAGIC) + 8 + size) // _ALIGN) * _ALIGN
    out = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        at = start + offset
        if at + count * dt.itemsize > len(raw):
            return None
        out[name] = raw[at : at + count * dt.itemsize].view(dt).reshape(shape)
    return out, header["meta"]


def main() -> int:
    """Write the mapped arrays of every language now."""
    from digestkit.repair.model.arrays import ModelArrays

    for lang in ("zh", "ja", "ko", "en"):
        ModelArrays.get(lang)
        sys.stderr.write(f"{lang}: ready\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
