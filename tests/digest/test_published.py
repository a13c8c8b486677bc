"""What the published README shows: human labels, no internal keys, no repeated dates;
the JSON keeps everything."""

from __future__ import annotations

import datetime as dt
import json
import re

from digestkit.digest.model import Digest, Entry
from digestkit.digest.parse import parse_digest
from digestkit.digest.parse._base import ParseResult
from digestkit.digest.render import render

DAY = dt.date(2026, 2, 4)
META = (
    ("hf_upvotes", "12"),
    ("s2_citations", "0"),
    ("pdf_url", "https://arxiv.org/pdf/2602.04870v1"),
    ("comment", "ICLR 2026"),
    ("hf_rank", "3"),
    ("summarize.run", "b795"),
)


def _fetched() -> Digest:
    """An entry as the sources build it (arXiv: updated == published for a v1)."""
    e = Entry(
        arxiv_id="2602.04870",
        version=1,
        title="T",
        authors=("A",),
        published=DAY,
        updated=DAY,
        metadata=META,
    )
    return Digest(title="Daily", date=DAY, entries=(e,))


def test_readme_has_human_labels_and_no_internal_keys() -> None:
    out = render(_fetched(), "md-bot")
    assert "**Hugging Face upvotes**: 12" in out
    assert "**PDF**: https://arxiv.org/pdf/2602.04870v1" in out
    assert "**Comments**: ICLR 2026" in out
    assert not re.search(r"\*\*[a-z0-9]+[_.][a-z0-9_.]+\*\*", out), out
    for key in ("hf_upvotes", "s2_citations", "pdf_url", "hf_rank", "summarize", "Citations"):
        assert key not in out  # a count of 0 citations is not shown either


def test_json_keeps_the_internal_keys() -> None:
    data = json.loads(render(_fetched(), "json"))
    assert data["entries"][0]["metadata"] == dict(META)


def test_no_repeated_date() -> None:
    out = render(_fetched(), "md-bot")
    assert "**Published**: 2026-02-04" in out and "**Updated**" not in out
    later = (
        _fetched()
        .entries[0]
        .__class__(arxiv_id="2602.04870", published=DAY, updated=dt.date(2026, 2, 6))
    )
    assert "**Updated**: 2026-02-06" in render(Digest(entries=(later,)), "md-bot")


def test_seed_004_readme_repeats_no_date(parsed_seeds: dict[int, ParseResult]) -> None:
    out = render(parsed_seeds[4].digest, "md-bot")
    pairs = re.findall(r"\*\*Published\*\*: (\S+)  \n(?:\*\*Updated\*\*: (\S+))?", out)
    assert len(pairs) == 30 and all(p != u for p, u in pairs)
    again = parse_digest(out, "bot-readme").digest
    assert again.entries == parsed_seeds[4].digest.entries
