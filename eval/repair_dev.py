"""Lossy-repair CER on the DEVELOPMENT set: tune the repair model here, not on ``make eval``.

``make eval`` scores ``fixtures/eval/repair_pairs.json`` (ja from seeds 001-002, zh
handwritten + repaired seed-004 paragraphs): that is the test set, checked only to confirm.
This script corrupts other clean text with every lossy kind of
:mod:`digestkit.repair.corrupt` and prints the mean CER per language and kind, and the
error rate per damaged character (see :mod:`digestkit.evaluation.repair_damage`) per kind
and code page:

- zh: ``fixtures/repair/clean_zh.txt`` and ``fixtures/repair/dev_zh.txt``
- ja: seeds 000 and 003 and ``fixtures/repair/dev_ja.txt``

Each ~600-character chunk is repaired alone (as ``make eval`` does). ``--errors N`` lists
the N most frequent character errors (gold -> repaired) with a context example, which is
where a model change should aim.

    .venv/bin/python -m eval.repair_dev [--errors 30] [--lang zh]
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from digestkit.evaluation.metrics import cer, levenshtein
from digestkit.evaluation.repair_damage import DEV_SOURCES, damaged_errors, damaged_mask
from digestkit.evaluation.repair_damage import dev_chunks as _dev_chunks
from digestkit.repair import RepairConfig, repair_text
from digestkit.repair.corrupt import KINDS, LOSSY_KINDS, corrupt

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
SOURCES = DEV_SOURCES


def dev_chunks(lang: str, size: int = 600) -> list[tuple[str, str]]:
    """(name, clean chunk) for every chunk of ``lang``'s dev sources."""
    return _dev_chunks(FIX, lang, size)


def char_errors(gold: str, got: str) -> list[tuple[str, str, str]]:
    """(gold, got, context) for each replaced stretch between ``gold`` and ``got``."""
    errors = []
    matcher = difflib.SequenceMatcher(None, gold, got, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            context = gold[max(0, i1 - 4) : i1] + "[" + gold[i1:i2] + "]" + gold[i2 : i2 + 4]
            errors.append((gold[i1:i2], got[j1:j2], context.replace("\n", "⏎")))
    return errors


def main(argv: list[str] | None = None, config: RepairConfig | None = None) -> int:
    """Print the dev numbers; ``config`` (default: the defaults) is what is measured."""
    config = config or RepairConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", choices=sorted(SOURCES))
    parser.add_argument("--kind", action="append", choices=LOSSY_KINDS)
    parser.add_argument("--errors", type=int, default=0, help="list the N commonest errors")
    args = parser.parse_args(argv)
    langs = args.lang or sorted(SOURCES)
    kinds = args.kind or LOSSY_KINDS
    out = sys.stdout
    start = time.perf_counter()
    for lang in langs:
        chunks = dev_chunks(lang)
        per_kind: dict[str, list[float]] = defaultdict(list)
        damage: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        edits = chars = 0
        errors: Counter[tuple[str, str]] = Counter()
        examples: dict[tuple[str, str], list[str]] = defaultdict(list)
        for n, (_name, clean) in enumerate(chunks):
            for kind in kinds:
                damaged = corrupt(clean, kind, seed=n)
                got = repair_text(damaged, config).text
                per_kind[kind].append(cer(got, clean))
                wrong, total = damaged_errors(clean, got, damaged_mask(clean, damaged, kind))
                for key in (kind, KINDS[kind].codec):
                    damage[key][0] += wrong
                    damage[key][1] += total
                edits += levenshtein(got, clean)
                chars += len(clean)
                for g, o, ctx in char_errors(clean, got):
                    errors[g, o] += 1
                    examples[g, o].append(f"{ctx} ({kind})")
        every = [v for vs in per_kind.values() for v in vs]
        out.write(f"{lang}: mean CER {sum(every) / len(every):.4%} over {len(every)} cases "
                  f"({len(chunks)} chunks), {edits} edits in {chars} chars\n")  # fmt: skip
        for kind in kinds:
            vs = per_kind[kind]
            wrong, total = damage[kind]
            out.write(f"  {kind:24s} {sum(vs) / len(vs):.4%}   per damaged char "
                      f"{wrong / max(total, 1):.2%} ({wrong}/{total})\n")  # fmt: skip
        for codec in sorted({KINDS[k].codec for k in kinds}):
            wrong, total = damage[codec]
            out.write(
                f"  per damaged char via {codec}: {wrong / max(total, 1):.2%} ({wrong}/{total})\n"
            )
        for (g, o), count in errors.most_common(args.errors):
            out.write(f"    {count:3d}  {g!r} -> {o!r}   e.g. {examples[g, o][0]}\n")
    out.write(f"({time.perf_counter() - start:.1f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
