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


def test_a_few_new_words_cost_nothing() -> None:
    # No per-word penalty: faithful paraphrases reword more than edited unfaithful summaries.
    found = check_claims("Our method improves accuracy via zygomorphic house.", SOURCE, lang="en")
    assert [f for f in found if f.type == "unsupported"] == []


def test_inflections_of_one_verb_match() -> None:
    src = "Our model exceeds the baseline and surpasses prior work."
    assert (
        check_claims("The model exceed the baseline, surpassing prior work.", src, lang="en") == []
    )


def test_a_word_list_antonym_needs_the_same_slot() -> None:
    src = "The new scheduler improves throughput on busy clusters."
    # an in-place swap, same inflection, same neighbours: evidence (review, not a flag)
    (swap,) = check_claims(
        "The new scheduler degrades throughput on busy clusters.", src, lang="en"
    )
    assert swap.type == "antonym" and not swap.strong
    # a comparative against a verb of the opposite direction is another slot: no evidence
    found = check_claims(
        "Throughput is worse with smaller batches.", "Larger batches improve throughput.", lang="en"
    )
    assert "worse" not in [f.text for f in found]


def test_an_affix_opposite_is_identity_evidence() -> None:
    (f,) = [
        f
        for f in check_claims("Our method improves accuracy on labeled data.", SOURCE, lang="en")
        if f.type == "antonym"
    ]
    assert f.strong


def test_a_paraphrased_negation_is_not_an_inserted_one() -> None:
    src = "The detector fails under heavy noise."
    assert check_claims("The detector is not robust to heavy noise.", src, lang="en") == []


def test_japanese_wazuka_is_no_negation() -> None:
    src = "VESPO improves accuracy with only 5% extra compute."
    assert check_claims("VESPOはわずか5%の追加計算で精度を向上させる。", src, lang="ja") == []


def test_a_chinese_clause_after_a_semicolon_is_checked_on_its_own() -> None:
    src = "VESPO maintains stable training under staleness ratios up to 64x. It is trained on math."
    found = check_claims("VESPO 在数学上训练；在 64 倍陈旧比率下训练不稳定。", src, lang="zh")
    assert [(f.type, f.text) for f in found] == [("direction", "在 64 倍陈旧比率下训练不稳定。")]


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


def test_wordnet_antonyms_ship_with_the_package_and_are_used() -> None:
    from digestkit.faithfulness._text import stem
    from digestkit.faithfulness.lexicon import HAND_OPPOSITES, OPPOSITES, wordnet_opposites

    wn = wordnet_opposites()
    assert stem("frail") in wn[stem("robust")] and stem("shallow") in wn[stem("deep")]
    assert stem("frail") not in HAND_OPPOSITES.get(stem("robust"), frozenset())
    assert stem("frail") in OPPOSITES[stem("robust")]
    src = "The parser is robust to typos in long documents."
    (f,) = check_claims("The parser is frail to typos in long documents.", src, lang="en")
    assert (f.type, f.text, f.strong) == ("antonym", "frail", False)
