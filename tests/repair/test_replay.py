"""Exact replay: ``apply_plan(text, repair_text(text, config).steps)`` gives the repaired
text for every case, every corruption kind and non-default configs (a ``rebuild`` step
records the code page, the evidence and the settings the pass read)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.repair import apply_plan, repair_text
from digestkit.repair.corrupt import CORRUPTION_KINDS, corrupt
from digestkit.repair.engine import parse_plan_arg, plan_arg
from digestkit.repair.types import LossyWeights, RepairConfig
from tests.repair.cases import load_cases

ROOT = Path(__file__).resolve().parents[2]
EVAL_PAIRS = ROOT / "fixtures" / "eval" / "repair_pairs.json"
CONFIGS = {
    "default": RepairConfig(),
    "no-document-prior": RepairConfig(document_prior=False),
    "other-weights": RepairConfig(weights=LossyWeights(word_weight=0.25, sure=0.999, keep=8)),
}


def _all_inputs() -> list[str]:
    cases = load_cases("synthetic") + load_cases("in_the_wild") + load_cases("negative")
    texts = [c["in"] for c in cases]
    texts += [c["corrupted"] for c in json.loads(EVAL_PAIRS.read_text("utf-8"))["cases"]]
    clean_zh = (ROOT / "fixtures" / "repair" / "clean_zh.txt").read_text("utf-8")
    for n, kind in enumerate(CORRUPTION_KINDS):
        for chunk in (clean_zh[:300], "不", "中文", "论文总结。"):
            texts.append(corrupt(chunk, kind, seed=n))
    return texts


INPUTS = _all_inputs()


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_case_replays(name: str) -> None:
    """Every case with the defaults; every third with other settings (the plan records the
    same few fields for any case, and the suite's time matters)."""
    config = CONFIGS[name]
    wrong = []
    for text in INPUTS if name == "default" else INPUTS[::3]:
        result = repair_text(text, config)
        if apply_plan(text, result.steps) != result.text:
            wrong.append((text[:40], result.steps))
    assert len(INPUTS) > 900
    assert wrong == []


def test_the_settings_are_in_the_plan() -> None:
    text = corrupt("本文的要约与方法，在训练中不可或缺。", "seed004")
    steps = repair_text(text, CONFIGS["no-document-prior"]).steps
    assert steps[-1][0] == "rebuild"
    assert "document_prior=0" in steps[-1][1]
    # The plan is plain strings (JSON-ready), and parses back to the same settings.
    assert json.loads(json.dumps(steps)) == [list(s) for s in steps]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(CONFIGS.values())),
    st.booleans(),
    st.sampled_from(["cp1252", "cp1254"]),
)
def test_plan_arg_round_trips(config: RepairConfig, strong: bool, codec: str) -> None:
    codec_back, config_back, strong_back = parse_plan_arg(plan_arg(codec, config, strong), True)
    assert (codec_back, strong_back) == (codec, strong)
    assert config_back.weights == config.weights
    assert config_back.document_prior == config.document_prior


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        apply_plan("ä¸", [("rebuild", "cp1252;turbo=1")])
