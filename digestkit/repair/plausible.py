"""How plausible a decoded text reads: the judge between candidate codecs.

The bytes of a line of GBK are also valid Big5, CP949 and often Shift_JIS; a line of
KOI8-R is also valid CP1251. The candidates differ in *which* characters come out, so
:mod:`digestkit.repair.decode` decodes with each and keeps the text that reads most like
something a person wrote. These scores are pure functions of a string, cheap enough to
run on a few KiB per candidate; the character table they use (the commonest characters
of zh, ja and ko, 14 KB) is built by ``python -m tools.repair_model.build_decode_chars`` from wordfreq.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["cjk_plausibility", "word_plausibility"]

_WORDS = re.compile(r"\w+")


def cjk_plausibility(text: str, limit: int = 600) -> float:
    """Mean per-character plausibility of the non-ASCII part of ``text``, about -3..1.

    Characters among the commonest of their language (a 14 KB table built from wordfreq)
    score 1; the rest of a national standard's first level (GB2312 level 1, JIS X 0208
    level 1, Big5 common hanzi, KS X 1001 Hangul) 0; anything rarer -1. Kana make the text
    Japanese, and then a kanji must be a JIS one (EUC-JP read as GB2312 keeps the kana
    and turns kanji into simplified hanzi). Han next to Hangul (GBK read as CP949), Han
    words split by single spaces (EUC-KR read as GB2312), lone jamo and half-width kana
    are what wrong codecs produce.

    >>> data = "论文总结".encode("gbk")
    >>> cjk_plausibility(data.decode("gbk")) > cjk_plausibility(data.decode("cp949"))
    True
    """
    classes = _classify(text, limit)
    cjk = sum(1 for kind, _ in classes if kind in {"han", "kana"})
    japanese = sum(1 for kind, _ in classes if kind == "kana") >= 0.1 * (cjk + 1)
    total = 0.0
    count = 0
    before, previous = "", ""
    for kind, weight in classes:
        if kind in {"space", "ascii"}:
            before, previous = previous, kind
            continue
        if kind == "han":
            weight = _han_weight(chr(int(weight)), japanese)
            if previous == "space" and before == "han":
                weight -= 2.0
        if {previous, kind} == {"han", "hangul"}:
            weight -= 1.0
        total += weight
        count += 1
        before, previous = previous, kind
    return total / count if count else 0.0


def _classify(text: str, limit: int) -> list[tuple[str, float]]:
    """(class, weight) per non-ASCII char; each ASCII run collapses to 'space' or 'ascii'."""
    classes: list[tuple[str, float]] = []
    run = ""
    for char in text:
        if char < "\x80":
            run += char
            continue
        if run:
            classes.append(("space" if run == " " else "ascii", 0.0))
            run = ""
        classes.append(_char_weight(char))
        if len(classes) >= limit:
            break
    return classes


@functools.lru_cache(maxsize=8192)
def _char_weight(char: str) -> tuple[str, float]:
    """The script class of ``char`` and its weight (for Han: its code point, see above)."""
    code = ord(char)
    if 0x4E00 <= code <= 0x9FFF:
        return "han", float(code)
    if 0x3041 <= code <= 0x30FF:
        return "kana", _tiered(char in _common("ja"), True)
    if 0xAC00 <= code <= 0xD7A3:
        return "hangul", _tiered(char in _common("ko"), _encodes(char, "euc_kr"))
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return "punct", 0.5
    if 0x3130 <= code <= 0x318F or 0xFF61 <= code <= 0xFF9F:
        return "odd", -2.0
    if unicodedata.category(char) in {"Cc", "Co", "Cn", "Cs"}:
        return "odd", -3.0
    if unicodedata.category(char)[0] in "PS" and any(
        _encodes(char, codec) for codec in ("gb2312", "euc_jp", "euc_kr")
    ):
        return "other", 0.0  # ×, −, ①, ※: symbols the national standards carry
    return "other", -0.5


@functools.lru_cache(maxsize=16384)
def _han_weight(char: str, japanese: bool) -> float:
    if japanese:
        return _tiered(char in _common("ja"), _in_range(char, "shift_jis", 0x889F, 0x9872))
    return _tiered(
        char in _common("zh") or char in _common("zh-Hant"),
        _in_range(char, "gb2312", 0xB0A1, 0xD7FE) or _in_range(char, "big5", 0xA440, 0xC67E),
    )


def _tiered(top: bool, first_level: bool) -> float:
    """+1 for the commonest characters, 0 for the rest of a first level, -1 otherwise."""
    return 1.0 if top else (0.0 if first_level else -1.0)


@functools.cache
def _common(lang: str) -> frozenset[str]:
    """The commonest characters of ``lang`` (built by ``python -m tools.repair_model.build_decode_chars``)."""
    from importlib import resources  # ~3 ms, and only a text that needs judging gets here

    table = resources.files(__package__).joinpath("decode_chars.txt").read_text("utf-8")
    for line in table.splitlines():
        name, _, chars = line.partition("\t")
        if name == lang:
            return frozenset(chars)
    return frozenset()


def _in_range(char: str, codec: str, low: int, high: int) -> bool:
    try:
        encoded = char.encode(codec)
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and low <= int.from_bytes(encoded, "big") <= high


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def word_plausibility(text: str) -> float:
    """Share of words with non-ASCII letters that look written, minus stray symbols.

    A word in one script with a normal case pattern (``word``, ``Word``, ``WORD``) is
    plausible; KOI8-R read as CP1251 gives ``бОЛЭЬХЕ``, CP1253 read as CP1251 mixes in
    symbols, Shift_JIS gives half-width kana and kanji.

    >>> data = "Большие языковые модели".encode("koi8_r")
    >>> data.decode("cp1251")
    'вПМШЫЙЕ СЪЩЛПЧЩЕ НПДЕМЙ'
    >>> word_plausibility(data.decode("koi8_r")), round(word_plausibility(data.decode("cp1251")), 2)
    (1.0, 0.33)
    """
    good = bad = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        if not word.isalpha():  # "Ѓ0Љ7": digits inside a word of non-ASCII letters
            bad += 1
            continue
        scripts = {_script(char) for char in word}
        cased = word.islower() or word.isupper() or word.istitle()
        has_case = any(char.islower() or char.isupper() for char in word)
        if len(scripts) == 1 and "CJK" not in scripts and (cased or not has_case):
            good += 1
        else:
            bad += 1
    symbols = sum(1 for char in text if char >= "\x80" and _script(char) == "SYMBOL")
    total = good + bad + symbols
    return (good - bad - symbols) / total if total else 0.0


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str:
    if not (char.isalpha()):
        return "PUNCT" if unicodedata.category(char).startswith(("P", "Z")) else "SYMBOL"
    name = unicodedata.name(char, "UNKNOWN")
    if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "HANGUL")):
        return "CJK"
    return name.split()[0]
