"""The memory-mapped model arrays (:mod:`digestkit.repair.model.mapped`): what a fresh
process maps is what it would have built, and a bad file is rebuilt, never trusted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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
        path.write_bytes(data.replace(b'"format": 2', b'"format": 0'))
    assert _mapped.load(path) is None


def test_mapped_arrays_equal_built_ones() -> None:
    path = _mapped.cache_path("ja", _PATH)  # in this test's own DIGESTKIT_HOME
    assert not path.exists()
    first = ModelArrays._mapped("ja")  # builds and writes the file
    assert path.exists() and first.tables is not None
    mapped = ModelArrays._mapped("ja")  # maps it
    assert mapped.tables is None
    found = _mapped.load(path)
    assert found is not None
    again = ModelArrays._from_arrays("ja", *found)
    built = ModelArrays("ja", load_model())
    built.words()  # inner_row and inner_col come with the word tables
    for name in ModelArrays._FIELDS:
        assert np.array_equal(getattr(again, name), getattr(built, name)), name
        assert np.array_equal(getattr(mapped, name), getattr(built, name)), name
    for got, want in zip(again.words(), built.words(), strict=True):
        assert np.array_equal(got.interleaved(), want.interleaved())
    keys = np.array([ord("要") << 21 | ord("約"), ord("要") << 21 | ord("规")])
    assert again.bigram.get(keys).tolist() == built.bigram.get(keys).tolist()
