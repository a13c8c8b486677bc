"""The faithful controls: reproducible, large enough, and what issue 14 promises on them."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from digestkit.faithfulness import score_faithfulness
from digestkit.faithfulness.build_controls import build
from tests.conftest import FIXTURES

HERE = FIXTURES / "faithfulness"
LANGS = ("en", "ja", "zh")


def _rows(lang: str) -> list[dict[str, str]]:
    return [
        json.loads(x) for x in (HERE / f"controls_{lang}.jsonl").read_text("utf-8").splitlines()
    ]


def test_rebuilding_gives_the_committed_files(tmp_path: Path) -> None:
    for name in build(HERE / "src" / "controls_src.json", tmp_path):
        assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), (
            f"{name} is stale: run python -m digestkit.faithfulness.build_controls"
        )


@pytest.mark.parametrize("lang", LANGS)
def test_at_least_150_distinct_faithful_summaries_with_a_heldout_part(lang: str) -> None:
    faithful = [r for r in _rows(lang) if r["label"] == "faithful"]
    assert len({r["summary"] for r in faithful}) >= 150
    assert sum(r["split"] == "heldout" for r in faithful) >= 50
    papers = {r["split"]: set() for r in faithful}
    for r in faithful:
        papers[r["split"]].add(r["paper"])
    assert not papers["heldout"] & papers["tune"]  # held out by paper, not by pair


@pytest.fixture(scope="module")
def verdicts() -> dict[tuple[str, str], list[bool]]:
    out: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for lang in LANGS:
        for r in _rows(lang):
            out[(lang, r["kind"])].append(
                score_faithfulness(r["source"], r["summary"], lang=lang).flagged
            )
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_no_faithful_control_is_flagged(
    verdicts: dict[tuple[str, str], list[bool]], lang: str
) -> None:
    assert sum(verdicts[(lang, "faithful")]) == 0


@pytest.mark.parametrize("lang", LANGS)
def test_number_and_name_errors_are_flagged(
    verdicts: dict[tuple[str, str], list[bool]], lang: str
) -> None:
    caught = verdicts[(lang, "number")] + verdicts[(lang, "name")]
    assert sum(caught) / len(caught) >= 0.95
