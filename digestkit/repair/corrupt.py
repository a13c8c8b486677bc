"""Break clean text the ways real pipelines do, deterministically: the test and eval generator.

Each kind reproduces one real failure: UTF-8 bytes decoded with a single-byte code page
(lossless when every byte survives, "sloppy" C1 characters standing in for bytes the code
page leaves undefined, as browsers do), twice ("double"), or with the undefined bytes lost
(``-ignore``: deleted; ``-replace``: U+FFFD; ``-question``: ``?``), with invisible
characters stripped afterwards (soft hyphen 0xAD deleted, NBSP 0xA0 turned into a space),
the exact recipe of seed 004 (cp1254, errors='ignore', soft hyphens stripped), and mixed
documents where only some paragraphs are damaged.

>>> corrupt("论文总结", "cp1252")
'è®ºæ–‡æ€»ç»“'
>>> corrupt("中文", "cp1252-strip-invisible")
'ä¸æ–‡'

``python -m digestkit.repair.corrupt --make-cases OUT.json [FILE ...]`` writes JSON repair
cases (one per kind and paragraph) from clean text files.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CORRUPTION_KINDS",
    "KINDS",
    "LOSSLESS_KINDS",
    "LOSSY_KINDS",
    "Kind",
    "corrupt",
    "make_cases",
]


@dataclass(frozen=True)
class Kind:
    """One way text gets damaged: whether bytes are lost (``lossy``: repair must guess, so
    it is scored by CER; otherwise it must be exact) and the code page the UTF-8 was misread
    through (the outer one for ``double``)."""

    name: str
    lossy: bool
    codec: str
    #: Bytes whose character is removed or replaced after decoding (soft hyphen 0xAD, NBSP
    #: 0xA0 turned into a space): lost too, besides the code page's undefined bytes.
    stripped: frozenset[int] = frozenset()

    def lost_bytes(self) -> frozenset[int]:
        """The byte values this damage loses (empty for lossless kinds).

        >>> sorted(hex(b) for b in KINDS["seed004"].lost_bytes())
        ['0x81', '0x8d', '0x8e', '0x8f', '0x90', '0x9d', '0x9e', '0xad']
        """
        if not self.lossy:
            return frozenset()
        undefined = set()
        for b in range(0x80, 0x100):
            try:
                bytes([b]).decode(self.codec)
            except UnicodeDecodeError:
                undefined.add(b)
        return frozenset(undefined) | self.stripped


#: Every corruption kind: the one table the generator, ``make eval`` and the tests read.
#: ``mixed`` damages half the lines losslessly (cp1252); ``mixed-lossy`` with ``seed004``.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        *(
            Kind(c, False, c)
            for c in ("latin-1", "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255")
        ),
        *(Kind(c, False, c) for c in ("cp1256", "cp1257", "cp1258", "mac_roman", "cp437")),
        Kind("double", False, "cp1252"),
        Kind("mixed", False, "cp1252"),
        Kind("cp1252-ignore", True, "cp1252"),
        Kind("cp1252-replace", True, "cp1252"),
        Kind("cp1252-question", True, "cp1252"),
        Kind("cp1252-strip-invisible", True, "cp1252", frozenset({0xAD, 0xA0})),
        Kind("cp1250-ignore", True, "cp1250"),
        Kind("seed004", True, "cp1254", frozenset({0xAD})),
        Kind("mixed-lossy", True, "cp1254", frozenset({0xAD})),
    )
}
LOSSLESS_KINDS: tuple[str, ...] = tuple(k for k, v in KINDS.items() if not v.lossy)
LOSSY_KINDS: tuple[str, ...] = tuple(k for k, v in KINDS.items() if v.lossy)
CORRUPTION_KINDS: tuple[str, ...] = LOSSLESS_KINDS + LOSSY_KINDS


def _sloppy_decode(data: bytes, codec: str, errors: str = "sloppy") -> str:
    """Decode ``data`` with a single-byte ``codec``; undefined bytes per ``errors``.

    ``sloppy`` keeps them as the code point with the same number (U+0081 for 0x81), as web
    browsers and ftfy's sloppy codecs do; ``ignore`` drops them; ``replace`` gives U+FFFD;
    ``question`` gives ``?``.
    """
    if errors in ("ignore", "replace"):
        return data.decode(codec, errors)
    out = []
    for b in data:
        try:
            out.append(bytes([b]).decode(codec))
        except UnicodeDecodeError:
            out.append(chr(b) if errors == "sloppy" else "?")
    return "".join(out)


def _mojibake(text: str, codec: str, errors: str = "sloppy") -> str:
    return _sloppy_decode(text.encode("utf-8"), codec, errors)


def _strip_invisible(text: str) -> str:
    return text.replace("\xad", "").replace("\xa0", " ")


def _mixed(text: str, seed: int, damage: str) -> str:
    """Damage about half of the lines (at least one line that has non-ASCII text)."""
    rng = random.Random(seed)
    lines = text.split("\n")
    hit = [i for i, line in enumerate(lines) if not line.isascii()]
    chosen = {i for i in hit if rng.random() < 0.5} or set(hit[:1])
    return "\n".join(corrupt(line, damage) if i in chosen else line for i, line in enumerate(lines))


def corrupt(text: str, kind: str, *, seed: int = 0) -> str:
    """``text`` damaged the way ``kind`` says (one of :data:`CORRUPTION_KINDS`).

    Deterministic: the same ``text``, ``kind`` and ``seed`` give the same result.

    >>> corrupt("café", "double")
    'cafÃƒÂ©'
    >>> corrupt("不", "cp1252-replace"), corrupt("不", "cp1252-question")
    ('ä¸\\ufffd', 'ä¸?')
    """
    if kind == "double":
        return _mojibake(_mojibake(text, "cp1252"), "cp1252")
    if kind == "mixed":
        return _mixed(text, seed, "cp1252")
    if kind == "mixed-lossy":
        return _mixed(text, seed, "seed004")
    if kind == "seed004":
        return _mojibake(text, "cp1254", "ignore").replace("\xad", "")
    if kind == "cp1252-strip-invisible":
        return _strip_invisible(_mojibake(text, "cp1252", "ignore"))
    codec, _, errors = kind.partition("-")
    if kind in LOSSLESS_KINDS:
        return _mojibake(text, kind)
    if kind in LOSSY_KINDS and errors in ("ignore", "replace", "question"):
        return _mojibake(text, codec, errors)
    raise ValueError(f"unknown corruption kind {kind!r}; expected one of {CORRUPTION_KINDS}")


def make_cases(texts: dict[str, str], kinds: tuple[str, ...] = CORRUPTION_KINDS) -> list[dict]:
    """JSON-ready repair cases: every text (name -> clean text) under every kind.

    >>> make_cases({"t": "中文"}, ("cp1252",))[0]["in"]
    'ä¸\\xadæ–‡'
    """
    cases: list[dict] = []
    for name, text in texts.items():
        for kind in kinds:
            cases.append(
                {
                    "label": f"{name}/{kind}",
                    "kind": kind,
                    "lossy": KINDS[kind].lossy,
                    "in": corrupt(text, kind, seed=len(cases)),
                    "out": text,
                }
            )
    return cases


def _chunks(text: str, size: int) -> list[str]:
    """Whole paragraphs grouped into pieces of about ``size`` characters (non-ASCII only)."""
    out: list[str] = []
    current: list[str] = []
    for para in text.split("\n\n"):
        current.append(para)
        if sum(map(len, current)) >= size:
            out.append("\n\n".join(current))
            current = []
    if current:
        out.append("\n\n".join(current))
    return [c for c in out if not c.isascii()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m digestkit.repair.corrupt")
    parser.add_argument("--make-cases", type=Path, required=True, metavar="OUT.json")
    parser.add_argument("files", nargs="+", type=Path, help="clean UTF-8 text files")
    parser.add_argument("--kinds", default=",".join(CORRUPTION_KINDS))
    parser.add_argument("--chunk", type=int, default=600, help="characters per case (about)")
    args = parser.parse_args(argv)
    texts = {}
    for path in args.files:
        for n, chunk in enumerate(_chunks(path.read_text(encoding="utf-8"), args.chunk)):
            texts[f"{path.stem}#{n}"] = chunk
    cases = make_cases(texts, tuple(args.kinds.split(",")))
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    args.make_cases.write_text(f"[\n{lines}\n]\n", "utf-8")
    sys.stderr.write(f"wrote {len(cases)} cases to {args.make_cases}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
