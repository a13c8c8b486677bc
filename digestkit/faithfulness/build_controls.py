"""Build the faithful controls and their error variants from hand-written facts.

    python -m digestkit.faithfulness.build_controls [--src FILE] [--out DIR]

Why: "0 of 150 faithful summaries flagged" is what shows a false-flag rate under 2% at 95%
confidence, and nothing of that size existed for ja, zh and en. Summaries are composed,
deterministically, from ``fixtures/faithfulness/src/controls_src.json``: for each of twelve
abstracts, each fact is written by hand in en, ja and zh in two phrasings (a close one and
a heavy paraphrase), plus a sentence merging two facts and, for some facts, the claim
reversed. A faithful summary is a subset of facts in some order, each in one phrasing; some
use the merged sentence, some full-width digits (ja/zh). Every piece is a faithful
restatement, so every composition is too.

Error variants are made by rules that do not consult the scorer: ``number`` changes one
number to a value the source does not contain, ``name`` swaps a name for another paper's
name or a near miss, ``reversed`` puts a fact's reversed claim in place of the fact.
Papers listed under ``heldout`` get ``"split": "heldout"``: never tuned on, reported alone.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from itertools import permutations
from pathlib import Path
from typing import Any

LANGS = ("en", "ja", "zh")
JOIN = {"en": " ", "ja": "", "zh": ""}
_FULLWIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
_NUM = re.compile(r"(?<![A-Za-z0-9.\-])(\d+(?:\.\d+)?)(?![0-9A-Za-z])")
ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "faithfulness"


def _targets(n_facts: int) -> int:
    return 20 if n_facts >= 4 else 13


def _candidates(paper: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """Every (style, summary) this paper's facts allow, in a fixed order."""
    facts = paper["facts"]
    n = len(facts)
    out: list[tuple[str, str]] = []
    idx = list(range(n))
    subsets = [idx] + [idx[:i] + idx[i + 1 :] for i in range(n)] if n > 2 else [idx, [0], [1]]
    if n > 3:
        subsets += [idx[i : i + 2] for i in range(n - 1)]
    for sub in subsets:
        orders = [tuple(sub), tuple(reversed(sub))] if len(sub) > 1 else [tuple(sub)]
        if len(sub) == 3:
            orders = list(permutations(sub))[:4]
        for order in orders:
            for choice in range(3):  # 0: close, 1: paraphrase, 2: alternate
                picks = [
                    facts[f][lang][(choice if choice < 2 else k % 2)] for k, f in enumerate(order)
                ]
                style = ("close", "paraphrase", "mixed")[choice] + (
                    "" if order == tuple(sorted(order)) else "+reordered"
                )
                out.append((style, JOIN[lang].join(picks)))
    merged = paper.get("merged", {}).get(lang)
    if merged:
        out.append(("merged", merged))
        for f in range(n):
            out.append(("merged+fact", JOIN[lang].join([merged, facts[f][lang][1]])))
    return list(dict.fromkeys(out))


def _faithful(paper: dict[str, Any], lang: str, rng: random.Random) -> list[tuple[str, str]]:
    cands = _candidates(paper, lang)
    rng.shuffle(cands)
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for k, (style, text) in enumerate(cands):
        if len(chosen) >= _targets(len(paper["facts"])):
            break
        if lang != "en" and k % 4 == 3 and re.search(r"\d", text):
            style, text = style + "+fullwidth", text.translate(_FULLWIDTH)
        if text not in seen:
            seen.add(text)
            chosen.append((style, text))
    return chosen


def _source_numbers(source: str) -> set[str]:
    return {m.group(1) for m in _NUM.finditer(source)}


def _changed_number(value: str, source: str) -> str | None:
    taken = _source_numbers(source)
    decimals = len(value.split(".")[1]) if "." in value else 0
    for factor in (1.25, 0.8, 1.5, 0.6, 2.0):
        new = f"{float(value) * factor:.{decimals}f}"
        if new != value and new not in taken and new not in source:
            return new
    return None


def _near_miss(name: str) -> str:
    """GPT-4 -> GPT-5, VESPO -> VESPA: one character changed, still looks like a name."""
    digits = [i for i, c in enumerate(name) if c.isdigit()]
    if digits:
        i = digits[-1]
        return name[:i] + str((int(name[i]) + 3) % 10) + name[i + 1 :]
    i = max(i for i, c in enumerate(name) if c.isalpha())
    swap = "A" if name[i].upper() != "A" else "E"
    return name[:i] + (swap if name[i].isupper() else swap.lower()) + name[i + 1 :]


