"""Lossy-repair errors per damaged character on VALIDATION text: never tuned on.

``eval.repair_dev`` is where the repair weights are tuned; ``make eval``'s pairs are the
test set. This script checks a change on a third set before the pairs are looked at:

- the faithfulness control summaries (``fixtures/faithfulness/controls_{zh,ja}.jsonl``)
  that share no 12-character stretch with the eval pairs or the dev texts;
- translated UI strings of the machine's ``/usr/share/locale/{zh_CN,ja}/LC_MESSAGES/*.mo``
  (40 chunks each, when present: machine-dependent, so the numbers are only comparable
  on one machine).

Each ~600-character chunk is damaged with every lossy kind and repaired alone.

    .venv/bin/python -m eval.repair_validate [--closer-bonus 0 --closer-bonus 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import gettext
import json
import random
from collections.abc import Iterable
from pathlib import Path

from digestkit.evaluation.repair_damage import damaged_errors, damaged_mask, dev_chunks
from digestkit.repair import RepairConfig, repair_text
from digestkit.repair.corrupt import KINDS, LOSSY_KINDS, corrupt
from digestkit.repair.types import LossyWeights

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
SHINGLE = 12
LOCALES = {"zh": "zh_CN", "ja": "ja"}


def _shingles(texts: Iterable[str]) -> set[str]:
    return {t[i : i + SHINGLE] for t in texts for i in range(len(t) - SHINGLE + 1)}


def _chunks(paragraphs: Iterable[str], size: int = 600) -> list[str]:
    chunks, cur = [], ""
    for p in paragraphs:
        cur += p + "\n"
        if len(cur) >= size:
            chunks.append(cur)
            cur = ""
    return chunks


def control_chunks(lang: str) -> list[str]:
    """Control summaries sharing no 12-character stretch with the eval pairs or dev texts."""
    pairs = json.loads((FIX / "eval" / "repair_pairs.json").read_text(encoding="utf-8"))
    seen = _shingles(c["clean"] for c in pairs["cases"])
    seen |= _shingles(t for lg in ("zh", "ja") for _, t in dev_chunks(FIX, lg))
    kept, done = [], set()
    path = FIX / "faithfulness" / f"controls_{lang}.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["summary"].strip()
        if len(text) < 40 or text in done:
            continue
        done.add(text)
        if not any(text[i : i + SHINGLE] in seen for i in range(len(text) - SHINGLE + 1)):
            kept.append(text)
    return _chunks(kept)


def mo_chunks(lang: str, limit: int = 40) -> list[str]:
    """Translated strings with at least 10 Han characters from the machine's .mo files."""
    texts = []
    for path in sorted(Path(f"/usr/share/locale/{LOCALES[lang]}/LC_MESSAGES").glob("*.mo")):
        try:
            with path.open("rb") as handle:
                catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        except (OSError, ValueError):
            continue
        for value in catalog.values():
            han = sum("\u4e00" <= c <= "\u9fff" for c in value) if isinstance(value, str) else 0
            if han >= 10 and len(value) >= 20:
                texts.append(value.strip())
    random.Random(0).shuffle(texts)
    return _chunks(texts)[:limit]


def score(chunks: list[str], config: RepairConfig) -> dict[str, list[int]]:
    """Per kind and per code page: [wrong, damaged] characters."""
    out: dict[str, list[int]] = {}
    for n, clean in enumerate(chunks):
        for kind in LOSSY_KINDS:
            damaged = corrupt(clean, kind, seed=n)
            got = repair_text(damaged, config).text
            wrong, total = damaged_errors(clean, got, damaged_mask(clean, damaged, kind))
            for key in ("all", KINDS[kind].codec):
                acc = out.setdefault(key, [0, 0])
                acc[0] += wrong
                acc[1] += total
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--closer-bonus", type=float, action="append")
    args = parser.parse_args(argv)
    bonuses = args.closer_bonus or [LossyWeights().closer_bonus]
    sets = {lang: control_chunks(lang) + mo_chunks(lang) for lang in ("zh", "ja")}
    for lang, chunks in sets.items():
        print(f"{lang}: {len(chunks)} chunks, {sum(map(len, chunks))} characters")
    for bonus in bonuses:
        weights = dataclasses.replace(LossyWeights(), closer_bonus=bonus)
        for lang, chunks in sets.items():
            res = score(chunks, RepairConfig(weights=weights, threads=1))
            cells = "  ".join(
                f"{key} {w / max(t, 1):.2%} ({w}/{t})" for key, (w, t) in sorted(res.items())
            )
            print(f"closer_bonus={bonus} {lang}: {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
