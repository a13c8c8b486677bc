"""Perturbations: deterministic for a seed, and each changes what it says it changes."""

from __future__ import annotations

import random

from digestkit.faithfulness import perturb

SOURCE = "SLA2 achieves 97% attention sparsity and an 18.6x speedup on video diffusion models."
JA = "SLA2は97%の注意スパース性を達成した。注意計算で18.6倍の高速化を実現した。"


def test_same_seed_same_edit() -> None:
    a = perturb.swap_number(JA, SOURCE, random.Random(7))
    b = perturb.swap_number(JA, SOURCE, random.Random(7))
    assert a == b and a is not None


def test_number_edit_changes_only_a_number_to_one_absent_from_the_source() -> None:
    for seed in range(20):
        p = perturb.swap_number(JA, SOURCE, random.Random(seed))
        assert p is not None
        old, new = p.detail.split(" -> ")
        assert new not in SOURCE and p.summary.replace(new, old, 1) == JA


def test_name_edit_uses_the_pool_or_a_near_miss() -> None:
    seen = set()
    for seed in range(20):
        p = perturb.swap_name(JA, SOURCE, random.Random(seed), ("WebArena",))
        assert p is not None and "SLA2" not in p.summary
        seen.add("WebArena" in p.summary)
    assert seen == {True, False}


def test_controls_keep_every_sentence_or_drop_exactly_one() -> None:
    dropped = perturb.drop_sentence(JA, random.Random(0))
    reordered = perturb.reorder_sentences(JA, random.Random(0))
    assert dropped is not None and dropped.faithful and dropped.summary in JA
    assert reordered is not None and sorted(reordered.summary) == sorted(JA)
    assert perturb.drop_sentence("One sentence.", random.Random(0)) is None


def test_negation_and_antonym_edits_for_each_language() -> None:
    texts = {
        "ja": "性能を向上させた。",
        "zh": "显著提升了性能。",
        "en": "The method improves accuracy.",
    }
    for lang, text in texts.items():
        neg = perturb.add_negation(text, lang, random.Random(0))
        ant = perturb.swap_antonym(text, lang, random.Random(0))
        assert neg is not None and neg.summary != text, lang
        assert ant is not None and ant.summary != text, lang


def test_wrong_language_claims_the_original_language() -> None:
    p = perturb.wrong_language(JA, "SLA2 achieves 97% sparsity.", "ja")
    assert p is not None and p.lang == "ja" and not p.faithful
