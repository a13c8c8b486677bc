"""The memory-mapped model arrays (:mod:`digestkit.repair.model.mapped`): what a fresh
process maps is what it would have built, the file is found by the model's content (not
its mtime), a bad or stale file is rebuilt, never trusted, and the cache keeps only the
current key's files."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from digestkit.repair import lossy
from digestkit.repair.fastpass import _model_buffers
from digestkit.repair.model import _PATH, load_model
from digestkit.repair.model import mapped as _mapped
from digestkit.repair.model.arrays import ModelArrays


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    arrays = {"a": np.arange(5, dtype=np.int32), "b": np.eye(3), "c": np.zeros((4, 2), np.uint64)}
    path = tmp_path / "x.bin"
    _mapped.save(path, arrays, {"bits": 7})
    found = _mapped.load(path)
    assert found is not None
    got, meta = found
    assert meta == {"bits": 7}
    for name, a in arrays.items():
        assert got[name].dtype == a.dtype and (got[name] == a).all()
        assert type(got[name]) is np.ndarray  # no np.memmap subclass overhead per slice
        assert not got[name].flags.writeable  # a shared mapping: read-only


@pytest.mark.parametrize("damage", ["missing", "empty", "garbage", "truncated", "old-format"])
def test_a_bad_file_is_not_used(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "x.bin"
    _mapped.save(path, {"a": np.arange(1000)}, {})
    data = path.read_bytes()
    if damage == "missing":
        path.unlink()
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"not a model" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data.replace(b'"format": %d' % _mapped.FORMAT, b'"format": 0'))
    assert _mapped.load(path) is None


def _model_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "model" / "charlm.bin.gz"
    copy.parent.mkdir()
    shutil.copyfile(_PATH, copy)
    return copy


def test_the_file_is_keyed_by_the_model_content(tmp_path: Path) -> None:
    model = _model_copy(tmp_path)
    path = tmp_path / "x.bin"
    _mapped.save(path, {"a": np.arange(3)}, {}, model)
    assert _mapped.load(path, model) is not None
    os.utime(model, ns=(1, 1))  # a clone or reinstall: another mtime, the same bytes
    assert _mapped.load(path, model) is not None
    model.write_bytes(gzip.compress(gzip.decompress(model.read_bytes()) + b"\n"))  # another
    assert _mapped.load(path, model) is None
    assert _mapped.source_key(model) != _mapped.source_key(_PATH)
    plain = [tmp_path / "a.txt", tmp_path / "b.txt"]  # not gzip: hashed
    plain[0].write_bytes(b"a")
    plain[1].write_bytes(b"b")
    assert _mapped.source_key(plain[0]) != _mapped.source_key(plain[1])


def test_the_build_ships_every_language() -> None:
    """``make install`` (setup.py's build_py) wrote the layout; it matches the model."""
    for lang in _mapped.LANGS:
        assert _mapped.load(_mapped.shipped_path(lang), _PATH) is not None, lang


def test_a_fresh_process_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code = (
        "from digestkit.repair import repair_text; from digestkit.repair.corrupt import corrupt;"
        "print(repair_text(corrupt('本文提出了一种新的方法，在训练中不可或缺。', 'seed004')).text)"
    )
    env = {**os.environ, "DIGESTKIT_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "本文提出了一种新的方法，在训练中不可或缺。", done.stderr
    assert not (home / "repair-model").exists()


def test_without_a_shipped_file_the_cache_is_built_once_and_cleaned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_mapped, "shipped_path", lambda lang: Path("/nonexistent") / lang)
    monkeypatch.setattr(ModelArrays, "_cache", {})
    path = _mapped.cache_path("ja", _PATH)  # in this test's own DIGESTKIT_HOME
    stale = [
        path.with_name("ja-5357192-1796646628293402373-v2.bin"),  # the old mtime naming
        path.with_name("ja-0123456789abcdef0123-v3.bin"),  # another model
        path.with_name("ja-x.bin.abc.tmp"),  # a killed writer's
    ]
    young = path.with_name("zh-y.bin.def.tmp")  # another process writing right now
    path.parent.mkdir(parents=True)
    for p in [*stale, young]:
        p.write_bytes(b"old")
    hour_ago = time.time() - 2 * 3600
    os.utime(stale[-1], (hour_ago, hour_ago))
    first = ModelArrays._mapped("ja")  # builds, writes the file, removes the stale ones
    assert path.exists() and first.tables is not None
    assert not any(p.exists() for p in stale) and young.exists()
    mapped = ModelArrays._mapped("ja")  # maps it
    assert mapped.tables is None


@pytest.mark.parametrize("lang", _mapped.LANGS)
def test_mapped_arrays_equal_built_ones(lang: str) -> None:
    """The shipped layout holds what this code builds: a change to how the arrays are
    built must bump FORMAT (and ``make install`` rebuilds the layout)."""
    found = _mapped.find(lang, _PATH)
    assert found is not None
    mapped = ModelArrays._from_arrays(lang, *found)
    built = ModelArrays(lang, load_model())
    stale = f"{lang}: the shipped layout differs from what the code builds: bump FORMAT"
    for name in ModelArrays._FIELDS:
        assert np.array_equal(getattr(mapped, name), getattr(built, name)), (stale, name)
    assert mapped.top == built.top < 0x30000, stale
    assert np.array_equal(mapped.words().interleaved(), built.words().interleaved()), stale
    trigrams, want_trigrams = mapped.trigrams(), built.trigrams()
    assert (trigrams is None) == (want_trigrams is None), stale
    if trigrams is not None and want_trigrams is not None:
        assert np.array_equal(trigrams.interleaved(), want_trigrams.interleaved()), stale
        assert trigrams._filter is not None, "the layout keeps the trigrams' filter"
        kept, want = trigrams.filter(), want_trigrams.filter()
        assert kept[1] == want[1] and np.array_equal(kept[0], want[0]), stale
    pairs = [(ord("要"), ord(c)) for c in "約规約"] + [(0x10FFFF, 0x4E00)]
    mapped_p, built_p = (lossy._Model(_model_buffers(m), 0.5) for m in (mapped, built))
    assert [mapped_p.pair_p(a, b) for a, b in pairs] == [built_p.pair_p(a, b) for a, b in pairs]


def test_clean_removes_only_stale_cache_files() -> None:
    cache = _mapped.cache_path("zh", _PATH).parent
    cache.mkdir(parents=True)
    current, old = cache / f"zh-{_mapped.source_key(_PATH)}.bin", cache / "zh-1-2-v2.bin"
    for p in (current, old):
        p.write_bytes(b"x")
    assert _mapped.main(["--clean"]) == 0
    assert current.exists() and not old.exists()
