"""An optional LLM judge whose verdicts count only when its quote checks out.

The offline checks see numbers, names and polarity; they cannot tell that "trained on
video" is not in an abstract about images. An LLM can, but it also invents. So the judge
asks, for each summary sentence, for a verdict (``supported``, ``contradicted``,
``not_in_source``) *and a verbatim quote* from the source, and believes a verdict only
within these rules:

* a quote counts when it is in the source verbatim after normalisation (width, case,
  whitespace), at least five words long, and shares an anchor (a number, a name, or a
  content term) with the summary sentence: a short or irrelevant quote proves nothing;
* ``contradicted`` with a verified quote is identity evidence (it flags); without one it
  is ``judge_unverified`` (review, costs nothing);
* ``not_in_source`` alone goes to review; confirmed by a rule finding on the same
  sentence, it flags;
* ``supported`` with a verified quote clears the weak rule findings (review items) on that
  sentence; identity evidence (numbers, names) stays;
* a reply that is not the JSON asked for is retried once; then the pair is marked
  ``judge_error`` and the run goes on; every summary sentence ends with a verdict or
  ``unjudged``, and duplicate verdicts for one sentence are merged.

Calls go through the configured backends (:class:`digestkit.backends.Router`), whose
SQLite cache makes a re-run free; an in-process memo avoids even the cache lookup within
one run. The judge is I/O at the edge: :func:`digestkit.faithfulness.score_faithfulness`
stays pure and only calls it when one is passed in.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digestkit.errors import DigestkitError, OutputCheckError
from digestkit.faithfulness import Issue
from digestkit.faithfulness._source import anchors_of, content
from digestkit.faithfulness._text import fold, sentences
from digestkit.faithfulness.glossary import cjk_terms
from digestkit.faithfulness.lexicon import STOPWORDS

if TYPE_CHECKING:
    from digestkit.backends import Completion, Prompt

__all__ = [
    "TEMPLATE",
    "JudgeReport",
    "LLMJudge",
    "Verdict",
    "build_prompt",
    "judge_issues",
    "normalise",
    "parse_verdicts",
    "verify",
]

log = logging.getLogger(__name__)

TEMPLATE = "faithfulness-judge@1"
VERDICTS = ("supported", "contradicted", "not_in_source")
WEIGHTS = {"contradicted": 1.5, "not_in_source": 0.8}

SYSTEM = """You check whether each sentence of a summary is faithful to a source text.
The summary may be in English, Japanese or Chinese; the source is English.
For every numbered summary sentence answer with one JSON object:
{"i": <sentence number>, "verdict": "supported" | "contradicted" | "not_in_source",
 "quote": "<a passage of at least five words copied verbatim from the source that supports
 or contradicts the sentence; empty only for not_in_source>"}
Reply with a JSON array of these objects and nothing else."""


@dataclass(frozen=True)
class Verdict:
    """The judge's answer for summary sentence ``index`` (0-based), and whether its quote
    was found in the source."""

    index: int
    verdict: str
    quote: str
    verified: bool


def build_prompt(source: str, summary: str) -> tuple[str, list[tuple[int, int]]]:
    """The user message (source plus numbered summary sentences) and the sentence spans.

    >>> text, spans = build_prompt("A is 3.", "A is 3. B is 4.")
    >>> print(text)
    SOURCE:
    A is 3.
    <BLANKLINE>
    SUMMARY SENTENCES:
    1. A is 3.
    2. B is 4.
    >>> spans
    [(0, 7), (8, 15)]
    """
    spans = sentences(summary)
    lines = [f"{n}. {summary[a:b]}" for n, (a, b) in enumerate(spans, 1)]
    return f"SOURCE:\n{source}\n\nSUMMARY SENTENCES:\n" + "\n".join(lines), spans


MIN_QUOTE_WORDS = 5
_QUOTES = "\"'“”「」『』‘’"
_PRIORITY = {"contradicted": 4, "supported": 3, "not_in_source": 2}


def normalise(text: str) -> str:
    """Width-folded, case-folded, whitespace-squashed text without surrounding quotes.

    >>> normalise("  “Stable   TRAINING”  ")
    'stable training'
    """
    return " ".join(fold(text).text.strip().strip(_QUOTES).split()).casefold()


def shares_anchor(quote: str, sentence: str) -> bool:
    """Does ``quote`` share a number, a name or a content term with ``sentence``? (For a
    ja/zh sentence, a research term of the glossary counts.)

    >>> shares_anchor("VESPO maintains stable training under staleness", "VESPOは安定")
    True
    >>> shares_anchor("the code is available online for everyone", "VESPOは安定")
    False
    """
    if _anchors(quote) & _anchors(sentence):
        return True
    theirs = frozenset(content(quote))
    return bool(theirs & (frozenset(content(sentence)) | cjk_terms(sentence)))


def _anchors(text: str) -> frozenset[str]:
    """Numbers and Latin tokens of three letters or more that are not function words."""
    return frozenset(
        a for a in anchors_of(text) if a[:1].isdigit() or (len(a) > 2 and a not in STOPWORDS)
    )


def verify(quote: str, source: str, sentence: str = "") -> bool:
    """Is ``quote`` in ``source`` verbatim (after :func:`normalise`), at least five words,
    and (when ``sentence`` is given) about the sentence (:func:`shares_anchor`)?

    >>> src = "VESPO maintains stable training under staleness ratios up to 64x."
    >>> verify("stable training under staleness ratios", src)
    True
    >>> verify("stable training", src)  # too short to prove anything
    False
    >>> verify("unstable training under staleness ratios", src)
    False
    """
    q = normalise(quote)
    if len(q.split()) < MIN_QUOTE_WORDS or q not in normalise(source):
        return False
    return not sentence or shares_anchor(quote, sentence)


def parse_verdicts(
    text: str, source: str, count: int, sentences: Sequence[str] = ()
) -> list[Verdict]:
    """One verdict per summary sentence from a judge reply: duplicates merged (a verified
    contradiction first, then a verified support, then ``not_in_source``), missing ones
    ``unjudged``. Raises :class:`OutputCheckError` when the reply is not the JSON asked
    for (so the router neither caches nor trusts it).

    >>> reply = '[{"i": 1, "verdict": "contradicted", "quote": "our accuracy drops by 2 points"}]'
    >>> parse_verdicts(reply, "Our accuracy drops by 2 points.", 2)
    [Verdict(index=0, verdict='contradicted', quote='our accuracy drops by 2 points', verified=True), Verdict(index=1, verdict='unjudged', quote='', verified=False)]
    """
    m = re.search(r"\[.*\]", text, re.S)
    try:
        items = json.loads(m.group()) if m else None
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        raise OutputCheckError("judge reply is not a JSON array", problems=["not json"])
    best: dict[int, Verdict] = {}
    for item in items:
        if not isinstance(item, dict) or item.get("verdict") not in VERDICTS:
            continue
        try:
            index = int(item.get("i", 0)) - 1
        except (TypeError, ValueError):
            continue
        if not 0 <= index < count:
            continue
        quote = str(item.get("quote") or "")
        sentence = sentences[index] if index < len(sentences) else ""
        v = Verdict(index, item["verdict"], quote, verify(quote, source, sentence))
        if index not in best or _rank(v) > _rank(best[index]):
            best[index] = v
    return [best.get(i, Verdict(i, "unjudged", "", False)) for i in range(count)]


def _rank(v: Verdict) -> int:
    verified = v.verified or v.verdict == "not_in_source"
    return _PRIORITY.get(v.verdict, 0) + (10 if verified else 0)


@dataclass(frozen=True)
class JudgeReport:
    """The verdicts on one summary (one per sentence, with its span), or the error that
    stopped the judge on it (``judge_error``)."""

    verdicts: tuple[Verdict, ...]
    spans: tuple[tuple[int, int], ...]
    error: str = ""


class LLMJudge:
    """A judge for :func:`~digestkit.faithfulness.score_faithfulness` (``judge=``).

    ``complete`` sends one :class:`~digestkit.backends.Prompt` and returns a
    :class:`~digestkit.backends.Completion`: normally ``Router(settings, route=...).complete``,
    which retries, falls back, enforces the budget and caches answers in SQLite.
    """

    def __init__(self, complete: Callable[..., Completion], *, max_tokens: int = 1024) -> None:
        self._complete = complete
        self.max_tokens = max_tokens
        self._memo: dict[tuple[str, str], JudgeReport] = {}
        self.calls = 0  # replies received (cache hits included)
        self.cost = 0.0  # what they cost, as the backends price them

    @classmethod
    def from_route(cls, route: str | None = None, config: str | None = None) -> LLMJudge:
        """A judge over the configured backends (``digestkit.toml``) of ``route``."""
        from digestkit.backends import Router, load_settings

        return cls(Router(load_settings(config), route=route).complete)

    def report(self, source: str, summary: str) -> JudgeReport:
        """Ask (or remember) the verdicts for every sentence of ``summary``. A reply that
        is not the JSON asked for is asked once more; a second failure, a network failure
        or an exhausted budget marks the pair ``judge_error`` instead of stopping the run."""
        from digestkit.backends import Prompt

        user, spans = build_prompt(source, summary)
        key = (source, summary)
        if key in self._memo:
            return self._memo[key]
        texts = [summary[a:b] for a, b in spans]
        prompt: Prompt = Prompt(SYSTEM, user, template=TEMPLATE, max_tokens=self.max_tokens)

        def check(completion: Completion) -> list[str]:
            try:
                parse_verdicts(completion.text, source, len(spans), texts)
            except OutputCheckError as err:
                return list(err.context.get("problems", [str(err)]))
            return []

        error = ""
        for _attempt in range(2):
            try:
                completion = self._call(prompt, check)
            except OutputCheckError as err:
                error = f"malformed reply: {err}"
                continue
            except DigestkitError as err:  # network, budget: this pair goes unjudged
                error = f"{type(err).__name__}: {err}"
                break
            self.calls += 1
            self.cost += completion.cost or 0.0
            verdicts = parse_verdicts(completion.text, source, len(spans), texts)
            report = JudgeReport(tuple(verdicts), tuple(spans))
            self._memo[key] = report
            return report
        log.warning("judge_error: %s", error)
        return JudgeReport((), tuple(spans), error)

    def verdicts(self, source: str, summary: str) -> tuple[list[Verdict], list[tuple[int, int]]]:
        """The verdicts and sentence spans (see :meth:`report`)."""
        r = self.report(source, summary)
        return list(r.verdicts), list(r.spans)

    def _call(self, prompt: Prompt, check: Callable[[Completion], list[str]]) -> Completion:
        if "validate" in inspect.signature(self._complete).parameters:
            return self._complete(prompt, validate=check)  # a Router: rejected replies uncached
        completion = self._complete(prompt)  # a bare backend
        problems = check(completion)
        if problems:
            raise OutputCheckError("judge reply rejected", problems=problems)
        return completion

    def __call__(self, source: str, summary: str, *, lang: str = "") -> Sequence[Issue]:
        """Issues from the verdicts, before the rule findings are known (see
        :func:`judge_issues` for how :func:`~digestkit.faithfulness.score_faithfulness`
        combines the two)."""
        return judge_issues(self.report(source, summary), summary, ())


def judge_issues(
    report: JudgeReport, summary: str, rule_spans: Sequence[tuple[int, int]]
) -> list[Issue]:
    """The judge's issues for one summary. ``rule_spans``: where the rules found something
    (a ``not_in_source`` on such a sentence is confirmed)."""
    if report.error:
        span = (0, len(summary))
        return [Issue("judge_error", span, summary[:40], report.error, 0.0)]
    issues = []
    for v in report.verdicts:
        a, b = report.spans[v.index]
        text = summary[a:b]
        if v.verdict in ("supported", "unjudged"):
            detail = "judge: supported" if v.verified else f"judge: {v.verdict} (not verified)"
            issues.append(Issue(f"judge_{v.verdict}", (a, b), text, detail, 0.0))
        elif v.verdict == "contradicted" and not v.verified:
            detail = f"judge says contradicted, but its quote does not check out: {v.quote!r}"
            issues.append(Issue("judge_unverified", (a, b), text, detail, 0.0))
        elif v.verdict == "contradicted":
            detail = f"judge: contradicted; source says {v.quote!r}"
            issues.append(Issue("judge", (a, b), text, detail, WEIGHTS["contradicted"]))
        else:
            confirmed = any(a <= x and y <= b for x, y in rule_spans)
            detail = "judge: not in the source" + (", and the rules agree" if confirmed else "")
            weight = WEIGHTS["contradicted"] if confirmed else WEIGHTS["not_in_source"]
            issues.append(Issue("judge", (a, b), text, detail, weight))
    log.debug("judge: %d verdicts, %d issues", len(report.verdicts), len(issues))
    return issues
