"""One repair, orchestrated: pick the code page, re-read its runs, rebuild what was lost.

A pass works run by run (see :mod:`.lossless`): a run that decodes as UTF-8 is replaced
(lossless); a run that does not is cut into decoded characters and damaged sequences
(slots, see :mod:`.lossy`). The slots' readings come from the one lossy algorithm,
:mod:`.fastpass` (rounds one to three, in C or numpy). Double mojibake takes a second
pass. Text outside runs is never touched.

Plans are tuples of ``(action, codec)``: ``("encode", c), ("decode", "utf-8")`` when the
whole text re-reads losslessly (the same steps ftfy writes), otherwise
``("reread", c)`` (run-wise, lossless only) or ``("rebuild", c)`` (lost bytes
chosen by the model). :func:`replay` runs them on any text.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from digestkit.repair.detect import looks_like_mojibake
from digestkit.repair.fastpass import _model_buffers, fast_pass
from digestkit.repair.lossless import (
    HOLE,
    CodecChoice,
    CodecTable,
    choose_codec,
    codec_table,
    run_bytes,
)
from digestkit.repair.lossy import (
    Losses,
    Slot,
    _Model,
    estimate_losses,
    is_cont,
    language_from_counts,
    sequence_length,
    slot_at,
)
from digestkit.repair.model import _best_totals
from digestkit.repair.model.arrays import _POSITIVE, ModelArrays, string_codes, word_hashes
from digestkit.repair.types import LossyWeights, RepairConfig, Repaired, RepairSpan, Spans

__all__ = ["repair_pass", "repair_suspicious", "replay"]

logger = logging.getLogger(__name__)

Piece = str | Slot

#: Multi-byte sequences (whole or damaged) that make a text clearly mojibake.
STRONG = 3


@dataclass
class _Run:
    start: int
    end: int
    original: str
    pieces: list[Piece] = field(default_factory=list)
    #: Set once a damaged character was rebuilt (see :func:`_rebuild`).
    confidence: float | None = None
    characters: tuple[tuple[int, float], ...] = ()

    @property
    def lossy(self) -> bool:
        return self.confidence is not None or any(isinstance(p, Slot) for p in self.pieces)


def _tokens(run: str, raw: bytes) -> list[tuple[int, str]]:
    """(byte or -1, char) per unit: -1 marks a decoded char, a byte an undecodable one."""
    out: list[tuple[int, str]] = []
    pos = 0
    for ch in raw.decode("utf-8", "surrogateescape"):
        if "\udc80" <= ch <= "\udcff":
            byte = ord(ch) - 0xDC00
            out.append((-2 if run[pos] == HOLE else byte, run[pos]))
            pos += 1
        else:
            out.append((-1, ch))
            pos += len(ch.encode("utf-8"))
    return out


def _parse_run(
    run: str, raw: bytes, table: CodecTable, lossy: bool, losses: Losses, strong: bool = True
) -> list[Piece]:
    """Decoded characters as str pieces, damaged sequences as slots (or as-is if not lossy).

    Without ``strong`` evidence that the text is mojibake, a lead byte with no
    continuation byte after it is left alone: it is more likely a clean letter.
    """
    toks = _tokens(run, raw)
    pieces: list[Piece] = []
    i, n = 0, len(toks)
    lone = len(run.rstrip(" ?")) == 1
    while i < n:
        byte, ch = toks[i]
        need = sequence_length(byte) if byte >= 0 else 0
        orphan = not strong and not (i + 1 < n and is_cont(toks[i + 1][0]))
        if not need or not lossy or lone or orphan:
            pieces.append(ch)
            i += 1
            continue
        slot, i = slot_at(toks, i, need, table, losses)
        pieces.append(slot if slot.options else slot.original)
    return pieces


def _plausible(run: str, decoded: str) -> bool:
    """Is re-reading ``run`` as ``decoded`` convincing without help from the rest of the text?

    Yes if it yields a character beyond U+0800 (CJK, punctuation, emoji); for two-byte
    results, only letters that mojibake usually hides (Latin, Greek, Cyrillic) and only
    if the run looks wrong as it stands (ftfy's badness heuristic).
    """
    if any(ord(c) >= 0x800 for c in decoded):
        return True
    if not all(
        c.isascii() or "\u00a0" <= c <= "\u024f" or "\u0370" <= c <= "\u04ff" for c in decoded
    ):
        return False
    from ftfy.badness import is_bad

    return is_bad(run)


def _math_only(run: str) -> bool:
    """Is the run math operators only (U+2200-22FF: MacRoman's √ ≤ ∂ ∑ ...)? With too little
    evidence that the document is mojibake, ``√≤`` is then a formula, not ``ò`` (even next
    to a letter: ``A√≤B`` may be clean; ``Schr√∂dinger`` is repaired once the document
    shows more sequences).

    >>> _math_only("√≤ "), _math_only("√©")
    (True, False)
    """
    return all("\u2200" <= c <= "\u22ff" or c in " ?" for c in run)


def _byte_counts(raws: list[bytes]) -> dict[int, int]:
    blob = b"".join(raws)
    return {b: blob.count(b) for b in range(0x80, 0xC0)}


_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_HAN = re.compile("[\u4e00-\u9fff]")


def _language(text: str) -> str:
    """The document's CJK language by script counts ('en' when it has no Han or Hangul).

    >>> _language("论文总结"), _language("論文のまとめ"), _language("논문 요약"), _language("x")
    ('zh', 'ja', 'ko', 'en')
    """
    return language_from_counts(
        len(_KANA.findall(text)), len(_HANGUL.findall(text)), len(_HAN.findall(text))
    )


def repair_pass(
    text: str, table: CodecTable, config: RepairConfig, strong: bool = True
) -> tuple[str, Sequence[RepairSpan], bool]:
    """Re-read every run of ``table``'s code page in ``text``; returns text, spans, lossy?

    ``strong`` says the document as a whole is clearly mojibake in this code page; when it
    is not (a few characters of evidence), a run that re-reads as Latin/Greek/Cyrillic
    letters only must also look wrong as it stands (ftfy's badness heuristic), so clean
    text like ``∆∂`` (which MacRoman would turn into ``ƶ``) stays. Lost bytes are always
    chosen by the one lossy algorithm (:func:`.fastpass.fast_pass`); with weak evidence it
    decides only the runs judged damaged here.
    """
    if strong and config.lossy:
        return fast_pass(text, table, config)
    runs: list[_Run] = []
    raws: list[bytes] = []
    damaged: list[tuple[_Run, bytes]] = []
    for m in table.runs.finditer(text):
        run = m.group()
        raw = run_bytes(run, table)
        raws.append(raw)
        r = _Run(m.start(), m.end(), run)
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            damaged.append((r, raw))
        else:
            weak_ok = _plausible(run, decoded) and not _math_only(run)
            r.pieces = [decoded if strong or weak_ok else run]
        runs.append(r)
    if damaged:
        losses = estimate_losses(_byte_counts(raws), table.codec, config.weights)
        for r, raw in damaged:
            if strong or _plausible(r.original, raw.decode("utf-8", "ignore")):
                r.pieces = _parse_run(r.original, raw, table, config.lossy, losses, strong)
            else:
                r.pieces = [r.original]
    runs = [r for r in runs if r.pieces != [r.original]]
    if any(r.lossy for r in runs):
        _rebuild(text, runs, table, config)
    return _assemble(text, runs)


def _rebuild(text: str, runs: list[_Run], table: CodecTable, config: RepairConfig) -> None:
    """Give each run with a damaged character the reading the lossy pass gives it in the
    whole text (its spans are one per run, so they map back to input offsets)."""
    _, spans, _ = fast_pass(text, table, config)
    by_start: dict[int, RepairSpan] = {}
    shift = 0
    for s in spans:
        by_start[s.start - shift] = s
        shift += len(s.replacement) - len(s.original)
    for r in runs:
        if not r.lossy:
            continue
        span = by_start.get(r.start)
        if span is not None and span.original == r.original:
            r.pieces, r.confidence = [span.replacement], span.confidence
            r.characters = span.characters
        else:  # the pass left it alone: so does this one
            r.pieces, r.confidence = [r.original], 1.0


def _assemble(text: str, runs: list[_Run]) -> tuple[str, list[RepairSpan], bool]:
    out: list[str] = []
    spans: list[RepairSpan] = []
    pos = prev = 0
    lossy = False
    for r in runs:
        gap = text[prev : r.start]
        out.append(gap)
        pos += len(gap)
        new = "".join(p for p in r.pieces if isinstance(p, str))
        conf = 1.0 if r.confidence is None else r.confidence
        kind = "lossy" if r.lossy else "lossless"
        lossy = lossy or r.lossy
        out.append(new)
        if new != r.original:
            spans.append(RepairSpan(pos, pos + len(new), r.original, new, conf, kind, r.characters))
        pos += len(new)
        prev = r.end
    out.append(text[prev:])
    return "".join(out), spans, lossy


def _pass_steps(
    before: str, after: str, codec: str, lossy: bool, config: RepairConfig, strong: bool
) -> tuple[tuple[str, str], ...]:
    if not lossy:
        try:
            if before.encode(codec).decode("utf-8") == after:
                return (("encode", codec), ("decode", "utf-8"))
        except UnicodeError:
            pass
        return (("reread", plan_arg(codec, RepairConfig(lossy=False), strong)),)
    return (("rebuild", plan_arg(codec, config, strong)),)


def plan_arg(codec: str, config: RepairConfig, strong: bool) -> str:
    """A ``reread``/``rebuild`` step's argument: the code page, then what else the pass
    read, so that :func:`replay` gives the same text: ``weak`` (little evidence of
    mojibake), ``document_prior=0``, ``weights={...}`` (those not at their default, JSON).
    Default settings give the bare code page.

    >>> plan_arg("cp1254", RepairConfig(), True)
    'cp1254'
    >>> plan_arg("cp1254", RepairConfig(document_prior=False, weights=LossyWeights(sure=0.9)), False)
    'cp1254;weak;document_prior=0;weights={"sure":0.9}'
    """
    parts = [codec]
    if not strong:
        parts.append("weak")
    if config.lossy and not config.document_prior:
        parts.append("document_prior=0")
    default = LossyWeights()
    changed = {
        f.name: getattr(config.weights, f.name)
        for f in fields(LossyWeights)
        if config.lossy and getattr(config.weights, f.name) != getattr(default, f.name)
    }
    if changed:
        parts.append("weights=" + json.dumps(changed, separators=(",", ":")))
    return ";".join(parts)


def parse_plan_arg(arg: str, lossy: bool) -> tuple[str, RepairConfig, bool]:
    """The code page, config and evidence a :func:`plan_arg` string records.

    >>> parse_plan_arg('cp1254;weak;weights={"sure":0.9}', True)[1].weights.sure
    0.9
    """
    codec, *flags = arg.split(";")
    strong, prior, weights = True, True, LossyWeights()
    for flag in flags:
        key, _, value = flag.partition("=")
        if key == "weak":
            strong = False
        elif key == "document_prior":
            prior = value != "0"
        elif key == "weights":
            given = json.loads(value)
            typed: dict[str, Any] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in given.items()
            }
            weights = replace(weights, **typed)
        else:
            raise ValueError(f"unknown setting {key!r} in repair step {arg!r}")
    return codec, RepairConfig(lossy=lossy, document_prior=prior, weights=weights), strong


def repair_suspicious(text: str, config: RepairConfig) -> Repaired:
    """Repair text that the prefilter flagged: up to ``config.max_passes`` layers."""
    current = text
    steps: list[tuple[str, str]] = []
    spans: Sequence[RepairSpan] = ()
    encoding, confidence = None, 1.0
    for n in range(config.max_passes):
        # A second layer (or a second code page) is only worth a look if the prefilter
        # still sees mojibake; this keeps repair idempotent on mixed inputs.
        if n and not looks_like_mojibake(current, config.codecs):
            break
        choice = choose_codec(current, config.codecs, kernel=config.kernel)
        if choice is None:
            break
        strong = choice.valid >= STRONG
        table = codec_table(choice.codec)
        fixed, pass_spans, lossy = repair_pass(current, table, config, strong)
        if lossy and choice.ties:
            choice, (fixed, pass_spans, lossy) = _break_tie(current, choice, config)
            strong = _is_strong(current, choice.codec)
        if fixed == current:
            break
        # Spans of an earlier pass are re-expressed against the final text by the last pass.
        spans = _merge_spans(text, fixed) if steps else pass_spans
        steps.extend(_pass_steps(current, fixed, choice.codec, lossy, config, strong))
        if encoding is None:
            encoding, confidence = choice.codec, choice.confidence
        current = fixed
        logger.debug("pass %d with %s", n + 1, choice.codec)
    if current == text:
        return Repaired(text, False, None, 1.0)
    kept = spans if isinstance(spans, Spans) else tuple(spans)
    return Repaired(current, True, encoding, confidence, tuple(steps), kept)


def _break_tie(
    text: str, choice: CodecChoice, config: RepairConfig
) -> tuple[CodecChoice, tuple[str, Sequence[RepairSpan], bool]]:
    """Code pages that differ only in which bytes they lose explain damaged text equally
    well (cp1252 and cp1254 for CJK): let the language model read each result."""
    results = []
    for rank, codec in enumerate((choice.codec, *choice.ties)):
        strong = _is_strong(text, codec)
        fixed, spans, lossy = repair_pass(text, codec_table(codec), config, strong)
        results.append((_fluency(fixed, spans, config), -rank, codec, (fixed, spans, lossy)))
    _, _, codec, result = max(results)
    return replace(choice, codec=codec, confidence=round(choice.confidence * 0.75, 4)), result


def _fluency(
    text: str, spans: Sequence[RepairSpan], config: RepairConfig = RepairConfig()
) -> float:
    """How well the repaired spans read: their bigram log-likelihood under the prior (one
    character of context each side) plus, weighted as the pass weighs it, the value of the
    words they form with ``word_reach`` characters around them (:func:`segmentation_value`).
    On the model's arrays (:class:`.ModelArrays`), read as the lossy pass reads them
    (``lossy._Model.pair_p``, no document counts), so no text model is parsed.

    Bigrams alone read ``#ネルチモーダル`` better than ``#マルチモーダル`` (``#ネ`` and
    ``ネル`` are likelier pairs); the words tell them apart.
    """
    w = config.weights
    arrays = ModelArrays.get(_language(text))
    prior = _Model(_model_buffers(arrays), w.opener_before_end)
    total = 0.0
    for s in spans:
        piece = text[max(0, s.start - 1) : s.end + 1]
        if len(piece) > 1:
            p = [prior.pair_p(ord(a), ord(b))[0] for a, b in zip(piece, piece[1:], strict=False)]
            total += float(np.log(p).sum())
        wide = text[max(0, s.start - w.word_reach) : s.end + w.word_reach]
        total += w.word_weight * segmentation_value(arrays, wide)
    return total


def segmentation_value(arrays: ModelArrays, text: str, longest: int = 7) -> float:
    """The best total of word values (:meth:`.ModelArrays.words`) over non-overlapping
    words of ``text`` (0 when it holds no known word); :meth:`.CharModel.segmentation_value`
    on arrays.

    >>> ja = ModelArrays.get("ja")
    >>> segmentation_value(ja, "マルチモーダル") > segmentation_value(ja, "ネルチモーダル") >= 0
    True
    """
    n = len(text)
    where = [(s, e) for s in range(n) for e in range(s + 2, min(n, s + longest) + 1)]
    if not where:
        return 0.0
    codes = string_codes([text[s:e] for s, e in where], longest)
    values = arrays.words().get(word_hashes(codes).view(np.int64) & _POSITIVE, 0.0)
    found = [(s, e, v) for (s, e), v in zip(where, values.tolist(), strict=True) if v > 0]
    return _best_totals(found, 0, n)[n]


#: Longest pair of aligned pieces diffed character by character; longer ones (a long line)
#: are cut further, after each space.
_DIFF_WINDOW = 4096


def _merge_spans(original: str, final: str) -> list[RepairSpan]:
    """One span per changed region between two texts (used after several passes).

    A repair never touches ASCII, so line breaks survive every pass: the texts are
    aligned line by line and the character diff runs only inside the lines that changed
    (a line longer than ``_DIFF_WINDOW`` is aligned by its space-separated pieces first).
    That keeps the cost linear in the text (a whole-text ``SequenceMatcher`` is ~n^2: a
    1 MB double mojibake took minutes) and gives the whole-text diff's spans on such
    texts. If the line structure differs, the lines are aligned by a line diff first.

    >>> [(s.start, s.original, s.replacement) for s in _merge_spans("a\\nÃ©b", "a\\néb")]
    [(2, 'Ã©', 'é')]
    """
    spans: list[RepairSpan] = []
    _diff_parts(_cut(original, "\n"), _cut(final, "\n"), 0, spans)
    return spans


def _diff_parts(
    old: list[str], new: list[str], at_new: int, spans: list[RepairSpan], finer: str = " "
) -> None:
    """Append the spans between two texts cut into parts ``old`` and ``new`` (``at_new``:
    where ``new`` starts in the final text). Parts pair one to one when their numbers
    match (a repair keeps ASCII), else a diff of the parts pairs them; a changed pair
    longer than ``_DIFF_WINDOW`` is cut again after each ``finer`` character, once."""
    import difflib

    if len(old) == len(new):
        blocks = [(i, i + 1, i, i + 1) for i in range(len(old))]
    else:
        matcher = difflib.SequenceMatcher(None, old, new)
        blocks = [(i1, i2, j1, j2) for _, i1, i2, j1, j2 in matcher.get_opcodes()]
    for i1, i2, j1, j2 in blocks:
        a, b = "".join(old[i1:i2]), "".join(new[j1:j2])
        if a != b and finer and len(a) + len(b) > _DIFF_WINDOW:
            _diff_parts(_cut(a, finer), _cut(b, finer), at_new, spans, "")
        elif a != b:
            _diff_chars(a, b, at_new, spans)
        at_new += len(b)


def _diff_chars(a: str, b: str, at_new: int, spans: list[RepairSpan]) -> None:
    """Append the character diff of ``a`` and ``b``, common ends left out first (the diff
    costs ~len^2; a changed line mostly keeps its ends)."""
    import difflib

    head = len(os.path.commonprefix([a, b]))
    tail = len(os.path.commonprefix([a[head:][::-1], b[head:][::-1]]))
    a, b, at = a[head : len(a) - tail], b[head : len(b) - tail], at_new + head
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, k1, k2, m1, m2 in matcher.get_opcodes():
        if tag != "equal":
            spans.append(RepairSpan(at + m1, at + m2, a[k1:k2], b[m1:m2], 1.0, "lossless"))


def _cut(text: str, after: str) -> list[str]:
    """``text`` cut after each ``after`` character (for lines, ``"\\n"`` only:
    ``str.splitlines`` also cuts at U+0085, which mojibake is full of).

    >>> _cut("a\\x85b\\nc", "\\n")
    ['a\\x85b\\n', 'c']
    """
    parts = text.split(after)
    return [p + after for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _is_strong(text: str, codec: str) -> bool:
    """Is ``text`` clearly mojibake in ``codec`` (as :func:`repair_suspicious` judges it)?"""
    choice = choose_codec(text, (codec,))
    return choice is not None and choice.valid >= STRONG


def replay(text: str, steps: tuple[tuple[str, str], ...]) -> str:
    """Apply a plan from :attr:`Repaired.steps` to ``text``.

    >>> replay("cafÃ©", (("reread", "cp1252"),))
    'café'
    """
    i = 0
    while i < len(steps):
        action, arg = steps[i]
        if action == "encode" and i + 1 < len(steps) and steps[i + 1][0] == "decode":
            text = text.encode(arg).decode(steps[i + 1][1])
            i += 2
            continue
        if action in ("reread", "rebuild"):
            codec, config, strong = parse_plan_arg(arg, lossy=action == "rebuild")
            text = repair_pass(text, codec_table(codec), config, strong)[0]
        else:
            import ftfy

            text = ftfy.apply_plan(text, [steps[i]])
        i += 1
    return text
