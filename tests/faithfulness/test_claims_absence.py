"""A remark that the source is silent is not a claim (found by the end-to-end evaluation:
the offline backend's placeholder for an empty section was flagged as untraceable)."""

from digestkit.faithfulness import score_faithfulness

SOURCE = "We propose LatentMoE, which reduces communication by 40% on 8 GPUs."


def test_absence_placeholder_is_not_flagged() -> None:
    summary = "LatentMoE reduces communication by 40% on 8 GPUs.\n\nNot stated in the source text."
    result = score_faithfulness(SOURCE, summary, lang="en")
    assert not result.flagged, result.issues


def test_a_real_untraceable_sentence_goes_to_review() -> None:
    summary = "LatentMoE reduces communication by 40%. Dolphins sing lullabies beneath glaciers."
    result = score_faithfulness(SOURCE, summary, lang="en")
    assert not result.flagged  # untraceable content never flags alone
    assert [i.type for i in result.review] == ["unsupported"]
    assert 0 < (result.review[0].probability or 0) < 1
