"""Scripted perturbations: labelled unfaithful summaries made from faithful ones.

The only way to know whether a checker catches a wrong number in a Japanese summary is to
hand it Japanese summaries with known wrong numbers. Each function here takes a faithful
summary and returns one edited copy (or ``None`` when the edit does not apply), with what
was changed: a number, a name, a negation, an antonym, an inserted fact, the wrong
language; and two faithful controls (a sentence dropped, sentences reordered) that a good
checker must *not* flag.

The edits are chosen with simple rules that do not consult the scorer (a new number is one
that does not occur in the source text, a new name one the source does not contain), so
catch rates measured on them are not true by construction. Randomness comes from the
``random.Random`` passed in: the same seed gives the same fixtures.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from digestkit.faithfulness._text import fold, sentences
from digestkit.faithfulness.names import extract_names
from digestkit.faithfulness.numbers import extract_quantities

__all__ = [
    "FAITHFUL_CONTROLS",
    "UNFAITHFUL_KINDS",
    "Perturbation",
    "add_negation",
    "drop_sentence",
    "insert_fact",
    "reorder_sentences",
    "swap_antonym",
    "swap_name",
    "swap_number",
    "wrong_language",
]

UNFAITHFUL_KINDS = ("number", "name", "negation", "antonym", "inserted_fact", "wrong_language")
FAITHFUL_CONTROLS = ("original", "sentence_dropped", "sentences_reordered")


@dataclass(frozen=True)
class Perturbation:
    """An edited summary: ``kind`` of edit, the new ``summary``, and what changed."""

    kind: str
    summary: str
    detail: str
    faithful: bool = False
    lang: str | None = None  # the language the summary claims (for wrong_language)


def _replace(text: str, span: tuple[int, int], new: str) -> str:
    return text[: span[0]] + new + text[span[1] :]


def _to_width(new: str, like: str) -> str:
    """Write ASCII digits full-width when the original number was full-width."""
    if any("\uff10" <= c <= "\uff19" for c in like):
        return new.translate({ord(c): ord(c) - 0x30 + 0xFF10 for c in "0123456789"})
    return new


def _new_value(value: float, decimals: int, rng: random.Random) -> float:
    if decimals == 0:
        step = rng.choice([1, 2, 3, 5]) if value < 20 else rng.choice([3, 7, 11, 0.25 * value])
        return value + step if value < 3 or rng.random() < 0.5 else value - step
    return value * rng.choice([0.7, 0.85, 1.15, 1.3])


def swap_number(summary: str, source: str, rng: random.Random) -> Perturbation | None:
    """Change one number of ``summary`` to a value that does not occur in ``source``.

    >>> p = swap_number("精度は97%に達した。", "accuracy reaches 97%", random.Random(0))
    >>> p.kind, p.summary != "精度は97%に達した。"
    ('number', True)
    """
    quantities = [
        q
        for q in extract_quantities(summary)
        if q.text[:1].isdigit() or q.text[:1] in "０１２３４５６７８９"
    ]
    rng.shuffle(quantities)
    src = fold(source).text
    for q in quantities:
        digits = re.match(r"[\d.,０-９．，]+", q.text)
        if not digits:
            continue
        for _ in range(6):
            value = _new_value(q.value, q.decimals, rng)
            if value <= 0:
                continue
            new = f"{value:.{q.decimals}f}"
            if re.search(rf"(?<![\d.]){re.escape(new)}(?![\d])", src):
                continue  # the new value occurs in the source: not a clean perturbation
            span = (q.span[0], q.span[0] + digits.end())
            detail = f"{summary[span[0] : span[1]]} -> {new}"
            return Perturbation("number", _replace(summary, span, _to_width(new, q.text)), detail)
    return None


def swap_name(
    summary: str, source: str, rng: random.Random, pool: tuple[str, ...] = ()
) -> Perturbation | None:
    """Replace one name of ``summary``: half the time with another paper's name from
    ``pool`` that the source lacks, half the time with a near miss (``GPT-4`` -> ``GPT-7``,
    ``VESPO`` -> ``VESPU``), the harder case for a checker.

    >>> p = swap_name("VESPOはOSWorldで評価", "VESPO on OSWorld", random.Random(1), ("WebArena",))
    >>> p.kind, p.summary != "VESPOはOSWorldで評価"
    ('name', True)
    """
    cjk = bool(re.search(r"[\u3040-\u30ff\u3400-\u9fff]", summary))
    low = source.casefold()
    names = [n for n in extract_names(summary, cjk=cjk) if n.strong and n.text.casefold() in low]
    if not names:
        return None
    target = rng.choice(names)
    others = sorted(
        p for p in pool if p.casefold() not in low and p.casefold() not in summary.casefold()
    )
    if others and rng.random() < 0.5:
        new = rng.choice(others)
    else:
        new = _mutate(target.text, rng)
        if new.casefold() in low:
            return None
    return Perturbation("name", _replace(summary, target.span, new), f"{target.text} -> {new}")


def _mutate(name: str, rng: random.Random) -> str:
    """A near miss: one digit or one letter (not the first) changed, case kept."""
    digits = [i for i, c in enumerate(name) if c.isdigit()]
    letters = [i for i, c in enumerate(name) if c.isalpha() and i > 0]
    if digits:
        i = rng.choice(digits)
        new = str((int(name[i]) + rng.randint(1, 8)) % 10)
    elif letters:
        i = rng.choice(letters)
        pool = [c for c in "AEIOUTRSN" if c != name[i].upper()]
        new = rng.choice(pool)
        new = new if name[i].isupper() else new.lower()
    else:
        return name + "-X"
    return name[:i] + new + name[i + 1 :]


# (pattern, replacement) per language: a sentence-final assertion made negative.
_NEGATIONS = {
    "ja": [
        (r"を達成した", "を達成しなかった"), (r"を示した", "を示さなかった"),
        (r"を実現した", "を実現できなかった"), (r"を維持し", "を維持できず"),
        (r"を提案し", "を提案せず"), (r"できる", "できない"), (r"である。", "ではない。"),
        (r"させた。", "させなかった。"), (r"した。", "しなかった。"), (r"する。", "しない。"),
    ],
    "zh": [
        (r"实现了", "未能实现"), (r"达到了?", "未能达到"), (r"提出了", "并未提出"),
        (r"显著提升", "并未提升"), (r"提升了", "没有提升"), (r"能够", "无法"), (r"可以", "不能"),
        (r"优于", "并不优于"), (r"保持", "无法保持"), (r"是", "不是"),
    ],
    "en": [
        (r"\bachieves\b", "does not achieve"), (r"\bimproves\b", "does not improve"),
        (r"\boutperforms\b", "does not outperform"), (r"\bmaintains\b", "fails to maintain"),
        (r"\bcan\b", "cannot"), (r"\bis\b", "is not"), (r"\bare\b", "are not"),
        (r"\bshows?\b", "does not show"), (r"\bdelivers\b", "does not deliver"),
    ],
}  # fmt: skip


def add_negation(summary: str, lang: str, rng: random.Random) -> Perturbation | None:
    """Negate one assertion of ``summary``.

    >>> add_negation("VESPOは安定した訓練を実現した。", "ja", random.Random(0)).summary
    'VESPOは安定した訓練を実現できなかった。'
    """
    return _rewrite(summary, _NEGATIONS[lang], "negation", rng)


_ANTONYMS = {
    "ja": [("向上", "低下"), ("増加", "減少"), ("上回", "下回"), ("改善", "悪化"),
           ("高速化", "低速化"), ("安定", "不安定"), ("高い", "低い"), ("維持", "喪失")],
    "zh": [("提升", "下降"), ("提高", "降低"), ("增加", "减少"), ("优于", "劣于"),
           ("加速", "减速"), ("稳定", "不稳定"), ("超越", "落后于"), ("高效", "低效")],
    "en": [("improves", "degrades"), ("increases", "decreases"), ("outperforms", "underperforms"),
           ("higher", "lower"), ("faster", "slower"), ("stable", "unstable"), ("better", "worse"),
           ("reduces", "increases"), ("efficient", "inefficient"), ("consistent", "inconsistent")],
}  # fmt: skip


def swap_antonym(summary: str, lang: str, rng: random.Random) -> Perturbation | None:
    """Replace one direction or quality word with its opposite.

    >>> swap_antonym("性能を向上させた。", "ja", random.Random(0)).summary
    '性能を低下させた。'
    """
    rules = []
    for a, b in _ANTONYMS[lang]:
        rules.append((re.escape(a) if lang != "en" else rf"\b{a}\b", b))
        if lang == "en":
            rules.append((rf"\b{b}\b", a))
    return _rewrite(summary, rules, "antonym", rng)


def _rewrite(
    summary: str, rules: list[tuple[str, str]], kind: str, rng: random.Random
) -> Perturbation | None:
    """Apply the first rule that matches in a randomly chosen sentence (else any sentence)."""
    spans = sentences(summary)
    order = rng.sample(spans, len(spans))
    for a, b in order:
        sent = summary[a:b]
        for pattern, new in rules:
            m = re.search(pattern, sent)
            if m and not (kind == "antonym" and f"不{m.group()}" in sent):
                span = (a + m.start(), a + m.end())
                return Perturbation(kind, _replace(summary, span, new), f"{m.group()} -> {new}")
    return None


_FACTS = {
    "ja": ["さらに、{name}と比較して推論コストを{num}%削減した。",
           "この手法は{name}上で{num}ポイントの精度向上を示した。",
           "ただし、この手法は大量の人手ラベルを必要とする。",
           "著者らは本手法が理論的な収束保証を持たないことを認めている。"],
    "zh": ["此外，与{name}相比，推理成本降低了{num}%。",
           "该方法在{name}上的准确率提升了{num}个百分点。",
           "但该方法需要大量人工标注数据。",
           "作者承认该方法缺乏理论收敛保证。"],
    "en": ["It also cuts inference cost by {num}% compared with {name}.",
           "On {name} it gains {num} points of accuracy.",
           "However, the method requires large amounts of human-labelled data.",
           "The authors concede that the method has no theoretical convergence guarantee."],
}  # fmt: skip


def insert_fact(
    summary: str, source: str, lang: str, rng: random.Random, pool: tuple[str, ...] = ()
) -> Perturbation | None:
    """Append a sentence the source does not support (half name+number facts, half claims).

    >>> p = insert_fact("SLA2は高速。", "SLA2 is fast", "ja", random.Random(3), ("GPT-4o",))
    >>> p.kind, p.summary.startswith("SLA2は高速。")
    ('inserted_fact', True)
    """
    low = source.casefold()
    names = sorted(p for p in pool if p.casefold() not in low) or ["BERT-Large"]
    num = next(str(n) for n in rng.sample(range(11, 90), 20) if str(n) not in source)
    fact = rng.choice(_FACTS[lang]).format(name=rng.choice(names), num=num)
    glue = "" if lang in ("ja", "zh") else " "
    return Perturbation("inserted_fact", summary.rstrip() + glue + fact, fact)


def wrong_language(summary: str, other: str, lang: str) -> Perturbation | None:
    """Claim ``lang`` for ``other``, a faithful summary written in another language.

    >>> wrong_language("速い。", "It is fast.", "ja").lang
    'ja'
    """
    if not other.strip():
        return None
    return Perturbation(
        "wrong_language", other, f"text in another language labelled {lang}", lang=lang
    )


def drop_sentence(summary: str, rng: random.Random) -> Perturbation | None:
    """Faithful control: the summary with one sentence removed (needs 2+ sentences).

    >>> drop_sentence("A is fast. B is slow.", random.Random(0)).summary in ("A is fast.", "B is slow.")
    True
    """
    spans = sentences(summary)
    if len(spans) < 2:
        return None
    a, b = rng.choice(spans)
    kept = [summary[x:y] for x, y in spans if (x, y) != (a, b)]
    glue = "" if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", summary) else " "
    return Perturbation("sentence_dropped", glue.join(kept), summary[a:b], faithful=True)


def reorder_sentences(summary: str, rng: random.Random) -> Perturbation | None:
    """Faithful control: the same sentences in another order (needs 2+ sentences).

    >>> reorder_sentences("A is fast. B is slow.", random.Random(0)).summary
    'B is slow. A is fast.'
    """
    spans = sentences(summary)
    if len(spans) < 2:
        return None
    parts = [summary[x:y] for x, y in spans]
    order = list(range(len(parts)))
    while order == sorted(order):
        rng.shuffle(order)
    glue = "" if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", summary) else " "
    text = glue.join(parts[i] for i in order)
    return Perturbation("sentences_reordered", text, str(order), faithful=True)
