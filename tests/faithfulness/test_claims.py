"""Claims: antonyms, direction, negation; and paraphrases that must not be flagged."""

from __future__ import annotations

import pytest

from digestkit.faithfulness.claims import check_claims

SOURCE = (
    "Training stability remains a central challenge. Previous methods degrade the quality "
    "of generated text. Our method improves accuracy on unlabeled data and outperforms "
    "prior work. It does not require labels. VESPO maintains stable training under "
    "staleness ratios up to 64x."
)


def _types(summary: str, lang: str = "en") -> list[str]:
    return sorted({f.type for f in check_claims(summary, SOURCE, lang=lang)} - {"unsupported"})


@pytest.mark.parametrize(
    ("summary", "lang", "kind"),
    [
        ("Our method degrades accuracy on unlabeled data.", "en", "antonym"),
        ("Our method improves accuracy on labeled data.", "en", "antonym"),  # prefix opposite
        ("VESPO maintains unstable training.", "en", "antonym"),
        ("It requires labels.", "en", "negation"),  # a source negation dropped
        ("Our method does not improve accuracy on unlabeled data.", "en", "negation"),
        ("VESPOは64倍の陳腐化比率でも訓練が不安定になる。", "ja", "direction"),
        ("VESPO 在 64 倍陈旧比率下训练不稳定。", "zh", "direction"),
        ("VESPOは64倍でも安定した訓練を維持できない。", "ja", "negation"),
        ("VESPO 在 64 倍陈旧比率下无法保持稳定训练。", "zh", "negation"),
        ("VESPO 在 64 倍陈旧比率下训练质量下降。", "zh", "direction"),  # source: maintains
    ],
)
def test_flipped_claims_are_found(summary: str, lang: str, kind: str) -> None:
    assert kind in _types(summary, lang)


@pytest.mark.parametrize(
    ("summary", "lang"),
    [
        ("Our approach boosts accuracy on unlabeled data.", "en"),
        ("The method needs no labels.", "en"),
        ("It works without labels.", "en"),
        ("VESPO keeps training stable at staleness ratios of 64x.", "en"),
        ("VESPOは64倍の陳腐化比率でも安定した訓練を維持する。", "ja"),
        ("VESPO 在高达 64 倍的陈旧比率下仍保持稳定训练。", "zh"),
        ("VESPO はラベルを必要とせず、64倍でも安定している。", "ja"),
    ],
)
def test_faithful_paraphrases_are_not_flagged(summary: str, lang: str) -> None:
    assert _types(summary, lang) == []


def test_prior_work_contrast_is_not_an_antonym() -> None:
    # "degrade" is said of previous methods: "enhances" about this paper is no antonym.
    assert _types("Our method enhances the quality of text.") == []


def test_unsupported_words_weigh_little() -> None:
    found = check_claims("Our method improves accuracy via zygomorphic house.", SOURCE, lang="en")
    weights = [f.weight for f in found if f.type == "unsupported"]
    assert len(weights) == 2 and all(0 < w < 0.1 for w in weights)


def test_a_sentence_the_source_never_mentions_is_untraceable() -> None:
    summary = "VESPO maintains stable training. Furthermore, reviewers praised its elegant proofs."
    found = [f for f in check_claims(summary, SOURCE, lang="en") if f.type == "unsupported"]
    whole = [f for f in found if f.text.startswith("Furthermore")]
    assert whole and whole[0].weight >= 0.5


def test_a_cjk_sentence_with_no_anchor_is_weakly_untraceable() -> None:
    found = check_claims("作者承认该方法缺乏理论收敛保证。", SOURCE, lang="zh")
    assert [(f.type, f.weight) for f in found] == [("unsupported", 0.5)]


def test_cjk_prior_work_only_as_subject() -> None:
    src = "VESPO maintains stable training and outperforms existing methods."
    about_prior = "既存の手法は安定した訓練を維持できない。"  # the source's account of others
    about_this = "VESPOは安定した訓練を維持できず、既存の手法を上回る。"
    assert check_claims(about_prior, src, lang="ja") == []
    assert [f.type for f in check_claims(about_this, src, lang="ja")] == ["negation"]
