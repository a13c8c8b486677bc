"""The model's arrays in one raw file per language, memory-mapped: a fast start.

Why: building :class:`~digestkit.repair.model.arrays.ModelArrays` means parsing the gzip
text model (``str.split`` over megabytes) and hashing every word and trigram: 0.6 s or
more and ~250 MB in every new process, and again in every ``--jobs`` worker. The arrays
are written once (raw little-endian arrays behind a JSON index, each on its own pages)
and every process maps the file (``mmap`` + ``np.frombuffer``: plain read-only arrays):
nothing is parsed, pages are read only when a repair touches them, and processes on one
machine share them through the page cache.

Where the file lives, in the order :func:`find` looks:

- **shipped**: ``layout/{lang}.bin`` next to this module, written when the package is
  built (``setup.py``'s ``build_py`` step, like the C extensions; an editable install
  writes it into the source tree). Finding it writes nothing.
- **cache**: ``$DIGESTKIT_HOME/repair-model/{lang}-{key}.bin`` (see
  :func:`digestkit.config.home_dir`), built on first use when there is no shipped file
  (a source checkout that was never built, or a model file changed since the build).
  Writing one removes the files of other keys (:func:`remove_stale`).

Both are keyed by content: :func:`source_key` is a checksum of the model's content and
:data:`FORMAT`, recorded in the file's header and checked before use, so a clone, a
reinstall or a ``touch`` never rebuilds, and a changed model or layout never maps a stale
file. Files are written atomically (temporary file, then rename), so concurrent first runs
are safe. ``python -m digestkit.repair.model.mapped [DIR]`` writes every language's file
into the cache (or into ``DIR``) ahead of time; ``... --clean`` only removes the cache's
stale files.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "LANGS", "cache_path", "find", "load", "save", "shipped_path", "source_key"]

#: Bumped whenever the layout or the arrays change (also how arrays.py builds them: a shipped
#: layout is trusted by model and FORMAT alone; tests/repair/test_mapped.py compares).
FORMAT = 5
#: Every language the repair engine asks arrays for (``engine._language``).
LANGS = ("zh", "ja", "ko", "en")
_MAGIC = b"DKCHARLM"
#: Each array starts on its own page: a lookup touches only the pages it reads.
_ALIGN = 4096
#: A temporary file older than this is left over from a killed writer (see remove_stale).
_STALE_TMP_S = 3600.0


def source_key(model: Path) -> str:
    """The content key of the model file ``model``, with :data:`FORMAT`.

    For a gzip file (the shipped model), its size and the CRC-32 and length of its
    uncompressed content, which gzip keeps in its last 8 bytes (RFC 1952): one small read,
    where hashing the 5 MB file cost ~10 ms in every process of a wheel install (whose
    files carry install-time mtimes, so no stat can stand in for the content). Any other
    file: a SHA-1 of its bytes.

    >>> from digestkit.repair.model import _PATH
    >>> source_key(_PATH).endswith(f"-v{FORMAT}")
    True
    """
    with model.open("rb") as f:
        magic = f.read(2)
        size = f.seek(0, os.SEEK_END)
        if magic == b"\x1f\x8b" and size >= 18:
            f.seek(-8, os.SEEK_END)
            crc, length = struct.unpack("<II", f.read(8))
            return f"{size}-{crc:08x}-{length}-v{FORMAT}"
        import hashlib

        f.seek(0)
        digest = hashlib.file_digest(f, lambda: hashlib.sha1(usedforsecurity=False))
    return f"{digest.hexdigest()[:20]}-v{FORMAT}"


def shipped_path(lang: str) -> Path:
    """Where the build puts ``lang``'s arrays (next to this module)."""
    return Path(__file__).with_name("layout") / f"{lang}.bin"


def cache_path(lang: str, model: Path) -> Path:
    """Where ``lang``'s arrays for the model file ``model`` are built when none shipped."""
    from digestkit.config import home_dir

    return home_dir() / "repair-model" / f"{lang}-{source_key(model)}.bin"


def find(lang: str, model: Path) -> tuple[dict[str, np.ndarray], dict[str, int]] | None:
    """``lang``'s mapped arrays for ``model``: the shipped file's, else the cache's; None
    when neither holds this model's arrays (the caller builds them)."""
    found = load(shipped_path(lang), model)
    if found is None:
        try:
            found = load(cache_path(lang, model), model)
        except OSError:  # no cache directory
            return None
    return found


