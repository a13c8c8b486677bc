"""How much of the seeds' TeX math becomes MathML: ``python -m eval.math_coverage``.

Counts every ``$…$`` / ``$$…$$`` span (the span rules of :data:`digestkit.digest.tex.MATH_SPAN`)
in the repaired seed documents and how many :func:`digestkit.digest.tex.to_mathml` turns
into MathML that passes its allow-list; the rest are shown as TeX source on the page.
Prints one line per seed, the total, and the spans that did not convert.
"""

from __future__ import annotations

import sys
from pathlib import Path

from digestkit.digest.parse import _repaired
from digestkit.digest.tex import find_math, to_mathml

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def coverage(text: str) -> tuple[int, list[str]]:
    """(number of math spans, the spans that did not convert)."""
    spans = find_math(text)
    failed = [
        m.group(0)
        for m in spans
        if to_mathml(m.group("block") or m.group("inline"), m.group("block") is not None) is None
    ]
    return len(spans), failed


def main() -> int:
    total, failures = 0, []
    for path in sorted(SEEDS.glob("*.txt")):
        count, failed = coverage(_repaired(path.read_bytes()))
        total += count
        failures += [(path.name, f) for f in failed]
        print(f"{path.name}: {count} spans, {count - len(failed)} converted")
    done = total - len(failures)
    share = done / total if total else 1.0
    print(f"total: {total} spans, {done} converted to MathML ({share:.1%})")
    for name, span in failures:
        print(f"  not converted ({name}): {span[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
