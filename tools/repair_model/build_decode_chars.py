"""Build ``digestkit/repair/decode_chars.txt``: the commonest characters of zh, ja and ko.

``decode_bytes`` uses them to tell GB18030 from Big5, Shift_JIS, EUC-JP and CP949 when a
few lines of bytes are valid in all of them. Character frequencies are summed from
wordfreq's word lists (already a dependency); Traditional Chinese forms come from
wordfreq's Traditional->Simplified mapping, inverted. Rebuild (the output is identical
run after run for a given wordfreq version):

    python -m tools.repair_model.build_decode_chars
"""

from __future__ import annotations

import collections
import gzip
import pathlib

import msgpack
import wordfreq

TOP = {"zh": 1500, "ja": 1500, "ko": 800}
OUT = pathlib.Path(__file__).resolve().parents[2] / "digestkit" / "repair" / "decode_chars.txt"


def top_chars(lang: str, count: int) -> str:
    freq: collections.defaultdict[str, float] = collections.defaultdict(float)
    for word, value in wordfreq.get_frequency_dict(lang).items():
        for char in word:
            if ord(char) >= 0x2E80:
                freq[char] += value
    ranked = sorted(freq.items(), key=lambda item: -item[1])  # stable: ties keep first-seen order
    return "".join(char for char, _ in ranked[:count])


def traditional_forms(simplified: str) -> str:
    path = pathlib.Path(wordfreq.__file__).parent / "data/_chinese_mapping.msgpack.gz"
    with gzip.open(path) as handle:
        # A str.translate table: code point of a Traditional form -> Simplified string.
        mapping = msgpack.load(handle, raw=False, strict_map_key=False)
    wanted = set(simplified)
    return "".join(sorted(chr(t) for t, s in mapping.items() if s in wanted and chr(t) != s))


def main() -> None:
    lines = {lang: top_chars(lang, count) for lang, count in TOP.items()}
    lines["zh-Hant"] = traditional_forms(lines["zh"])
    body = "".join(f"{lang}\t{chars}\n" for lang, chars in lines.items())
    OUT.write_text(body, encoding="utf-8")
    print(f"wrote {OUT} ({len(body.encode())} bytes)")


if __name__ == "__main__":
    main()
