"""Every faithfulness step is linear in the size of its input (issue 18).

The issue measured the CJK claim-direction step worse than quadratic (734 KB: 33 s, 1.4 MB:
149 s): each summary sentence rescanned the whole source. Timing is not asserted (the
machine is shared); instead each step runs under a line tracer at two sizes, and the
number of Python lines executed may grow at most a little faster than the input. A step
that rescans the source per summary sentence doubles its work per sentence and fails.

The claim checks bound each index lookup by a budget (:data:`LOOKUP_BUDGET`, 8,192
sentence ids; the fixtures never reach it); here a budget of 16 puts the doubling past
that knee at a size a tracer can run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

import digestkit.faithfulness as F
from digestkit.faithfulness import _source, claims, names, numbers
from digestkit.faithfulness._source import parse_source
from tests.conftest import FIXTURES


def _pair(lang: str, count: int) -> tuple[str, str]:
    lines = (FIXTURES / "faithfulness" / f"scripted_{lang}.jsonl").read_text("utf-8")
    pairs = [json.loads(line) for line in lines.splitlines()][:count]
    source = "\n".join(dict.fromkeys(p["source"] for p in pairs))
    return source, "\n".join(dict.fromkeys(p["summary"] for p in pairs))


def lines_run(fn: Callable[[], Any]) -> int:
    """How many Python lines ``fn()`` executes (caches cleared first)."""
    F.clear_caches()
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


STEPS: dict[str, Callable[[str, str, str], Any]] = {
    "quantities": lambda s, t, lang: numbers.unsupported_quantities(t, s),
    "names": lambda s, t, lang: names.unsupported_names(t, s, cjk=lang != "en"),
    "claims": lambda s, t, lang: claims.check_claims(t, s, lang=lang),
}


@pytest.mark.parametrize("lang", ["en", "ja", "zh"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_doubling_the_input_at_most_doubles_the_work(
    step: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if step == "claims":  # the doubling goes past the budget
        monkeypatch.setattr(_source, "LOOKUP_BUDGET", 16)
    source, summary = _pair(lang, 12)
    fn = STEPS[step]
    once = lines_run(lambda: fn(source * 4, summary * 4, lang))
    twice = lines_run(lambda: fn(source * 8, summary * 8, lang))
    assert once > 1000
    assert twice / once < 2.25, (step, lang, once, twice)


def test_the_budget_bounds_every_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"A model number {i} works. " for i in range(50))

    def using(source: str, stem: str) -> list[object]:
        src = parse_source(source)
        return list(src.sentences_using((src.by_stem, [stem])))

    assert len(using(text, "model")) == 50
    assert len(using("A model. " * 50, "model")) == 1  # copies: once
    monkeypatch.setattr(_source, "LOOKUP_BUDGET", 16)
    src = parse_source(text + "A rare model.")
    found = src.postings((src.by_stem, ["model", "rare"]))
    assert [len(ids) for _, ids in found] == [1]  # "model" (51 sentences) is over budget
    assert using(text, "model") == []


def _acronym_by_scan(acronym: str, words: tuple[str, ...]) -> bool:
    """The specification :func:`names._acronym_in_source` indexes: scan every run of words."""
    target = acronym.upper().rstrip("S") if len(acronym) > 3 else acronym.upper()
    for i in range(len(words)):
        if words[i][:1].upper() != target[:1]:
            continue
        for j in range(i + 1, min(len(words), i + len(target) + 3) + 1):
            spelled = names.acronym_of(list(words[i:j]))
            if spelled == target:
                return True
            if len(spelled) > len(target) + 1:
                break
    return False


def test_the_acronym_index_answers_as_the_scan_does() -> None:
    import random

    rng = random.Random(18)
    sources = sorted({s for lang in ("en", "ja") for s in _pair(lang, 40)[:1]})
    sources += [_pair("en", 400)[0]]
    checked = hits = 0
    for source in sources:
        src = names._source_names(source)
        words = src.words
        spelled = [
            names.acronym_of(list(words[i : i + n]))
            for i in range(len(words))
            for n in (1, 2, 3, 4, 5)
        ]
        probes = rng.sample(spelled, min(300, len(spelled)))
        probes += [
            "".join(rng.choice("ABCDEFGHLMPRST") for _ in range(rng.randint(2, 8)))
            for _ in range(300)
        ]
        for probe in probes:
            if not 2 <= len(probe) <= 8 or not probe.isalpha():
                continue
            expected = _acronym_by_scan(probe, words)
            assert names._acronym_in_source(probe, src) == expected, probe
            checked += 1
            hits += expected
    assert checked > 500 and hits > 100


@pytest.mark.parametrize(
    ("source", "summary", "lang"),
    [
        ("Method X improves accuracy on GPT4. ", "方法X在GPT4上降低了精度。", "zh"),
        ("Model Y is stable on ImageNet. ", "モデルYはImageNetで安定しない。", "ja"),
        ("The method improves accuracy on GLUE. ", "The method degrades accuracy on GLUE. ", "en"),
    ],
    ids=["zh-direction", "ja-negation", "en-antonym"],
)
def test_a_source_that_repeats_itself_costs_no_more_per_sentence(
    source: str, summary: str, lang: str
) -> None:
    """The same sentence many times (the default budget, far from its knee): each summary
    sentence looked at every copy before copies were indexed once (3.6-4x per doubling)."""
    once = lines_run(lambda: claims.check_claims(summary * 100, source * 100, lang=lang))
    twice = lines_run(lambda: claims.check_claims(summary * 200, source * 200, lang=lang))
    assert twice / once < 2.25, (once, twice)


@pytest.mark.parametrize("lang", ["en", "ja", "zh"])
def test_repeated_source_sentences_change_no_answer(lang: str) -> None:
    rows = (FIXTURES / "faithfulness" / f"scripted_{lang}.jsonl").read_text("utf-8")
    for line in rows.splitlines()[:60]:
        pair = json.loads(line)
        source, summary = pair["source"], pair["summary"]
        doubled = source + "\n" + source
        assert claims.check_claims(summary, doubled, lang=lang) == claims.check_claims(
            summary, source, lang=lang
        )
        assert claims.claim_sources(summary, doubled, lang=lang) == claims.claim_sources(
            summary, source, lang=lang
        )


def test_a_long_sentence_of_negators_is_linear() -> None:
    """One sentence, no full stop: each "-free" read the whole sentence before it."""
    source = "the model does not fail and is training-free and cannot break "
    summary = "the model fails and is not free "
    once = lines_run(lambda: claims.check_claims(summary * 40, source * 40, lang="en"))
    twice = lines_run(lambda: claims.check_claims(summary * 80, source * 80, lang="en"))
    assert twice / once < 2.25, (once, twice)
