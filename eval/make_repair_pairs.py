"""Build ``fixtures/eval/repair_pairs.json``: clean paragraphs from the seeds, corrupted in
every way ``digestkit.repair.corrupt`` knows, for the repair section of ``make eval``.

Run from the repository root::

    .venv/bin/python -m eval.make_repair_pairs            # writes fixtures/eval/repair_pairs.json
    .venv/bin/python -m eval.make_repair_pairs --per-lang 2 --out /tmp/pairs.json

Where the clean text comes from (deterministic: same seeds, same output):

- ja: paragraphs of seeds 001-002 (clean Japanese as published; seeds 000 and 003 feed the
  repair engine's own test cases, so they are left out here);
- en: six hand-written paragraphs with typographic punctuation and accented names
  (``fixtures/eval/en_typographic.txt``), then English abstract paragraphs of seed 003 and
  of seed 004 as repaired (below), without
  CJK characters (ASCII survives every corruption kind unchanged, so paragraphs with
  non-ASCII characters such as curly quotes or dashes are preferred);
- zh: the hand-written Chinese summaries of seed 003's abstracts
  (``fixtures/faithfulness/src/zh_seed003_handwritten.json``: clean, and independent of the
  repair model), plus ``ZH_FROM_004`` paragraphs of seed 004 *as repaired by digestkit.repair*
  for Markdown/emoji structure, used only when the repair is confident (every repaired span
  at or above ``--min-confidence``) and left no U+FFFD or mojibake. Caveat written into the
  file: those few passed through the language model the repair uses.
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
ZH_FROM_004 = 3
_BLANK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[。！？.!?])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
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


def _repaired_004(min_confidence: float) -> list[str]:
    """Blocks of seed 004 as repaired, kept only when the repair is confident and clean."""
    from digestkit.repair import repair_text

    kept = []
    for block in _BLANK.split(_seed("004")):
        if not block.strip():
            continue
        fixed = repair_text(block.strip())
        low = [s for s in fixed.spans if s.confidence < min_confidence]
        if not low and "\ufffd" not in fixed.text and not _MOJIBAKE_LEFT.search(fixed.text):
            kept.append(fixed.text)
    return kept


def _handwritten_zh() -> list[str]:
    path = ROOT / "fixtures" / "faithfulness" / "src" / "zh_seed003_handwritten.json"
    if not path.is_file():
        return []
    return [_clip(t) for t in json.loads(path.read_text(encoding="utf-8"))["summaries"].values()]


def _typographic_en() -> list[str]:
    """Hand-written English with curly quotes, dashes, ellipses and accented names: abstracts
    are nearly pure ASCII, which no corruption changes, so they alone measure nothing."""
    path = ROOT / "fixtures" / "eval" / "en_typographic.txt"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return [_clip(p.strip()) for p in text.split("\n\n") if p.strip()]


def _is_plain_english(text: str) -> bool:
    # Headings like "论文总结：Multi-Head ..." are mostly Latin letters but not English prose.
    return not _CJK.search(text)


def sources(per_lang: int, min_confidence: float) -> dict[str, list[tuple[str, str]]]:
    """``{lang: [(origin, paragraph), ...]}``; the origin names where the clean text came from."""
    repaired = _repaired_004(min_confidence)
    # Seeds 000 and 003 feed the repair engine's own test cases (fixtures/repair/): the
    # evaluation draws its Japanese from 001 and 002 so that it is not graded on its homework.
    ja = [p for n in ("001", "002") for p in paragraphs(_seed(n), "ja")]
    zh004 = [p for block in repaired for p in paragraphs(block, "zh")]
    en = [p for text in (_seed("003"), *repaired) for p in paragraphs(text, "en")]
    en = [p for p in en if _is_plain_english(p)]
    return {
        "ja": [("seeds-001-002", p) for p in _spread(ja, per_lang)],
        # Hand-written prose first (independent of the repair model), then a few repaired
        # seed-004 paragraphs for Markdown, emoji and mixed-script structure.
        "zh": [("handwritten", p) for p in _spread(_handwritten_zh(), per_lang)]
        + [("seed004-repaired", p) for p in _spread(zh004, ZH_FROM_004)],
        "en": [("handwritten-typographic", p) for p in _typographic_en()]
        + [("seeds-003-004", p) for p in _spread(en, per_lang, prefer_non_ascii=True)],
    }


def build(per_lang: int, min_confidence: float) -> dict[str, object]:
    from digestkit.repair.corrupt import CORRUPTION_KINDS, KINDS, corrupt

    cases = []
    by_lang = sources(per_lang, min_confidence)
    for lang, texts in by_lang.items():
        for i, (origin, clean) in enumerate(texts):
            # Each clean paragraph is also a negative case: repair must leave it alone.
            cases.append({"id": f"{lang}-{i}-clean", "lang": lang, "kind": "clean", "category": "clean", "origin": origin,
                          "corrupted": clean, "clean": clean})  # fmt: skip
            for kind in CORRUPTION_KINDS:
                corrupted = corrupt(clean, kind, seed=i)
                category = "lossy" if KINDS[kind].lossy else "lossless"
                cases.append({"id": f"{lang}-{i}-{kind}", "lang": lang, "kind": kind, "category": category, "origin": origin,
                              "corrupted": corrupted, "clean": clean})  # fmt: skip
    return {
        "generator": "python -m eval.make_repair_pairs "
        f"--per-lang {per_lang} --min-confidence {min_confidence}",
        "corruption_kinds": list(CORRUPTION_KINDS),
        "paragraphs": {lang: len(texts) for lang, texts in by_lang.items()},
        "caveat": f"zh: the last {ZH_FROM_004} paragraphs are seed 004 as repaired by "
        "digestkit.repair (confident spans only): they passed through the language model the "
        "repair uses; the others are hand-written.",
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
