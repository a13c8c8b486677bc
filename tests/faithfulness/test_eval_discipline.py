"""The evaluation helpers that keep tuning honest: folds by document, intervals over them."""

from __future__ import annotations

from digestkit.evaluation.faithfulness import document_folds, rate_interval
from digestkit.evaluation.metrics import grouped_interval


def test_folds_keep_every_document_in_one_fold() -> None:
    sources = [f"doc {i % 7}" for i in range(70)]
    folds = document_folds(sources, k=3)
    by_doc: dict[str, set[int]] = {}
    for s, f in zip(sources, folds, strict=True):
        by_doc.setdefault(s, set()).add(f)
    assert all(len(v) == 1 for v in by_doc.values())
    assert len(set(folds)) > 1


def test_grouped_interval_is_wider_than_a_constant_and_contains_the_mean() -> None:
    values = [0.0] * 10 + [1.0] * 10
    groups = [f"g{i // 5}" for i in range(20)]
    lo, hi = grouped_interval(lambda ix: sum(values[i] for i in ix) / len(ix), groups)
    assert lo < 0.5 < hi
    same = grouped_interval(lambda ix: 0.25, groups)
    assert same == (0.25, 0.25)


def test_wilson_interval_shows_what_zero_of_150_proves() -> None:
    lo, hi = rate_interval(0, 150)
    assert lo == 0.0 and hi < 0.026
    lo, hi = rate_interval(3, 150)
    assert lo < 0.02 < hi
