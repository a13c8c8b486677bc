"""The public contract the eval harness codes against, and properties of any score."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

import digestkit.faithfulness as F
from digestkit.faithfulness import (
    DEFAULT_THRESHOLD,
    FaithfulnessResult,
    Issue,
    score_faithfulness,
    token_overlap_baseline,
)

SOURCE = (
    "Experiments show that on video diffusion models, SLA2 can achieve 97% attention "
    "sparsity and deliver an 18.6x attention speedup while preserving generation quality."
)
FAITHFUL = {
    "en": "SLA2 reaches 97% attention sparsity and an 18.6x speedup on video diffusion models.",
    "ja": "SLA2は動画拡散モデルで97%の注意スパース性と18.6倍の高速化を達成した。",
    "zh": "SLA2 在视频扩散模型上实现了 97% 的注意力稀疏度和 18.6 倍的加速。",
}


def test_contract_names() -> None:
    assert {"DEFAULT_THRESHOLD", "FaithfulnessResult", "Issue", "score_faithfulness",
            "token_overlap_baseline"} <= set(F.__all__)  # fmt: skip
    assert 0 < DEFAULT_THRESHOLD < 1


def test_faithful_summaries_pass_in_every_language() -> None:
    for lang, summary in FAITHFUL.items():
        result = score_faithfulness(SOURCE, summary, lang=lang)
        assert not result.flagged, (lang, result.issues)
        assert result.lang == lang


def test_a_wrong_number_is_flagged_with_its_span() -> None:
    summary = FAITHFUL["zh"].replace("18.6", "21.3")
    result = score_faithfulness(SOURCE, summary, lang="zh")
    assert result.flagged and result.score < DEFAULT_THRESHOLD
    (issue,) = [i for i in result.issues if i.type == "number"]
    assert summary[issue.span[0] : issue.span[1]] == issue.text == "21.3 倍"


def test_wrong_language_is_an_issue_only_when_a_language_is_claimed() -> None:
    assert score_faithfulness(SOURCE, FAITHFUL["en"], lang="ja").issues[0].type == "language"
    assert not score_faithfulness(SOURCE, FAITHFUL["en"]).flagged


def test_result_serialises() -> None:
    result = score_faithfulness(SOURCE, FAITHFUL["ja"].replace("SLA2", "SLA3"), lang="ja")
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["flagged"] is True
    assert data["issues"][0]["type"] == "name" and data["issues"][0]["text"] == "SLA3"


def test_a_judge_adds_its_issues() -> None:
    def judge(source: str, summary: str, *, lang: str) -> list[Issue]:
        return [Issue("judge", (0, 4), summary[:4], "contradicted", 1.5)]

    result = score_faithfulness(SOURCE, FAITHFUL["en"], lang="en", judge=judge)
    assert [i.type for i in result.issues if i.type == "judge"] == ["judge"] and result.flagged


def test_token_overlap_baseline_range() -> None:
    assert token_overlap_baseline(SOURCE, FAITHFUL["en"]) > 0.8
    assert token_overlap_baseline(SOURCE, "") == 1.0


_text = st.text(
    alphabet=st.sampled_from(list("abcXYZ 0123456789.%x-倍万億亿提升下降不没有ないの。、,()")),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(source=_text, summary=_text, lang=st.sampled_from([None, "en", "ja", "zh"]))
def test_never_crashes_and_spans_point_into_the_summary(
    source: str, summary: str, lang: str | None
) -> None:
    result = score_faithfulness(source, summary, lang=lang)
    assert isinstance(result, FaithfulnessResult)
    assert 0.0 <= result.score <= 1.0
    for issue in result.issues:
        a, b = issue.span
        assert 0 <= a <= b <= len(summary)
        if issue.type in ("number", "name", "term"):
            assert summary[a:b] == issue.text


@settings(max_examples=30, deadline=None)
@given(summary=_text)
def test_summary_equal_to_source_is_never_flagged_for_numbers_or_names(summary: str) -> None:
    result = score_faithfulness(summary, summary)
    assert not [i for i in result.issues if i.type in ("number", "name", "term")]


def test_a_sentence_level_claim_is_kept_beside_a_wrong_number() -> None:
    summary = "SLA2 在视频扩散模型上实现了 95% 的注意力稀疏度，但生成质量下降。"
    result = score_faithfulness(SOURCE, summary, lang="zh")
    assert {i.type for i in result.issues} == {"number"}  # identity evidence: flags
    assert {i.type for i in result.review} == {"direction"}  # a direction word: review
