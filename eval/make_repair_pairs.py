"""Build ``fixtures/eval/repair_pairs.json``: clean paragraphs from the seeds, corrupted in
every way ``digestkit.repair.corrupt`` knows, for the repair section of ``make eval``.

Run from the repository root::

    .venv/bin/python -m eval.make_repair_pairs            # writes fixtures/eval/repair_pairs.json
    .venv/bin/python -m eval.make_repair_pairs --per-lang 2 --out /tmp/pairs.json

Where the clean text comes from (deterministic: same seeds, same output):

- ja: paragraphs of seeds 000-003 (clean Japanese as published);
- en: English abstract paragraphs of seeds 003 and 004 (ASCII survives every corruption kind
  unchanged, so paragraphs with non-ASCII characters are preferred);
- zh: Chinese paragraphs of seed 004 *as repaired by digestkit.repair*. Seed 004 is the only
  Chinese source in the repository and it is damaged; a paragraph is used only when its
  repair is confident (every repaired span at or above ``--min-confidence``) and contains
  no U+FFFD or leftover mojibake. Caveat written into the file: the zh gold passed through
  the same language model the repair uses, which can flatter the zh lossy numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from digestkit.lang import detect_language

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
DEFAULT_OUT = ROOT / "fixtures" / "eval" / "repair_pairs.json"
MIN_LEN, MAX_LEN = 80, 420
_BLANK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[。！？.!?])")
_MOJIBAKE_LEFT = re.compile(r"[\u00c0-\u00ff][\u0080-\u00bf\u2000-\u203a\u0152-\u017e]")


def _seed(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def _clip(paragraph: str) -> str:
    """Cut a long paragraph at a sentence end so cases stay small."""
    if len(paragraph) <= MAX_LEN:
        return paragraph
    out = ""
    for sentence in _SENTENCE_END.split(paragraph):
        if len(out) + len(sentence) > MAX_LEN:
            break
        out += sentence
    return out or paragraph[:MAX_LEN]


def paragraphs(text: str, lang: str) -> Iterator[str]:
    """Paragraphs of ``text`` in ``lang``, clipped, without URLs (they are not prose)."""
    for block in _BLANK.split(text):
        block = block.strip()
        if "http" in block or "```" in block or block.startswith(("|", "<")):
            continue
        clipped = _clip(block)
        if len(clipped) >= MIN_LEN and detect_language(clipped).lang == lang:
            yield clipped


def _spread(items: list[str], n: int, prefer_non_ascii: bool = False) -> list[str]:
    """``n`` items spread evenly over the list (deterministic), non-ASCII first if asked."""
    if prefer_non_ascii:
        rich = [p for p in items if not p.isascii()]
        items = rich if len(rich) >= n else rich + [p for p in items if p.isascii()]
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def _zh_paragraphs(min_confidence: float) -> list[str]:
    from digestkit.repair import repair_text

    found = []
    for block in _BLANK.split(_seed("004")):
        if not block.strip() or block.isascii():
            continue
        fixed = repair_text(block.strip())
        low = [s for s in fixed.spans if s.confidence < min_confidence]
        text = fixed.text
        if low or "\ufffd" in text or _MOJIBAKE_LEFT.search(text):
            continue
        found += list(paragraphs(text, "zh"))
    return found


def sources(per_lang: int, min_confidence: float) -> dict[str, list[str]]:
    ja = [p for n in ("000", "001", "002", "003") for p in paragraphs(_seed(n), "ja")]
    en = [p for n in ("003", "004") for p in paragraphs(_seed(n), "en")]
    zh = _zh_paragraphs(min_confidence)
    return {
        "ja": _spread(ja, per_lang),
        "zh": _spread(zh, per_lang),
        "en": _spread(en, per_lang, prefer_non_ascii=True),
    }


def build(per_lang: int, min_confidence: float) -> dict[str, object]:
    from digestkit.repair.corrupt import CORRUPTION_KINDS, corrupt

    cases = []
    by_lang = sources(per_lang, min_confidence)
    for lang, texts in by_lang.items():
        for i, clean in enumerate(texts):
            for kind in CORRUPTION_KINDS:
                corrupted = corrupt(clean, kind, seed=i)
                cases.append({"id": f"{lang}-{i}-{kind}", "lang": lang, "kind": kind,
                              "corrupted": corrupted, "clean": clean})  # fmt: skip
    return {
        "generator": "python -m eval.make_repair_pairs "
        f"--per-lang {per_lang} --min-confidence {min_confidence}",
        "corruption_kinds": list(CORRUPTION_KINDS),
        "paragraphs": {lang: len(texts) for lang, texts in by_lang.items()},
        "caveat": "zh clean text is seed 004 as repaired by digestkit.repair (confident spans "
        "only); it passed through the same language model the repair uses.",
        "cases": cases,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--per-lang", type=int, default=5, help="paragraphs per language")
    parser.add_argument("--min-confidence", type=float, default=0.9)
    args = parser.parse_args(argv)
    data = build(args.per_lang, args.min_confidence)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data['cases'])} cases ({data['paragraphs']}) to {args.out}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
