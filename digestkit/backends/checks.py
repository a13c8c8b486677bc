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

from digestkit.lang import detect_language
from digestkit.templates import Template, parse_sections

__all__ = ["CheckResult", "check_answer"]

_CODE = re.compile(r"```.*?```", re.S)


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
    lang = detect_language(_CODE.sub(" ", bodies)).lang
    if lang != template.language:
        problems.append(f"output language is {lang}, template wants {template.language}")
    if source and _copied(bodies, source):
        problems.append("answer copies the source text instead of summarizing it")
    return CheckResult(sections=sections, language=lang, problems=problems)
