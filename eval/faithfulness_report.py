"""Faithfulness report with evaluation discipline: per domain, intervals over documents.

    .venv/bin/python -m eval.faithfulness_report [--out eval/out/faithfulness_report.json]

Why a separate report: the ``make eval`` section grew up on the SummEdits-SciTLDR dev half,
and its gains there never carried over to unseen documents. This report scores every
labelled set the project has and shows, per domain (SciTLDR dev half, the seven other
SummEdits domains, the scripted and the hand-written controls per language):

* AUROC of ``1 - score`` with a 95% bootstrap interval resampling *source documents*;
* the flag rate on faithful summaries (Wilson 95% interval) and the catch rate on
  unfaithful ones, for ``flagged`` and for ``flagged or review``;
* the catch rate per error kind, and the precision of each issue type (share of the pairs
  it fires on that are unfaithful), on the tuning data (SummEdits) and on the controls.

Tuning data are SummEdits (SciTLDR dev + other domains) with folds grouped by document
(:func:`digestkit.evaluation.faithfulness.document_folds`); the ``heldout`` split of the
controls is never tuned on and is reported on its own.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digestkit.evaluation.faithfulness import rate_interval
from digestkit.evaluation.metrics import auroc, grouped_interval

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures" / "faithfulness"


@dataclass(frozen=True)
class Row:
    domain: str
    source: str
    summary: str
    lang: str
    faithful: bool
    kinds: tuple[str, ...]
    split: str  # "tune" or "heldout"


def _json(path: Path) -> list[dict[str, Any]]:
    text = path.read_text("utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(x) for x in text.splitlines() if x.strip()]
    data = json.loads(text)
    return list(data["pairs"] if isinstance(data, dict) else data)


def _kinds(ok: bool, edits: list[str]) -> tuple[str, ...]:
    return ("faithful",) if ok else (tuple(edits) or ("unlabelled",))


def load_rows(fix: Path = FIX) -> list[Row]:
    rows: list[Row] = []
    for item in _json(fix / "summedits_scitldr_dev.json"):
        ok = item["label"] == "faithful"
        rows.append(Row("scitldr_dev", item["source"], item["summary"], "en", ok,
                        _kinds(ok, item["edit_types"]), "tune"))  # fmt: skip
    for item in _json(fix / "domains" / "summedits_other_domains.json"):
        ok = item["label"] == "faithful"
        rows.append(Row(item["domain"], item["source"], item["summary"], "en", ok,
                        _kinds(ok, item["edit_types"]), "tune"))  # fmt: skip
    for path in sorted(fix.glob("scripted_*.jsonl")):
        for item in _json(path):
            ok = item["label"] == "faithful"
            rows.append(Row(f"scripted_{item['lang']}", item["source"], item["summary"],
                            item["lang"], ok, ("faithful",) if ok else (item["perturbation"],),
                            "tune"))  # fmt: skip
    for path in sorted(fix.glob("controls_*.jsonl")):
        for item in _json(path):
            ok = item["label"] == "faithful"
            split = item.get("split", "tune")
            rows.append(Row(f"controls_{item['lang']}_{split}", item["source"], item["summary"],
                            item["lang"], ok, ("faithful",) if ok else (item["kind"],), split))  # fmt: skip
    return rows


@dataclass(frozen=True)
class Scored:
    row: Row
    score: float
    flagged: bool
    review: bool
    flag_types: frozenset[str]
    review_types: frozenset[str]


def score_rows(rows: Iterable[Row]) -> list[Scored]:
    from digestkit.faithfulness import score_faithfulness

    out = []
    for r in rows:
        res = score_faithfulness(r.source, r.summary, lang=r.lang)
        review = tuple(getattr(res, "review", ()))
        flag_types = frozenset(i.type for i in res.issues) if res.flagged else frozenset()
        review_types = frozenset(i.type for i in review) | (
            frozenset() if res.flagged else frozenset(i.type for i in res.issues)
        )
        out.append(Scored(r, res.score, res.flagged, bool(review), flag_types, review_types))
    return out


def _auroc_ci(group: list[Scored]) -> tuple[float, float, float]:
    scores = [1 - s.score for s in group]
    labels = [not s.row.faithful for s in group]

    def stat(ix: list[int]) -> float:
        return auroc([scores[i] for i in ix], [labels[i] for i in ix])

    lo, hi = grouped_interval(stat, [s.row.source for s in group], resamples=400)
    return auroc(scores, labels), lo, hi


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.1f}%"


def domain_table(scored: list[Scored]) -> tuple[list[str], dict[str, Any]]:
    by: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by[s.row.domain].append(s)
    lines = [
        "| domain | pairs | docs | AUROC [95% CI over docs] | faithful flagged [Wilson CI] "
        "| faithful flag+review | unfaithful flagged | unfaithful flag+review |",
        "|---|---|---|---|---|---|---|---|",
    ]
    data: dict[str, Any] = {}
    for dom in sorted(by, key=lambda d: (d.startswith(("scripted", "controls")), d)):
        g = by[dom]
        good = [s for s in g if s.row.faithful]
        bad = [s for s in g if not s.row.faithful]
        a, lo, hi = _auroc_ci(g) if good and bad else (float("nan"),) * 3
        ff = sum(s.flagged for s in good)
        flo, fhi = rate_interval(ff, len(good))
        fr = sum(s.flagged or s.review for s in good) / len(good) if good else float("nan")
        cf = sum(s.flagged for s in bad) / len(bad) if bad else float("nan")
        cr = sum(s.flagged or s.review for s in bad) / len(bad) if bad else float("nan")
        docs = len({s.row.source for s in g})
        auc = "–" if math.isnan(a) else f"{a:.3f} [{lo:.2f}, {hi:.2f}]"
        lines.append(
            f"| {dom} | {len(g)} | {docs} | {auc} | {ff}/{len(good)} = {_pct(ff / len(good) if good else math.nan)}"
            f" [{_pct(flo)}, {_pct(fhi)}] | {_pct(fr)} | {_pct(cf)} | {_pct(cr)} |"
        )
        data[dom] = {"pairs": len(g), "docs": docs, "auroc": a, "auroc_ci": [lo, hi],
                     "faithful_flagged": ff, "faithful": len(good), "faithful_flag_ci": [flo, fhi],
                     "faithful_flag_or_review": fr, "unfaithful_flagged": cf,
                     "unfaithful_flag_or_review": cr}  # fmt: skip
    return lines, data


def _family(dom: str) -> str:
    if dom.startswith("controls"):
        return dom
    if dom.startswith("scripted"):
        return dom
    return "summedits_all" if dom != "scitldr_dev" else "scitldr_dev"


def kind_table(scored: list[Scored]) -> tuple[list[str], dict[str, Any]]:
    groups: dict[tuple[str, str], list[Scored]] = defaultdict(list)
    for s in scored:
        if s.row.faithful:
            continue
        for k in s.row.kinds:
            groups[(_family(s.row.domain), k)].append(s)
    lines = ["| set | error kind | n | flagged | flagged or review |", "|---|---|---|---|---|"]
    data = {}
    for (fam, k), g in sorted(groups.items()):
        f = sum(s.flagged for s in g) / len(g)
        fr = sum(s.flagged or s.review for s in g) / len(g)
        lines.append(f"| {fam} | {k} | {len(g)} | {_pct(f)} | {_pct(fr)} |")
        data[f"{fam}.{k}"] = {"n": len(g), "flagged": f, "flag_or_review": fr}
    return lines, data


def precision_table(scored: list[Scored]) -> tuple[list[str], dict[str, Any]]:
    """Precision of each issue type, by tier (the tier it landed in for that pair)."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for s in scored:
        fam = "summedits" if not s.row.domain.startswith(("scripted", "controls")) else "ours"
        for tier, types in (("flag", s.flag_types), ("review", s.review_types)):
            for t in types:
                c = counts[(fam, tier, t)]
                c[0] += 1
                c[1] += not s.row.faithful
    lines = ["| set | tier | issue type | pairs it fires on | precision |", "|---|---|---|---|---|"]
    data = {}
    for (fam, tier, t), (n, bad) in sorted(counts.items()):
        lines.append(f"| {fam} | {tier} | {t} | {n} | {bad / n:.2f} |")
        data[f"{fam}.{tier}.{t}"] = {"n": n, "precision": bad / n}
    return lines, data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "faithfulness_report.json")
    ap.add_argument("--md", type=Path, default=None, help="Also write the Markdown here.")
    args = ap.parse_args(argv)
    rows = load_rows()
    t0 = time.perf_counter()
    scored = score_rows(rows)
    elapsed = time.perf_counter() - t0
    d_lines, d_data = domain_table(scored)
    k_lines, k_data = kind_table(scored)
    p_lines, p_data = precision_table(scored)
    md = "\n".join(
        [f"{len(rows)} pairs scored in {elapsed:.1f}s", "", "## Per domain", *d_lines, "",
         "## Catch rate per error kind", *k_lines, "", "## Precision per issue type", *p_lines]
    )  # fmt: skip
    print(md)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"domains": d_data, "kinds": k_data, "precision": p_data}, indent=1), "utf-8"
    )
    if args.md:
        args.md.write_text(md + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
