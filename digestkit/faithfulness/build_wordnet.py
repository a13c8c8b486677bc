"""Extract WordNet's direct antonym pairs into a small data file shipped with digestkit.

    python -m digestkit.faithfulness.build_wordnet [/usr/share/wordnet]

Why a build step: WordNet (Princeton, WordNet 3.0 licence, BSD-like: use, copy, modify and
distribute with its notice) is installed by Debian's ``wordnet-base`` package, which a user
of digestkit may not have; its single-word direct antonym pairs are all the claim checks
need (6,610 rows), so they are extracted once and committed (``wordnet_antonyms.tsv``, with the
notice). Nothing reads WordNet, or downloads anything, at run time.

Only *direct* antonyms (WordNet's ``!`` pointer between two words) are kept, with their
part of speech: indirect ones (through "similar to" clusters) are the loose matches that
made the hand lists fire on related words.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).with_name("wordnet_antonyms.tsv")
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
NOTICE = """# Direct antonym pairs from WordNet 3.0 (data.noun/verb/adj/adv, pointer "!"), single
# words only: word<TAB>pos<TAB>antonym. Extracted by digestkit.faithfulness.build_wordnet.
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
# Permission to use, copy, modify and distribute this software and database and its
# documentation for any purpose and without fee or royalty is hereby granted, provided that
# you agree to comply with the following copyright notice and statements, including the
# disclaimer, and that the same appear on ALL copies of the software, database and
# documentation, including modifications that you make for internal use or for
# distribution. THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY
# MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. The name of Princeton
# University or Princeton may not be used in advertising or publicity pertaining to
# distribution of the software and/or database.
"""


def _synsets(path: Path) -> dict[str, tuple[list[str], list[tuple[str, str, str, str]]]]:
    out = {}
    for line in path.read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue
        parts = line.split(" | ")[0].split()
        offset, n_words = parts[0], int(parts[3], 16)
        words = [parts[4 + 2 * i].lower() for i in range(n_words)]
        i = 4 + 2 * n_words
        n_ptr = int(parts[i])
        ptrs = [tuple(parts[i + 1 + 4 * k : i + 5 + 4 * k]) for k in range(n_ptr)]
        out[offset] = (words, ptrs)
    return out  # type: ignore[return-value]


def extract(wordnet: Path) -> list[tuple[str, str, str]]:
    pairs: set[tuple[str, str, str]] = set()
    for name, pos in POS.items():
        synsets = _synsets(wordnet / f"data.{name}")
        for words, ptrs in synsets.values():
            for symbol, target, _tpos, st in ptrs:
                if symbol != "!" or target not in synsets:
                    continue
                src, tgt = int(st[:2], 16), int(st[2:], 16)
                a = words[src - 1].split("(")[0]
                b = synsets[target][0][tgt - 1].split("(")[0]
                if "_" in a or "_" in b or "-" in a or "-" in b:
                    continue
                pairs.add((a, pos, b))
    return sorted(pairs)


def main(argv: list[str]) -> int:
    wordnet = Path(argv[0]) if argv else Path("/usr/share/wordnet")
    pairs = extract(wordnet)
    OUT.write_text(NOTICE + "".join(f"{a}\t{p}\t{b}\n" for a, p, b in pairs), "utf-8")
    print(f"{len(pairs)} pairs -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
