"""One repair, orchestrated: pick the code page, re-read its runs, rebuild what was lost.

A pass works run by run (see :mod:`.lossless`): a run that decodes as UTF-8 is replaced
(lossless); a run that does not is cut into decoded characters and damaged sequences
(slots, see :mod:`.lossy`). Which bytes this document lost is estimated from the bytes
that survive. Slots are then decided in two rounds: a Viterbi search per group of
adjacent slots under the language prior (ASCII statistics taken from the document), then
each doubtful slot again with its neighbours fixed, document character counts, a
word-match bonus and bracket pairing. Double mojibake takes a second pass. Text outside
runs is never touched.

Plans are tuples of ``(action, codec)``: ``("encode", c), ("decode", "utf-8")`` when the
whole text re-reads losslessly (the same steps ftfy writes), otherwise
``("reread", c)`` (run-wise, lossless only) or ``("rebuild", c)`` (run-wise, lost bytes
chosen by the model). :func:`replay` runs them on any text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from digestkit.repair import lossy as _lossy
from digestkit.repair.detect import looks_like_mojibake
from digestkit.repair.lossless import (
    HOLE,
    CodecChoice,
    CodecTable,
    choose_codec,
    codec_table,
    run_bytes,
)
from digestkit.repair.lossy import (
    SPACE,
    SPACE_WAS_NBSP,
    Candidate,
    Slot,
    bracket_bonus,
    candidates,
    decode_slots,
    estimate_losses,
    prune,
    refine_slot,
    sequence_length,
)
from digestkit.repair.model import CharModel
from digestkit.repair.types import RepairConfig, Repaired, RepairSpan, Spans

__all__ = ["repair_pass", "repair_suspicious", "replay"]

logger = logging.getLogger(__name__)

Piece = str | Slot
Losses = tuple[tuple[int, float], ...]

#: Characters of context on each side that the word-match bonus may look at.
_CONTEXT = 6
#: Multi-byte sequences (whole or damaged) that make a text clearly mojibake.
STRONG = 3
#: Characters of the line before a slot in which a bracket's opener is looked for.
_LINE = 80
#: A slot the first round decides with at least this confidence skips the second round.
SURE = 0.995
#: Strong, lossy passes run on arrays (:mod:`.fastpass`); False runs them run by run.
ARRAYS = True


@dataclass
class _Run:
    start: int
    end: int
    original: str
    pieces: list[Piece] = field(default_factory=list)

    @property
    def lossy(self) -> bool:
        return any(isinstance(p, Slot) for p in self.pieces)


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
        orphan = not strong and not (i + 1 < n and _is_cont(toks[i + 1][0]))
        if not need or not lossy or lone or orphan:
            pieces.append(ch)
            i += 1
            continue
        slot, i = _slot(toks, i, need, table, losses)
        pieces.append(slot if slot.options else slot.original)
    return pieces


def _is_cont(byte: int) -> bool:
    return byte == -2 or 0x80 <= byte <= 0xBF


def _slot(
    toks: list[tuple[int, str]], i: int, need: int, table: CodecTable, losses: Losses
) -> tuple[Slot, int]:
    """The slot starting at lead token ``i``; returns it and the index after it."""
    lead = toks[i][0]
    j, seen = i + 1, list[int]()
    while j < len(toks) and len(seen) < need and _is_cont(toks[j][0]):
        seen.append(-1 if toks[j][0] == -2 else toks[j][0])
        j += 1
    original = "".join(ch for _, ch in toks[i:j])
    options = list(candidates((lead, *seen), table.codec, losses))
    # What follows may hold the lost bytes themselves: '?' marks, an NBSP turned into a
    # space; continuation bytes after them belong to this character too.
    k, more, marks = j, list[int](), 0
    while k < len(toks) and len(seen) + len(more) < need:
        byte, ch = toks[k]
        if byte == -1 and ch in " ?" and not (ch == " " and marks):
            more.append(0xA0 if ch == " " else -1)
            marks += 1
        elif _is_cont(byte) and marks:
            more.append(-1 if byte == -2 else byte)
        else:
            break
        k += 1
    eaten = candidates((lead, *seen, *more), table.codec, losses) if marks else ()
    if eaten:
        tail = "".join(ch for _, ch in toks[j:k])
        cost = dict(losses).get(SPACE, SPACE_WAS_NBSP) * (0xA0 in more)
        options = [Candidate(c.text + tail, c.prior) for c in options]
        options += [Candidate(c.text, c.prior + cost) for c in eaten]
        original += tail
        j = k
    return Slot(original, tuple(options)), j


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


def language_from_counts(kana: int, hangul: int, han: int) -> str:
    """The language whose model reads a document with these script counts (the rule of
    :func:`_language`, shared with the array pass, which counts on arrays).

    >>> language_from_counts(0, 0, 5), language_from_counts(1, 0, 5), language_from_counts(0, 0, 0)
    ('zh', 'ja', 'en')
    """
    if hangul > max(kana, han):
        return "ko"
    if kana and kana * 20 >= han:
        return "ja"
    return "zh" if han else "en"


def repair_pass(
    text: str, table: CodecTable, config: RepairConfig, strong: bool = True
) -> tuple[str, Sequence[RepairSpan], bool]:
    """Re-read every run of ``table``'s code page in ``text``; returns text, spans, lossy?

    ``strong`` says the document as a whole is clearly mojibake in this code page; when it
    is not (a few characters of evidence), a run that re-reads as Latin/Greek/Cyrillic
    letters only must also look wrong as it stands (ftfy's badness heuristic), so clean
    text like ``∆∂`` (which MacRoman would turn into ``ƶ``) stays.
    """
    if strong and config.lossy and ARRAYS:
        from digestkit.repair.fastpass import fast_pass

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
        losses = estimate_losses(_byte_counts(raws), table.codec)
        for r, raw in damaged:
            if strong or _plausible(r.original, raw.decode("utf-8", "ignore")):
                r.pieces = _parse_run(r.original, raw, table, config.lossy, losses, strong)
            else:
                r.pieces = [r.original]
    runs = [r for r in runs if r.pieces != [r.original]]
    if any(r.lossy for r in runs):
        _decide(text, runs, config)
    return _assemble(text, runs)


def _decide(text: str, runs: list[_Run], config: RepairConfig) -> None:
    """Choose every slot's reading with the character model.

    Two rounds, EM-style: the first uses the language prior alone (a damaged character's
    own readings are never seen intact in the document, so raw document counts would
    favour the wrong ones); the second adds the document's text, including the first
    round's readings, so a word decoded confidently in one place helps it elsewhere.
    """
    intact: list[str] = []
    prev = 0
    for r in runs:
        intact.append(text[prev : r.start])
        intact.extend(p for p in r.pieces if isinstance(p, str))
        prev = r.end
    intact.append(text[prev:])
    known = "".join(intact)
    model = CharModel(_language(known))
    model.observe_always_visible(known)
    if config.document_prior:
        model.observe_intact(known)
    lossy = [r for r in runs if r.lossy]
    pruned: dict[str, tuple[Candidate, ...]] = {}
    for r in lossy:
        for p in r.pieces:
            if isinstance(p, Slot):
                if p.original not in pruned:
                    pruned[p.original] = prune(p.options, model)
                p.options = pruned[p.original]
    _decide_all(text, lossy, model, {})
    if config.document_prior:
        model.observe(_assemble_text(text, runs))
    _decide_all(text, lossy, model, {}, refine=True)


# Digests repeat themselves (the same headings and phrases in every entry), so the same
# damaged characters recur in the same context: a decision depends only on the slots'
# original text and the context, so it is memoised per round (``Memo``).
Memo = dict[tuple[str, ...], list[tuple[int, float]]]


def _decide_all(
    text: str, runs: list[_Run], model: CharModel, memo: Memo, refine: bool = False
) -> None:
    for r in runs:
        before = text[max(0, r.start - _CONTEXT) : r.start]
        after = text[r.end : r.end + _CONTEXT]
        (_refine_run if refine else _decide_run)(r, before, after, model, memo)


def _remember(
    memo: Memo, key: tuple[str, ...], group: list[Slot], decide: Callable[[], None]
) -> None:
    hit = memo.get(key)
    if hit is None:
        decide()
        memo[key] = [(q.choice, q.confidence) for q in group]
    else:
        for q, (choice, confidence) in zip(group, hit, strict=True):
            q.choice, q.confidence = choice, confidence


def _render(p: Piece) -> str:
    return p if isinstance(p, str) else p.options[p.choice].text if p.choice >= 0 else p.original


def _decide_run(r: _Run, before: str, after: str, model: CharModel, memo: Memo) -> None:
    """Viterbi over each group of adjacent slots, the run's decoded text as context."""
    pieces = r.pieces
    i = 0
    left = before[-1:]
    while i < len(pieces):
        p = pieces[i]
        if isinstance(p, str):
            left = p[-1] if p else left
            i += 1
            continue
        j = i
        while j < len(pieces) and isinstance(pieces[j], Slot):
            j += 1
        group = [q for q in pieces[i:j] if isinstance(q, Slot)]
        right = _render(pieces[j])[:1] if j < len(pieces) else after[:1]
        key = (left, right, *(q.original for q in group))
        _remember(memo, key, group, lambda: decode_slots(group, left, right, model))  # noqa: B023
        left = _render(group[-1])[-1]
        i = j


def _refine_run(r: _Run, before: str, after: str, model: CharModel, memo: Memo) -> None:
    """Re-decide each slot with its neighbours fixed, now with the word-match bonus."""
    rendered = [_render(p) for p in r.pieces]
    for n, p in enumerate(r.pieces):
        if isinstance(p, Slot) and p.confidence < SURE:
            left = (before + "".join(rendered[:n]))[-_CONTEXT:]
            right = ("".join(rendered[n + 1 :]) + after)[:_CONTEXT]
            line = (before + "".join(rendered[:n])).rpartition("\n")[2][-_LINE:]
            key = (left, right, p.original, line if _has_bracket(p) else "")
            _remember(memo, key, [p], lambda: refine_slot(p, left, right, model, line))  # noqa: B023
            rendered[n] = _render(p)


def _has_bracket(slot: Slot) -> bool:
    return any(bracket_bonus(c.text, "") for c in slot.options)


def _assemble_text(text: str, runs: list[_Run]) -> str:
    """The text with every run's current reading (what :func:`_assemble` returns first)."""
    out: list[str] = []
    prev = 0
    for r in runs:
        out.append(text[prev : r.start])
        out.extend(map(_render, r.pieces))
        prev = r.end
    out.append(text[prev:])
    return "".join(out)


def _assemble(text: str, runs: list[_Run]) -> tuple[str, list[RepairSpan], bool]:
    out: list[str] = []
    spans: list[RepairSpan] = []
    pos = prev = 0
    lossy = False
    for r in runs:
        gap = text[prev : r.start]
        out.append(gap)
        pos += len(gap)
        texts, conf = [], 1.0
        for p in r.pieces:
            if isinstance(p, Slot):
                texts.append(p.options[p.choice].text)
                conf = min(conf, p.confidence)
            else:
                texts.append(p)
        new = "".join(texts)
        kind = "lossy" if r.lossy else "lossless"
        lossy = lossy or r.lossy
        out.append(new)
        if new != r.original:
            spans.append(RepairSpan(pos, pos + len(new), r.original, new, conf, kind))
        pos += len(new)
        prev = r.end
    out.append(text[prev:])
    return "".join(out), spans, lossy


def _pass_steps(before: str, after: str, codec: str, lossy: bool) -> tuple[tuple[str, str], ...]:
    if not lossy:
        try:
            if before.encode(codec).decode("utf-8") == after:
                return (("encode", codec), ("decode", "utf-8"))
        except UnicodeError:
            pass
        return (("reread", codec),)
    return (("rebuild", codec),)


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
        choice = choose_codec(current, config.codecs)
        if choice is None:
            break
        strong = choice.valid >= STRONG
        table = codec_table(choice.codec)
        fixed, pass_spans, lossy = repair_pass(current, table, config, strong)
        if lossy and choice.ties:
            choice, (fixed, pass_spans, lossy) = _break_tie(current, choice, config)
        if fixed == current:
            break
        # Spans of an earlier pass are re-expressed against the final text by the last pass.
        spans = _merge_spans(text, fixed) if steps else pass_spans
        steps.extend(_pass_steps(current, fixed, choice.codec, lossy))
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
        results.append((_fluency(fixed, spans), -rank, codec, (fixed, spans, lossy)))
    _, _, codec, result = max(results)
    return replace(choice, codec=codec, confidence=round(choice.confidence * 0.75, 4)), result


#: Characters of context on each side of a span that :func:`_fluency` segments into words.
WORD_REACH = 6


def _fluency(text: str, spans: Sequence[RepairSpan]) -> float:
    """How well the repaired spans read: their bigram log-likelihood (one character of
    context each side) plus, weighted as the pass weighs it, the value of the words they
    form with :data:`WORD_REACH` characters around them (:meth:`CharModel.segmentation_value`).

    Bigrams alone read ``#ネルチモーダル`` better than ``#マルチモーダル`` (``#ネ`` and
    ``ネル`` are likelier pairs); the words tell them apart. On the development set the
    tie between cp1252 and cp1254 is now settled right 45 times of 49 (42 before).
    """
    model = CharModel(_language(text))
    total = 0.0
    for s in spans:
        piece = text[max(0, s.start - 1) : s.end + 1]
        total += sum(model.logp(a, b) for a, b in zip(piece, piece[1:], strict=False))
        wide = text[max(0, s.start - WORD_REACH) : s.end + WORD_REACH]
        total += _lossy.WORD_WEIGHT * model.segmentation_value(wide)
    return total


def _merge_spans(original: str, final: str) -> list[RepairSpan]:
    """One span per changed region between two texts (used after several passes)."""
    import difflib

    spans = []
    matcher = difflib.SequenceMatcher(None, original, final, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            spans.append(RepairSpan(j1, j2, original[i1:i2], final[j1:j2], 1.0, "lossless"))
    return spans


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
            config = RepairConfig(lossy=action == "rebuild")
            text = repair_pass(text, codec_table(arg), config, _is_strong(text, arg))[0]
        else:
            import ftfy

            text = ftfy.apply_plan(text, [steps[i]])
        i += 1
    return text
