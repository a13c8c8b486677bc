"""Build the character language model that chooses lost bytes: ``python -m digestkit.repair.model.build``.

Why a character model: a lost UTF-8 continuation byte leaves ~16 candidate characters,
all from the same 64-character block of the same script, so what tells them apart is how
common each character is and how well it follows its neighbour. ``wordfreq`` ships word
frequencies for zh / ja / ko / en; summing them over the characters and within-word
character pairs gives a unigram and a bigram table per language. Punctuation is absent from
word lists, so a small hand-set prior for CJK punctuation (from typical prose rates) is mixed
in.

The output, ``charlm.tsv.gz`` beside this file, is a few hundred kB: one section per
language, lines ``u<TAB>char<TAB>-logp*100<TAB>-log(backoff)*100`` and
``b<TAB>pair<TAB>-log P(b|a)*100`` (integers, 0.01 nat resolution). Loading it takes well
under a second (:mod:`digestkit.repair.model`). The build takes ~20 s and is deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import math
import unicodedata
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).with_name("charlm.tsv.gz")

#: (language, wordfreq list, unigram entries kept, bigram entries kept)
LANGS = (
    ("zh", "large", 14000, 220000),
    ("ja", "large", 9000, 160000),
    ("ko", "small", 3500, 40000),
    ("en", "large", 400, 3000),
)

#: Share of all characters that is punctuation in running prose, by character.
PUNCT = {
    "zh": {
        "，": 0.055,
        "。": 0.028,
        "、": 0.008,
        "：": 0.006,
        "（": 0.005,
        "）": 0.005,
        "“": 0.005,
        "”": 0.005,
        "；": 0.002,
        "《": 0.002,
        "》": 0.002,
        "！": 0.001,
        "？": 0.001,
        "—": 0.001,
        "…": 0.0005,
        "·": 0.0005,
        "【": 0.0005,
        "】": 0.0005,
        "‘": 0.0003,
        "’": 0.0003,
    },
    "ja": {
        "、": 0.035,
        "。": 0.03,
        "「": 0.005,
        "」": 0.005,
        "（": 0.004,
        "）": 0.004,
        "・": 0.003,
        "：": 0.001,
        "！": 0.001,
        "？": 0.001,
        "『": 0.0005,
        "』": 0.0005,
        "【": 0.0005,
        "】": 0.0005,
        "〜": 0.0005,
        "…": 0.0005,
        "，": 0.0005,
        "．": 0.0005,
    },
    "ko": {".": 0.02, ",": 0.01},
    "en": {},
}


def _keep(ch: str) -> bool:
    return not ch.isascii() and unicodedata.category(ch)[0] in "LNPS"


def count_language(
    lang: str, wordlist: str
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Character, pair and word-final weights from wordfreq's list for ``lang``."""
    from wordfreq import get_frequency_dict

    uni: dict[str, float] = defaultdict(float)
    pair: dict[str, float] = defaultdict(float)
    final: dict[str, float] = defaultdict(float)
    for word, freq in get_frequency_dict(lang, wordlist=wordlist).items():
        if lang != "en" and word.isascii():
            continue
        for i, ch in enumerate(word):
            uni[ch] += freq
            if i + 1 < len(word):
                pair[word[i : i + 2]] += freq
        final[word[-1]] += freq
    return uni, pair, final


def build_language(lang: str, wordlist: str, n_uni: int, n_pair: int) -> list[str]:
    """The lines of one language section."""
    uni, pair, _ = count_language(lang, wordlist)
    kept = sorted((c for c in uni if _keep(c)), key=lambda c: (-uni[c], c))[:n_uni]
    total = sum(uni[c] for c in kept)
    punct = PUNCT[lang]
    letters_share = 1.0 - sum(punct.values())
    probs = {c: letters_share * uni[c] / total for c in kept}
    for ch, p in punct.items():
        probs[ch] = probs.get(ch, 0.0) + p
    keep_set = set(probs)
    pairs = [p for p in pair if p[0] in keep_set and p[1] in keep_set]
    pairs.sort(key=lambda p: (-pair[p], p))
    pairs = pairs[:n_pair]
    cond = {p: pair[p] / uni[p[0]] for p in pairs}
    mass: dict[str, float] = defaultdict(float)
    for pr, v in cond.items():
        mass[pr[0]] += v
    lines = [f"#\t{lang}"]
    for ch in sorted(probs, key=lambda c: (-probs[c], c)):
        backoff = max(1.0 - mass.get(ch, 0.0), 1e-3)
        lines.append(
            f"u\t{ch}\t{round(-100 * math.log(probs[ch]))}\t{round(-100 * math.log(backoff))}"
        )
    for pr in pairs:
        lines.append(f"b\t{pr}\t{round(-100 * math.log(cond[pr]))}")
    return lines


def build(out: Path = OUT) -> Path:
    """Write the model file; returns its path."""
    lines: list[str] = []
    for lang, wordlist, n_uni, n_pair in LANGS:
        lines.extend(build_language(lang, wordlist, n_uni, n_pair))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    path = build(args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")  # noqa: T201 - a build script's report
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
