"""The five seeds parse into exactly their papers (gold in fixtures/parse/)."""

from __future__ import annotations

import json

import pytest

from digestkit.digest.parse import _repaired, detect_format, parse_digest
from digestkit.digest.parse._base import ParseResult
from digestkit.digest.render import RENDERERS, render
from tests.conftest import FIXTURES, seed_path

GOLD = FIXTURES / "parse"
SEEDS = [0, 1, 2, 3, 4]
OWN_RENDERER = {
    "checklist": "md-checklist",
    "ja-8q": "md-ja-8q",
    "survey": "md-survey",
    "bot-readme": "md-bot",
}


@pytest.fixture(scope="module")
def parsed() -> dict[int, ParseResult]:
    return {n: parse_digest(seed_path(n).read_bytes(), path=str(seed_path(n))) for n in SEEDS}


@pytest.fixture(scope="module")
def repaired() -> dict[int, str]:
    """Seed texts after repair (repairing seed 004 takes seconds: do it once)."""
    return {n: _repaired(seed_path(n).read_bytes()) for n in SEEDS}


def gold(n: int) -> dict:
    return json.loads((GOLD / f"{n:03d}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("n", SEEDS)
def test_seed_matches_gold(parsed: dict[int, ParseResult], n: int) -> None:
    g, r = gold(n), parsed[n]
    assert r.format == g["format"]
    assert len(r.digest.entries) == g["count"]
    assert r.digest.title == g["title"]
    assert (r.digest.date.isoformat() if r.digest.date else None) == g["date"]
    for got, want in zip(r.digest.entries, g["entries"], strict=True):
        data = got.to_dict()
        for key, value in want.items():
            if key == "has_summary":
                assert (got.summary is not None) == value, got.title
            elif key == "summary_headings":
                assert got.summary is not None
                assert [h for h, _ in got.summary.sections][:8] == value
            else:
                assert data[key] == value, (got.arxiv_id, key)


@pytest.mark.parametrize("n", SEEDS)
def test_seeds_parse_without_warnings(parsed: dict[int, ParseResult], n: int) -> None:
    assert parsed[n].warnings == ()


def test_expected_counts(parsed: dict[int, ParseResult]) -> None:
    assert [len(parsed[n].digest.entries) for n in SEEDS] == [3, 23, 22, 5, 30]


@pytest.mark.parametrize("n", SEEDS)
def test_detect_format(repaired: dict[int, str], n: int) -> None:
    assert detect_format(seed_path(n).read_text(encoding="utf-8")) == gold(n)["format"]
    assert detect_format(repaired[n]) == gold(n)["format"]


@pytest.mark.parametrize("n", SEEDS)
def test_generic_finds_the_same_papers(repaired: dict[int, str], n: int) -> None:
    r = parse_digest(repaired[n], "generic")
    assert [e.arxiv_id for e in r.digest.entries] == [e["arxiv_id"] for e in gold(n)["entries"]]
    for got, want in zip(r.digest.entries, gold(n)["entries"], strict=True):
        assert got.title == want["title"]


@pytest.mark.parametrize("n", SEEDS)
def test_rendering_a_seed_in_its_own_format_keeps_every_entry(
    parsed: dict[int, ParseResult], n: int
) -> None:
    r = parsed[n]
    fmt = OWN_RENDERER[r.format]
    out = render(r.digest, fmt)
    again = parse_digest(out, r.format)
    assert again.digest == r.digest
    assert again.warnings == ()
    for e in r.digest.entries:  # the text itself is in the output, not only in the model
        for _, body in e.summary.sections if e.summary else ():
            assert body in out
        assert e.abstract in out or not e.abstract


def test_seed_001_code_fence_comments_are_not_papers(parsed: dict[int, ParseResult]) -> None:
    titles = [e.title for e in parsed[2].digest.entries]
    assert not any(t.startswith(("疑似コード", "ターゲット認識", "Example usage")) for t in titles)
    body = parsed[2].digest.entries[8].summary.sections  # Target-Aware Video Diffusion Models
    assert any("# ターゲット認識拡散モデルの学習プロセス" in b for _, b in body)


def test_seed_004_summaries_are_repaired_chinese(parsed: dict[int, ParseResult]) -> None:
    d = parsed[4].digest
    with_summary = [e for e in d.entries if e.summary]
    assert len(with_summary) == 15
    assert all(e.summary.model == "qwen-long" for e in with_summary)
    assert with_summary[0].summary.language == "zh"
    assert "论文总结" in with_summary[0].summary.raw


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_renderer_handles_every_seed(parsed: dict[int, ParseResult], fmt: str) -> None:
    for n in SEEDS:
        assert render(parsed[n].digest, fmt).strip()


def test_bot_readme_structure_survives_unrepaired_mojibake() -> None:
    """The parser must not depend on the repair step succeeding (seed 004 is lossy)."""
    from digestkit.digest.parse import bot_readme

    raw = seed_path(4).read_text(encoding="utf-8")  # the mojibake as stored
    assert "ğŸ" in raw
    digest = bot_readme.parse(raw).digest
    assert [e.arxiv_id for e in digest.entries] == [e["arxiv_id"] for e in gold(4)["entries"]]
    assert [e.title for e in digest.entries] == [e["title"] for e in gold(4)["entries"]]
    assert sum(1 for e in digest.entries if e.summary) == 15
