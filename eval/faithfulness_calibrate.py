"""Calibrate the probability attached to each kind of review evidence, out of fold.

    .venv/bin/python -m eval.faithfulness_calibrate

For each (issue type, language family) of the ``review`` tier, the probability that a pair
showing it is unfaithful, estimated on the tuning data only (SummEdits SciTLDR dev half and
the seven other domains, the scripted pairs, the ``tune`` split of the controls; never the
held-out controls) with five folds grouped by source document: each fold's pairs get the
rate measured on the other four (Laplace-smoothed), and the Brier score of those
out-of-fold probabilities is printed beside that of the base rate. The last column is the
rate on all tuning data: the value ``digestkit.faithfulness.REVIEW_PROBABILITY`` ships.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from digestkit.evaluation.faithfulness import document_folds
from eval.faithfulness_report import load_rows, score_rows

K = 5


def main() -> int:
    rows = [r for r in load_rows() if r.split == "tune"]
    scored = score_rows(rows)
    folds = document_folds([r.source for r in rows], K)
    counts: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    fires: list[tuple[tuple[str, str], int, bool]] = []
    for s, fold in zip(scored, folds, strict=True):
        family = "cjk" if s.row.lang in ("ja", "zh") else "en"
        for t in s.review_types:
            c = counts[(t, family, fold)]
            c[0] += 1
            c[1] += not s.row.faithful
            fires.append(((t, family), fold, not s.row.faithful))
    keys = sorted({k for k, _, _ in fires})
    print("| type | family | fires | out-of-fold Brier | base-rate Brier | rate (all tuning) |")
    print("|---|---|---|---|---|---|")
    base = sum(y for _, _, y in fires) / len(fires)
    for key in keys:
        total = [sum(counts[(*key, f)][i] for f in range(K)) for i in (0, 1)]
        brier = base_brier = 0.0
        n = 0
        for k2, fold, y in fires:
            if k2 != key:
                continue
            n_out = total[0] - counts[(*key, fold)][0]
            bad_out = total[1] - counts[(*key, fold)][1]
            p = (bad_out + 1) / (n_out + 2)
            brier += (p - y) ** 2
            base_brier += (base - y) ** 2
            n += 1
        rate = (total[1] + 1) / (total[0] + 2)
        print(
            f"| {key[0]} | {key[1]} | {n} | {brier / n:.3f} | {base_brier / n:.3f} | {rate:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
