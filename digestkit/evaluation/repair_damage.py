"""Error rate per damaged character: how often a character that lost bytes comes back wrong.

Why beside CER: CER divides by every character of a document, and English, markup and
characters that lost nothing dilute it; a reader of a Chinese README damaged through
cp1254 meets the wrong characters among the *damaged* ones. A character is damaged when its
UTF-8 bytes include one the corruption loses (:meth:`~digestkit.repair.corrupt.Kind.lost_bytes`:
the code page's undefined bytes, and the soft hyphen / NBSP some kinds strip), on a line the
corruption touched. It is wrong when the alignment of gold and repair (difflib) does not
keep it. Rates are reported per language and code page, on the eval pairs (``make eval``'s
test set, never tuned on) and on the development set (:func:`dev_chunks`, where tuning
happens).

>>> mask = damaged_mask("不是", "ä¸æ˜¯", "cp1252-ignore")
>>> mask, damaged_errors("不是", "中是", mask)
([True, False], (1, 1))
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["DEV_SOURCES", "damage_table_rows", "damaged_errors", "damaged_mask", "dev_chunks"]

#: The development set: clean text that ``make eval``'s pairs do not use (tune here).
DEV_SOURCES = {
    "zh": ("repair/clean_zh.txt", "repair/dev_zh.txt"),
    "ja": ("seeds/000_*.txt", "seeds/003_*.txt", "repair/dev_ja.txt"),
}


def dev_chunks(fixtures: Path, lang: str, size: int = 600) -> list[tuple[str, str]]:
    """(name, clean chunk) for every ~``size``-character chunk of ``lang``'s dev sources."""
    from digestkit.repair.corrupt import _chunks

    out = []
    for pattern in DEV_SOURCES[lang]:
        for path in sorted(fixtures.glob(pattern)):
            for n, chunk in enumerate(_chunks(path.read_text(encoding="utf-8"), size)):
                out.append((f"{path.stem}#{n}", chunk))
    return out


def damaged_mask(clean: str, corrupted: str, kind: str) -> list[bool]:
    """Per character of ``clean``: did ``kind`` lose one of its bytes? Lines the corruption
    left as they were (``mixed-lossy`` damages about half) have none."""
    from digestkit.repair.corrupt import KINDS

    lost = KINDS[kind].lost_bytes()
    if not lost:
        return [False] * len(clean)
    lines, damaged_lines = clean.split("\n"), corrupted.split("\n")
    same = len(lines) == len(damaged_lines)
    mask: list[bool] = []
    for n, line in enumerate(lines):
        touched = not same or damaged_lines[n] != line
        mask += [touched and any(b in lost for b in ch.encode("utf-8")) for ch in line]
        mask.append(False)  # the newline
    return mask[: len(clean)]


def damaged_errors(clean: str, got: str, mask: list[bool]) -> tuple[int, int]:
    """(damaged characters that came back wrong, damaged characters)."""
    wrong = [False] * len(clean)
    matcher = difflib.SequenceMatcher(None, clean, got, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            for i in range(i1, i2):
                wrong[i] = True
    return sum(w and m for w, m in zip(wrong, mask, strict=True)), sum(mask)


def damage_table_rows(
    cases: Iterable[tuple[str, str, str, str, str]],
    repair: Callable[[str], str],
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(set, lang, code page) -> (wrong, damaged) over ``cases`` of (set, lang, kind, clean,
    corrupted), zh and ja only."""
    from digestkit.repair.corrupt import KINDS

    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for name, lang, kind, clean, corrupted in cases:
        if lang not in ("zh", "ja") or kind not in KINDS or not KINDS[kind].lossy:
            continue
        wrong, damaged = damaged_errors(
            clean, repair(corrupted), damaged_mask(clean, corrupted, kind)
        )
        for key in ((name, lang, KINDS[kind].codec), (name, lang, "all")):
            totals[key][0] += wrong
            totals[key][1] += damaged
    return {k: (v[0], v[1]) for k, v in sorted(totals.items())}
