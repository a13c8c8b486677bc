"""An optional LLM judge whose verdicts count only when its quote checks out.

The offline checks see numbers, names and polarity; they cannot tell that "trained on
video" is not in an abstract about images. An LLM can, but it also invents. So the judge
asks, for each summary sentence, for a verdict (``supported``, ``contradicted``,
``not_in_source``) *and a verbatim quote* from the source, and :func:`verify` checks the
quote before the verdict is believed: a contradiction whose quote is not in the source is
reported as ``judge_unverified`` and costs nothing. Calls go through the configured
backends (:class:`digestkit.backends.Router`), whose SQLite cache makes a re-run free; an
in-process memo avoids even the cache lookup within one run.

The judge is I/O at the edge: :func:`digestkit.faithfulness.score_faithfulness` stays pure
and only calls it when one is passed in.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digestkit.errors import OutputCheckError
from digestkit.faithfulness import Issue
from digestkit.faithfulness._text import sentences

if TYPE_CHECKING:
    from digestkit.backends import Completion, Prompt

__all__ = ["TEMPLATE", "LLMJudge", "Verdict", "build_prompt", "parse_verdicts", "verify"]

log = logging.getLogger(__name__)

TEMPLATE = "faithfulness-judge@1"
VERDICTS = ("supported", "contradicted", "not_in_source")
WEIGHTS = {"contradicted": 1.5, "not_in_source": 0.8}

SYSTEM = """You check whether each sentence of a summary is faithful to a source text.
The summary may be in English, Japanese or Chinese; the source is English.
For every numbered summary sentence answer with one JSON object:
{"i": <sentence number>, "verdict": "supported" | "contradicted" | "not_in_source",
 "quote": "<a short passage copied verbatim from the source that supports or contradicts
 the sentence; empty only for not_in_source>"}
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


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def verify(quote: str, source: str) -> bool:
    """Is ``quote`` (at least two words or 12 characters) verbatim in ``source``, up to
    whitespace and case?

    >>> verify("Stable  training", "VESPO maintains stable training under staleness.")
    True
    >>> verify("unstable training", "VESPO maintains stable training under staleness.")
    False
    """
    q = _squash(quote.strip().strip("\"'“”「」"))
    long_enough = len(q.split()) >= 2 or len(q) >= 12
    return bool(q) and long_enough and q in _squash(source)


def parse_verdicts(text: str, source: str, count: int) -> list[Verdict]:
    """Verdicts from a judge reply; raises :class:`OutputCheckError` when it is not the JSON
    asked for (so the router neither caches nor trusts it).

    >>> reply = '[{"i": 1, "verdict": "contradicted", "quote": "accuracy drops"}]'
    >>> parse_verdicts(reply, "Our accuracy drops by 2.", 1)
    [Verdict(index=0, verdict='contradicted', quote='accuracy drops', verified=True)]
    """
    m = re.search(r"\[.*\]", text, re.S)
    try:
        items = json.loads(m.group()) if m else None
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        raise OutputCheckError("judge reply is not a JSON array", problems=["not json"])
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("verdict") not in VERDICTS:
            continue
        try:
            index = int(item.get("i", 0)) - 1
        except (TypeError, ValueError):
            continue
        if 0 <= index < count:
            quote = str(item.get("quote") or "")
            out.append(Verdict(index, item["verdict"], quote, verify(quote, source)))
    return out


class LLMJudge:
    """A judge for :func:`~digestkit.faithfulness.score_faithfulness` (``judge=``).

    ``complete`` sends one :class:`~digestkit.backends.Prompt` and returns a
    :class:`~digestkit.backends.Completion`: normally ``Router(settings, route=...).complete``,
    which retries, falls back, enforces the budget and caches answers in SQLite.
    """

    def __init__(self, complete: Callable[..., Completion], *, max_tokens: int = 1024) -> None:
        self._complete = complete
        self.max_tokens = max_tokens
        self._memo: dict[tuple[str, str], list[Verdict]] = {}

    @classmethod
    def from_route(cls, route: str | None = None, config: str | None = None) -> LLMJudge:
        """A judge over the configured backends (``digestkit.toml``) of ``route``."""
        from digestkit.backends import Router, load_settings

        return cls(Router(load_settings(config), route=route).complete)

    def verdicts(self, source: str, summary: str) -> tuple[list[Verdict], list[tuple[int, int]]]:
        """Ask (or remember) the verdicts for every sentence of ``summary``."""
        from digestkit.backends import Prompt

        user, spans = build_prompt(source, summary)
        key = (source, summary)
        if key not in self._memo:
            prompt: Prompt = Prompt(SYSTEM, user, template=TEMPLATE, max_tokens=self.max_tokens)

            def check(completion: Completion) -> list[str]:
                try:
                    parse_verdicts(completion.text, source, len(spans))
                except OutputCheckError as err:
                    return list(err.context.get("problems", [str(err)]))
                return []

            completion = self._call(prompt, check)
            self._memo[key] = parse_verdicts(completion.text, source, len(spans))
        return self._memo[key], spans

    def _call(self, prompt: Prompt, check: Callable[[Completion], list[str]]) -> Completion:
        if "validate" in inspect.signature(self._complete).parameters:
            return self._complete(prompt, validate=check)  # a Router: rejected replies uncached
        completion = self._complete(prompt)  # a bare backend
        problems = check(completion)
        if problems:
            raise OutputCheckError("judge reply rejected", problems=problems)
        return completion

    def __call__(self, source: str, summary: str, *, lang: str = "") -> Sequence[Issue]:
        """Issues for the sentences the judge contradicts or finds nowhere in the source."""
        found, spans = self.verdicts(source, summary)
        issues = []
        for v in found:
            if v.verdict == "supported":
                continue
            a, b = spans[v.index]
            if v.verdict == "contradicted" and not v.verified:
                detail = f"judge says contradicted, but its quote is not in the source: {v.quote!r}"
                issues.append(Issue("judge_unverified", (a, b), summary[a:b], detail, 0.0))
                continue
            detail = f"judge: {v.verdict}" + (f"; source says {v.quote!r}" if v.quote else "")
            issues.append(Issue("judge", (a, b), summary[a:b], detail, WEIGHTS[v.verdict]))
        log.debug("judge: %d verdicts, %d issues", len(found), len(issues))
        return issues