def save(
    path: Path, arrays: dict[str, np.ndarray], meta: dict[str, int], model: Path | None = None
) -> None:
    """Write ``arrays`` (name -> array) and ``meta`` (JSON values) to ``path`` atomically,
    recording the content key of the model file they were built from."""
    import tempfile

    index: dict[str, object] = {}
    offset = 0
    for name, a in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        index[name] = [a.dtype.str, list(a.shape), offset]
        offset += a.nbytes
    source = {} if model is None else {"key": source_key(model)}
    header = json.dumps({"format": FORMAT, "source": source, "arrays": index, "meta": meta})
    start = _data_start(len(header.encode()))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + len(header.encode()).to_bytes(8, "little") + header.encode())
            for name, a in arrays.items():
                at = start + int(index[name][2])  # type: ignore[index]
                out.write(b"\0" * (at - out.tell()))
                out.write(np.ascontiguousarray(a).tobytes())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared file from other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _data_start(header_size: int) -> int:
    return -(-(len(_MAGIC) + 8 + header_size) // _ALIGN) * _ALIGN


def load(
    path: Path, model: Path | None = None
) -> tuple[dict[str, np.ndarray], dict[str, int]] | None:
    """The arrays (read-only views of one memory map) and meta of ``path``; None when the
    file is missing, damaged, of another format or (given ``model``) built from another
    model file (the caller rebuilds it)."""
    try:
        with path.open("rb") as f:
            raw = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # missing, unreadable or empty
        return None
    head = len(_MAGIC) + 8
    if len(raw) < head or raw[: len(_MAGIC)] != _MAGIC:
        return None
    size = int.from_bytes(raw[len(_MAGIC) : head], "little")
    try:
        header = json.loads(raw[head : head + size])
    except ValueError:
        return None
    if header.get("format") != FORMAT or not _same_source(header.get("source") or {}, model):
        return None
    start = _data_start(size)
    out = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        dt = np.dtype(dtype)
        count = 1
        for n in shape:
            count *= n
        at = start + offset
        if at + count * dt.itemsize > len(raw):
            return None
        out[name] = np.frombuffer(raw, dt, count, at).reshape(shape)
    return out, header["meta"]


def _same_source(source: dict[str, Any], model: Path | None) -> bool:
    """Whether the file was built from ``model`` as it is now (same content key)."""
    if model is None:
        return True
    try:
        return bool(source.get("key")) and source.get("key") == source_key(model)
    except OSError:
        return False


def build(lang: str, path: Path, model: Path) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Build ``lang``'s arrays from the text model ``model``, write them to ``path``."""
    from digestkit.repair.model import load_model
    from digestkit.repair.model.arrays import ModelArrays

    arrays, meta = ModelArrays(lang, load_model(model))._to_arrays()
    save(path, arrays, meta, model)
    return arrays, meta


def remove_stale(directory: Path, model: Path) -> list[Path]:
    """Remove the files in the cache ``directory`` that are not for ``model``'s current
    key: older keys, older naming schemes, temporary files left by a killed writer.

    Safe while other processes run: a process that maps a removed file keeps its pages
    (POSIX unlink), and a temporary file still being written is young, so it stays.
    Returns what was removed.
    """
    key = source_key(model)
    removed = []
    now = time.time()
    for path in directory.iterdir():
        if path.suffix == ".bin":
            stale = not path.name.endswith(f"-{key}.bin")
        elif path.suffix == ".tmp":
            try:
                stale = now - path.stat().st_mtime > _STALE_TMP_S
            except OSError:
                continue
        else:
            continue
        if stale:
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    """``[DIR]``: write every language's arrays now, into the cache (removing its stale
    files) or into ``DIR``; ``--clean``: only remove the cache's stale files (e.g. those
    of older versions, once the installed package ships its own)."""
    from digestkit.repair.model import _PATH

    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["--clean"]:
        for lang in LANGS:  # a DIR build (setup.py) never touches the cache directory
            path = Path(args[0]) / f"{lang}.bin" if args else cache_path(lang, _PATH)
            build(lang, path, _PATH)
            sys.stderr.write(f"{lang}: {path} ({path.stat().st_size / 1e6:.1f} MB)\n")
    if not args or args[0] == "--clean":
        cache = cache_path("zh", _PATH).parent
        for path in remove_stale(cache, _PATH) if cache.is_dir() else []:
            sys.stderr.write(f"removed {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
