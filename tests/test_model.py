import datetime as dt

import pytest

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.errors import InputError


def _digest() -> Digest:
    s = Summary(language="zh", backend="offline", template="zh-4part", sections=(("一", "内容"),))
    e = Entry(
        arxiv_id="2602.04870",
        version=1,
        title="Multi-Head LatentMoE",
        authors=("A", "B"),
        categories=("cs.LG",),
        published=dt.date(2026, 2, 5),
        score=11.0,
        summary=s,
        metadata=(("k", "v"),),
    )
    return Digest(title="bot", date=dt.date(2026, 2, 5), language="zh", entries=(e,))


def test_json_round_trip() -> None:
    d = _digest()
    assert Digest.from_json(d.to_json()) == d


def test_newer_schema_is_refused() -> None:
    with pytest.raises(InputError, match="newer"):
        Digest.from_dict({"schema_version": 99}, path="d.json")


def test_invalid_json_names_line() -> None:
    with pytest.raises(InputError) as info:
        Digest.from_json('{\n"title": }', path="d.json")
    assert "d.json:2" in str(info.value)
