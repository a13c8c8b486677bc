"""The labelled fixtures: reproducible from the seeds, and what issue 6 asks of the scorer.

These are regression guards for the numbers in the README and the report, measured on the
committed fixtures (``make eval`` reports the same metrics with baselines and charts).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from digestkit.faithfulness import score_faithfulness, token_overlap_baseline
from tests.conftest import FIXTURES, SEEDS
from tools.faithfulness.build_fixtures import build

HERE = FIXTURES / "faithfulness"
LANGS = ("ja", "zh", "en")


def _pairs(lang: str) -> list[dict[str, str]]:
    lines = (HERE / f"scripted_{lang}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def flags() -> dict[tuple[str, str], list[bool]]:
    out: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for lang in LANGS:
        for p in _pairs(lang):
            result = score_faithfulness(p["source"], p["summary"], lang=p["lang"])
            out[(lang, p["label"] if p["label"] == "faithful" else p["perturbation"])].append(
                result.flagged
            )
    return out


def test_rebuilding_gives_the_committed_files(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "zh_seed003_handwritten.json").write_bytes(
        (HERE / "src" / "zh_seed003_handwritten.json").read_bytes()
    )
    counts = build(SEEDS, tmp_path)
    for name in counts:
        # zh (and en) pairs come from seed 004 through repair + parse: a better repair
        # changes them, and the committed fixtures must then be rebuilt.
        assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), (
            f"{name} is stale: run python -m tools.faithfulness.build_fixtures"
        )


def test_every_language_has_every_kind() -> None:
    for lang in LANGS:
        kinds = {p["perturbation"] for p in _pairs(lang)}
        assert {"original", "number", "name", "negation", "antonym", "inserted_fact",
                "wrong_language", "sentence_dropped", "sentences_reordered"} <= kinds, lang  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["number", "name"])
def test_catches_90_percent_of_number_and_name_edits(
    flags: dict[tuple[str, str], list[bool]], lang: str, kind: str
) -> None:
    caught = flags[(lang, kind)]
    assert len(caught) >= 5
    assert sum(caught) / len(caught) >= 0.9


def test_at_most_5_percent_false_flags_on_faithful_pairs(
    flags: dict[tuple[str, str], list[bool]],
) -> None:
    faithful = [f for lang in LANGS for f in flags[(lang, "faithful")]]
    assert len(faithful) >= 60
    assert sum(faithful) / len(faithful) <= 0.05


def _auroc(scores: list[float], faithful: list[bool]) -> float:
    pos = [s for s, f in zip(scores, faithful, strict=True) if f]
    neg = [s for s, f in zip(scores, faithful, strict=True) if not f]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_summedits_auroc_clearly_above_token_overlap() -> None:
    items = json.loads((HERE / "summedits_scitldr_dev.json").read_text("utf-8"))
    faithful = [i["label"] == "faithful" for i in items]
    ours = _auroc(
        [score_faithfulness(i["source"], i["summary"], lang="en").score for i in items], faithful
    )
    base = _auroc([token_overlap_baseline(i["source"], i["summary"]) for i in items], faithful)
    assert ours >= base + 0.15, (ours, base)
