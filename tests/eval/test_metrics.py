"""The evaluation's numbers, checked against values computed by hand and a textbook DP."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.evaluation.metrics import PRF, auroc, balanced_accuracy, cer, levenshtein, prf


def dp_levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("", "", 0),
        ("abc", "abc", 0),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("论文总结", "论文总", 1),
        ("è®ºæ–‡", "论文", 6),  # 6 mojibake characters vs 2: 2 substitutions + 4 deletions
        ("ab", "ba", 2),
    ],
)
def test_levenshtein_hand_values(a: str, b: str, want: int) -> None:
    assert levenshtein(a, b) == want
    assert levenshtein(b, a) == want


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="abcé论文\u3042", max_size=40), st.text(alphabet="abcé论文\u3042", max_size=40)
)
def test_levenshtein_matches_dynamic_program(a: str, b: str) -> None:
    assert levenshtein(a, b) == dp_levenshtein(a, b)


def test_levenshtein_long_inputs_beyond_one_machine_word() -> None:
    a = "日本語の要約です。" * 40
    b = a[:100] + "X" + a[101:200] + a[205:]
    assert levenshtein(a, b) == dp_levenshtein(a, b) == 6  # 1 substitution + 5 deletions


def test_cer_is_distance_over_reference_length() -> None:
    assert cer("abcd", "abcd") == 0.0
    assert cer("abxd", "abcd") == 0.25
    assert cer("", "abcd") == 1.0
    assert cer("", "") == 0.0


def test_auroc_hand_values() -> None:
    # positives 0.8, 0.4; negatives 0.6, 0.2: pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) = 3/4
    assert auroc([0.8, 0.6, 0.4, 0.2], [True, False, True, False]) == 0.75
    assert auroc([0.1, 0.9], [True, False]) == 0.0
    assert auroc([0.5, 0.5, 0.5], [True, False, False]) == 0.5  # all tied: chance
    assert math.isnan(auroc([0.1, 0.2], [True, True]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=2, max_size=30))
def test_auroc_matches_pair_counting(items: list[tuple[int, bool]]) -> None:
    scores = [float(s) for s, _ in items]
    labels = [flag for _, flag in items]
    pos = [s for s, f in zip(scores, labels, strict=True) if f]
    neg = [s for s, f in zip(scores, labels, strict=True) if not f]
    got = auroc(scores, labels)
    if not pos or not neg:
        assert math.isnan(got)
        return
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    assert got == pytest.approx(wins / (len(pos) * len(neg)))


def test_balanced_accuracy_hand_value() -> None:
    # TPR = 2/3 (positives at 0, 1, 2; predicted at 0, 1), TNR = 1/2 -> 7/12
    predicted = [True, True, False, True, False]
    labels = [True, True, True, False, False]
    assert balanced_accuracy(predicted, labels) == pytest.approx(7 / 12)


def test_prf_counts_and_sums() -> None:
    r = prf(["a", "b", "c"], ["b", "c", "d", "e"])
    assert (r.true_pos, r.predicted, r.gold) == (2, 3, 4)
    assert r.f1 == pytest.approx(2 * 2 / 7)
    assert (r + PRF(1, 1, 1)).recall == 3 / 5
    assert math.isnan(PRF(0, 0, 0).precision)
