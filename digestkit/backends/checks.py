"""Checks on an answer before it becomes a summary: sections present, language right.

Why: the failure digest bots ship most is silent. A "Chinese" summary comes back in
English, or as the untranslated abstract, and nobody notices. Here the language is
*detected* from the section bodies (kana decides Japanese vs Chinese, see
:mod:`digestkit.lang`), never taken from what the template asked for, and an answer that
is mostly a copy of the source is rejected too.

>>> from digestkit.templates import load_template
>>> t = load_template("en-tldr")
>>> r = check_answer(t, "## TL;DR\\nThe paper proposes a faster sorter.\\n## Key points\\n- a")
>>> r.ok, r.language
(True, 'en')
>>> check_answer(t, "## TL;DR\\n本研究は新しい手法を提案する。").problems
['missing section: Key points', 'output language is ja, template wants en']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digestkit.lang import detect_language, script_profile
from digestkit.templates import Template, parse_sections

__all__ = ["CheckResult", "check_answer"]

_CODE = re.compile(r"```.*?```", re.S)
_WORD = re.compile(r"[A-Za-z]+")
# The commonest English function words: prose in English is ~40% these; German, French,
# Spanish prose almost never reaches 20%. A fast, sure answer before falling back to
# langdetect (~3 ms a call, behind a lock), which is what bounded pipeline throughput.
_EN_STOP = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "that",
        "for",
        "it",
        "as",
        "with",
        "was",
        "on",
        "be",
        "by",
        "are",
        "this",
        "we",
        "an",
        "from",
        "or",
        "which",
        "at",
        "its",
        "not",
        "but",
        "can",
        "have",
        "has",
        "our",
        "these",
        "their",
        "they",
        "than",
        "more",
        "such",
        "also",
        "into",
    ]
)


def _language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) >= 6 and sum(w in _EN_STOP for w in words) >= 0.25 * len(words):
        p = script_profile(text)
        if p.kana + p.han + p.hangul == 0:
            return "en"
    return detect_language(text).lang


@dataclass(frozen=True)
class CheckResult:
    """``problems`` is empty when the answer passed; ``language`` is what was detected."""

    sections: tuple[tuple[str, str], ...]
    language: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def language_only(self) -> bool:
        """Did the answer fail on language alone (sections all there)?"""
        return bool(self.problems) and all(p.startswith("output language") for p in self.problems)


def _copied(body: str, source: str) -> bool:
    """Is ``body`` mostly a verbatim copy of ``source`` (long shared runs of text)?"""
    body = re.sub(r"\s+", " ", body).strip()
    src = re.sub(r"\s+", " ", source)
    if len(body) < 200 or not src:
        return False
    chunks = [body[i : i + 50] for i in range(0, len(body) - 50, 50)]
    return sum(c in src for c in chunks) >= 0.6 * len(chunks)


def check_answer(template: Template, text: str, *, source: str = "") -> CheckResult:
    """Check one answer against its template.

    With ``source`` (the paper text), an answer that mostly copies it is rejected; the
    pipeline leaves it out for extractive backends, whose whole point is to quote.
    """
    sections = parse_sections(template, text)
    problems = []
    present = {head for head, _ in sections}
    for section in template.sections:
        if section not in present:
            problems.append(f"missing section: {section}")
        elif not dict(sections)[section].strip():
            problems.append(f"empty section: {section}")
    bodies = "\n".join(body for _, body in sections) or text
    lang = _language(_CODE.sub(" ", bodies))
    if lang != template.language:
        problems.append(f"output language is {lang}, template wants {template.language}")
    if source and _copied(bodies, source):
        problems.append("answer copies the source text instead of summarizing it")
    return CheckResult(sections=sections, language=lang, problems=problems)
