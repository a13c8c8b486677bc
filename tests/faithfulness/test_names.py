"""Names: Latin-script model/dataset/method names must be in the source."""

from __future__ import annotations

import pytest

from digestkit.faithfulness.names import acronym_of, extract_names, unsupported_names

SOURCE = (
    "We propose Variational sEquence-level Soft Policy Optimization (VESPO) and evaluate "
    "large language models (LLMs) on OSWorld-MCP, WebArena and Tool/MCP tasks with "
    "Mixture-of-Experts models. Self-Aware Guided Efficient Reasoning improves pass@1."
)


@pytest.mark.parametrize(
    ("summary", "cjk"),
    [
        ("VESPOはWebArenaで評価された。", True),
        ("VESPO is evaluated on WebArena.", False),
        ("LLMの評価", True),  # singular of LLMs
        ("MCPを使う", True),  # part of Tool/MCP
        ("OSWorld-MCP上で", True),
        ("mixture-of-expertsモデル", True),  # case and hyphens ignored
        ("SAGERを提案", True),  # acronym of a phrase in the source
        ("Variational Sequence-Level Soft Policy Optimization works", False),
        ("在 pass@1 上提升", True),
        ("token数の削減", True),  # a lowercase term: "tokens" nowhere, but no strong name
    ],
)
def test_supported_names(summary: str, cjk: bool) -> None:
    missing = unsupported_names(summary, SOURCE, cjk=cjk)
    assert [n.text for n in missing if n.strong] == []


@pytest.mark.parametrize(
    ("summary", "cjk", "expected"),
    [
        ("VESPAはWebArenaで評価された。", True, ["VESPA"]),
        ("VESPO is evaluated on AndroidWorld.", False, ["AndroidWorld"]),
        ("GPT-4o と比較", True, ["GPT-4o"]),
        ("在 pass@5 上提升", True, ["pass@5"]),
        ("评估 OSWorld-Pro", True, ["OSWorld-Pro"]),
    ],
)
def test_unsupported_names(summary: str, cjk: bool, expected: list[str]) -> None:
    assert [n.text for n in unsupported_names(summary, SOURCE, cjk=cjk)] == expected


def test_english_sentence_initial_capitals_are_not_names() -> None:
    names = extract_names("Experiments show gains. Moreover, Atari agents win.", cjk=False)
    assert [n.text for n in names] == ["Atari"]


def test_acronym_of_uses_capitals_inside_words() -> None:
    assert acronym_of(["Mixture-of-Experts"]) == "ME"
    assert acronym_of(["Low-Rank", "Adaptation"]) == "LRA"
