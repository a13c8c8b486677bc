"""The numbers the evaluation reports: edit distance and CER, AUROC, balanced accuracy, P/R.

Why our own: the harness must run offline from a fresh clone with nothing but the declared
dependencies, and each of these is a few lines once written carefully. Edit distance uses
Hyyrö's bit-parallel form of Myers' algorithm on Python integers, so a 2,000-character
paragraph costs 2,000 loop turns of a handful of big-int operations (milliseconds), not
4 million cell updates. Every function is pure and checked in ``tests/eval`` against values
computed by hand and against a textbook dynamic program.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "PRF",
    "auroc",
    "auroc_interval",
    "grouped_interval",
    "balanced_accuracy",
    "cer",
    "levenshtein",
    "mean",
    "prf",
]


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, each costing 1) between ``a`` and ``b``.

    >>> levenshtein("kitten", "sitting")
    3
    >>> levenshtein("论文总结", "论文总")
    1
    >>> levenshtein("", "abc")
    3
    """
    if a == b:
        return 0
    # Repairs leave most text alone: trimming the shared ends makes the common case cheap.
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if not a or not b:
        return len(a) + len(b)
    if len(a) < len(b):
        a, b = b, a
    return _myers(a, b)


def _myers(text: str, pattern: str) -> int:
    # Hot loop (one turn per character of ``text``), kept in one function on purpose.
    # Hyyrö (2001), "Explaining and extending the bit-parallel approximate string matching
    # algorithm of Myers": vertical deltas of one DP column live in the bits of pv/mv.
    m = len(pattern)
    peq: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in text:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def cer(hypothesis: str, reference: str) -> float:
    """Character error rate: edit distance divided by the reference length.

    An empty reference gives 0.0 when the hypothesis is empty too, else 1.0 per character.

    >>> cer("論文の要約", "論文の要約")
    0.0
    >>> cer("論文の要釣", "論文の要約")
    0.2
    """
    if not reference:
        return float(len(hypothesis))
    return levenshtein(hypothesis, reference) / len(reference)


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; ``nan`` for no values (so an empty group is visible, not zero).

    >>> mean([1, 2, 3])
    2.0
    >>> mean([])
    nan
    """
    items = list(values)
    return sum(items) / len(items) if items else float("nan")


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance that a random positive outranks a random negative.

    ``labels[i]`` is True for a positive; ties count one half (the Mann-Whitney form).
    ``nan`` when either class is empty.

    >>> auroc([0.9, 0.8, 0.3, 0.1], [True, True, False, False])
    1.0
    >>> auroc([0.9, 0.5, 0.5, 0.1], [True, False, True, False])
    0.875
    """
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        shared = (i + j) / 2 + 1  # average 1-based rank of the tied run
        for k in range(i, j + 1):
            ranks[order[k]] = shared
        i = j + 1
    n_pos = sum(1 for flag in labels if flag)
    n_neg = len(labels) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum = sum(r for r, flag in zip(ranks, labels, strict=True) if flag)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def auroc_interval(
    scores: Sequence[float],
    labels: Sequence[bool],
    *,
    resamples: int = 500,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval for :func:`auroc` (pairs resampled with replacement).

    Deterministic for a given ``seed``. Small test sets give wide intervals, which is the
    point: an AUROC of 0.66 on 232 pairs is not the same claim as on 10,000.

    >>> lo, hi = auroc_interval([0.9, 0.8, 0.3, 0.1, 0.6, 0.4], [True, True, False, False, True, False])
    >>> 0.0 <= lo <= auroc([0.9, 0.8, 0.3, 0.1, 0.6, 0.4], [True, True, False, False, True, False]) <= hi <= 1.0
    True
    """

    def statistic(idx: list[int]) -> float:
        return auroc([scores[i] for i in idx], [labels[i] for i in idx])

    each_alone = [str(i) for i in range(len(scores))]
    return grouped_interval(statistic, each_alone, resamples=resamples, level=level, seed=seed)


def balanced_accuracy(predicted: Sequence[bool], labels: Sequence[bool]) -> float:
    """Mean of the true-positive rate and the true-negative rate.

    >>> balanced_accuracy([True, False, True, True], [True, False, False, True])
    0.75
    """
    if len(predicted) != len(labels):
        raise ValueError("predicted and labels differ in length")
    pos = [p for p, flag in zip(predicted, labels, strict=True) if flag]
    neg = [p for p, flag in zip(predicted, labels, strict=True) if not flag]
    if not pos or not neg:
        return float("nan")
    return (sum(pos) / len(pos) + sum(1 for p in neg if not p) / len(neg)) / 2


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts they came from."""

    true_pos: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_pos / self.predicted if self.predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.true_pos / self.gold if self.gold else float("nan")

    @property
    def f1(self) -> float:
        total = self.predicted + self.gold
        return 2 * self.true_pos / total if total else float("nan")

    def __add__(self, other: PRF) -> PRF:
        return PRF(
            self.true_pos + other.true_pos,
            self.predicted + other.predicted,
            self.gold + other.gold,
        )


def prf(predicted: Iterable[object], gold: Iterable[object]) -> PRF:
    """Precision/recall of a predicted set against a gold set (multisets count once each).

    >>> r = prf(["a", "b", "c"], ["a", "b", "d", "e"])
    >>> (r.precision, r.recall)
    (0.6666666666666666, 0.5)
    """
    pred, ref = set(predicted), set(gold)
    return PRF(len(pred & ref), len(pred), len(ref))


def grouped_interval(
    statistic: Callable[[list[int]], float],
    groups: Sequence[str],
    *,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(indices)``, resampling whole groups
    (source documents) with replacement: pairs of one document are not independent, so
    resampling pairs would give intervals that are too narrow.

    >>> lo, hi = grouped_interval(lambda ix: sum(ix) / len(ix), ["a", "a", "b", "b"], resamples=50)
    >>> 0 <= lo <= hi <= 3
    True
    """
    import random

    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    members = list(by_group.values())
    if not members:
        return float("nan"), float("nan")
    rng = random.Random(seed)
    values = []
    for _ in range(resamples):
        idx = [i for _ in members for i in members[rng.randrange(len(members))]]
        value = statistic(idx)
        if not math.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    values.sort()
    tail = (1 - level) / 2
    return values[int(tail * (len(values) - 1))], values[int((1 - tail) * (len(values) - 1))]