def _distinctive(name: str, source: str) -> bool:
    """A replacement name must be another paper's own name: not a generic acronym (LLMs,
    RAG: it may expand a phrase of this source) and not in this source in any form."""
    if re.fullmatch(r"[A-Z]{2,5}s?", name):
        return False
    return name.casefold().rstrip("s") not in source.casefold()


def _errors(
    pid: str, paper: dict[str, Any], lang: str, faithful: list[tuple[str, str]],
    other_names: list[str], rng: random.Random,
) -> list[dict[str, str]]:  # fmt: skip
    source = paper["source"]
    out: list[dict[str, str]] = []
    plain = [t for s, t in faithful if "fullwidth" not in s]
    numbered = [t for t in plain if _NUM.search(t)]
    for text in numbered[:6]:
        spots = [m for m in _NUM.finditer(text)]
        m = spots[rng.randrange(len(spots))]
        new = _changed_number(m.group(1), source)
        if new:
            summary = text[: m.start(1)] + new + text[m.end(1) :]
            out.append({"kind": "number", "summary": summary, "detail": f"{m.group(1)} -> {new}"})
    named = [(t, n) for t in plain for n in paper["names"] if n in t]
    for k, (text, name) in enumerate(named[:: max(1, len(named) // 3)][:3]):
        foreign = [o for o in other_names if _distinctive(o, source)]
        new = foreign[rng.randrange(len(foreign))] if k % 2 == 0 and foreign else _near_miss(name)
        if new.casefold() in source.casefold():
            continue
        out.append(
            {"kind": "name", "summary": text.replace(name, new), "detail": f"{name} -> {new}"}
        )
    facts = paper["facts"]
    for f, fact in enumerate(facts):
        rev = fact.get("reversed", {}).get(lang)
        if not rev:
            continue
        for choice in (0, 1):
            others = [facts[g][lang][choice] for g in range(len(facts)) if g != f][:2]
            summary = JOIN[lang].join([*others[:1], rev, *others[1:]])
            out.append({"kind": "reversed", "summary": summary, "detail": f"fact {f} reversed"})
    return out


def build(src: Path, out: Path) -> dict[str, int]:
    data = json.loads(src.read_text("utf-8"))
    heldout = set(data["heldout"])
    sources = _sources(src.parent.parent)
    counts: dict[str, int] = {}
    all_names = [n for p in data["papers"].values() for n in p["names"]]
    for lang in LANGS:
        rows: list[dict[str, str]] = []
        for pid, paper in data["papers"].items():
            paper = {**paper, "source": sources[paper["from"]]}
            rng = random.Random(f"{pid}-{lang}")
            split = "heldout" if pid in heldout else "tune"
            faithful = _faithful(paper, lang, rng)
            others = [n for n in all_names if n not in paper["names"]]
            base = {"paper": pid, "source": paper["source"], "lang": lang, "split": split}
            for n, (style, text) in enumerate(faithful):
                rows.append({"id": f"{lang}-{pid}-f{n:02d}", **base, "summary": text,
                             "label": "faithful", "kind": "faithful", "style": style})  # fmt: skip
            for n, err in enumerate(_errors(pid, paper, lang, faithful, others, rng)):
                rows.append({"id": f"{lang}-{pid}-e{n:02d}-{err['kind']}", **base,
                             "summary": err["summary"], "label": "unfaithful", "kind": err["kind"],
                             "style": err["detail"]})  # fmt: skip
        name = f"controls_{lang}.jsonl"
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / name).write_text(text, "utf-8")
        counts[name] = len(rows)
    return counts


def _sources(fixtures: Path) -> dict[str, str]:
    """The abstracts, by the base id of the scripted pairs they come from."""
    found: dict[str, str] = {}
    for path in sorted(fixtures.glob("scripted_*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            found.setdefault(row["base_id"], row["source"])
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT / "src" / "controls_src.json")
    ap.add_argument("--out", type=Path, default=ROOT)
    args = ap.parse_args(argv)
    for name, n in build(args.src, args.out).items():
        print(f"{n:4d} pairs -> {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
