"""The offline backend: deterministic, no network, extractive.

Why it exists: examples, tests and ``make eval`` must run anywhere, free and repeatable.
It fills each section of a template with sentences *quoted* from the source text, chosen
by cue words for the section's role (problem, method, results, limits, cost, ...).

It never translates and never pretends to: its text is in the source's language and the
:class:`~digestkit.backends.base.Completion` says so in ``language``. Asked for a
Japanese template on an English abstract, it writes the Japanese headings with English
quotes, labelled ``en``; the output check then reports the language mismatch and the
pipeline fails the paper (or keeps it labelled ``en`` with ``on_language_mismatch =
"keep"``). No corrective retry is made: the backend is ``deterministic``.

>>> from digestkit.backends.base import Prompt
>>> b = OfflineBackend()
>>> src = "Models are slow. However, caching fails. We propose Z. Z improves speed by 20%."
>>> c = b.complete(Prompt("", "", source=src, sections=("Problem", "Method", "Results")))
>>> print(c.text)
## Problem
- However, caching fails.
<BLANKLINE>
## Method
- We propose Z.
<BLANKLINE>
## Results
- Z improves speed by 20%.
>>> c.language
'en'
"""

from __future__ import annotations

import re
import time

from digestkit.backends.base import Completion, Prompt, Usage
from digestkit.backends.config import BackendConfig
from digestkit.lang import detect_language

__all__ = ["OfflineBackend", "create", "split_sentences"]

# role -> (words in a section heading that select the role, cue words in sentences)
_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "problem": (
        ("できなかった", "problem", "问题", "既存", "why"),
        (
            "however",
            "challenge",
            "limited",
            "lack",
            "suffer",
            "fail",
            "remain",
            "difficult",
            "problem",
            "しかし",
            "課題",
            "困難",
            "问题",
            "然而",
            "挑战",
        ),
    ),
    "method": (
        ("アプローチ", "method", "方法", "技術", "技术", "approach", "b:"),
        (
            "we propose",
            "we introduce",
            "we present",
            "we develop",
            "our method",
            "framework",
            "approach",
            "提案",
            "手法",
            "提出",
            "方法",
        ),
    ),
    "result": (
        ("結果", "result", "结果", "性能", "達成"),
        (
            "achiev",
            "outperform",
            "improv",
            "%",
            "state-of-the-art",
            "show",
            "experiment",
            "達成",
            "向上",
            "实验",
            "提升",
            "优于",
        ),
    ),
    "limit": (
        ("limitation", "gap", "局限", "結論", "结论", "問題点"),
        (
            "limitation",
            "future",
            "only",
            "not yet",
            "remain",
            "however",
            "限界",
            "今後",
            "局限",
            "未来",
        ),
    ),
    "cost": (
        ("コスト", "cost", "物理"),
        (
            "gpu",
            "hour",
            "parameter",
            "billion",
            "token",
            "dataset",
            "benchmark",
            "size",
            "データセット",
            "パラメータ",
            "数据集",
            "参数",
        ),
    ),
    "refs": (
        ("参考文献", "reference"),
        ("et al", "prior work", "previous work", "building on", "先行研究", "已有"),
    ),
    "points": (("key points", "要点"), ()),
    "contribution": (
        ("contribution", "贡献", "a:"),
        ("we propose", "we introduce", "contribution", "novel", "first", "提案", "提出", "首次"),
    ),
}
_SHORT = ("ツイート", "tl;dr", "tldr", "要約", "140", "总结一句")
_NOT_STATED = {"ja": "本文中に記載なし。", "zh": "原文未提及。"}
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (Latin and CJK punctuation).

    >>> split_sentences("A b. C d! 日本語です。中文。")
    ['A b.', 'C d!', '日本語です。', '中文。']
    """
    parts = _SENTENCE.split(re.sub(r"\s+", " ", text).strip())
    return [p.strip() for p in parts if len(p.strip()) > 1]


def _prose(source: str) -> list[str]:
    r"""The running text of ``source`` by paragraph: a full text's Markdown headings, table
    rows (tab-separated), display math and list markers are not sentences to quote; a
    paragraph ending with a colon is joined to the list that follows it.

    >>> _prose("## 2 Method\nWe do X.\n\nModel\tAcc\nOurs\t87.3\n\nWe add:\n\n- a; - b.")
    ['We do X.', 'We add: a; - b.']
    """
    paras: list[str] = []
    for block in re.split(r"\n\s*\n", source):
        lines = [
            re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", line)
            for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "$$")) and "\t" not in line
        ]
        if not lines:
            continue
        text = " ".join(lines)
        if paras and paras[-1].endswith(":"):
            paras[-1] += " " + text
        else:
            paras.append(text)
    return paras


def _role(heading: str) -> str:
    h = heading.lower()
    if any(w in h for w in _SHORT):
        return "short"
    for role, (heads, _) in _ROLES.items():
        if any(w in h for w in heads):
            return role
    return "result"


def _score(sentence: str, role: str) -> int:
    s = sentence.lower()
    return sum(cue in s for cue in _ROLES[role][1])


def _pick(sentences: list[str], role: str, used: set[int], k: int = 2) -> list[str]:
    ranked = sorted(
        (i for i in range(len(sentences)) if i not in used and _score(sentences[i], role) > 0),
        key=lambda i: (-_score(sentences[i], role), i),
    )[:k]
    used.update(ranked)
    return [sentences[i] for i in sorted(ranked)]


def _short(sentences: list[str], limit: int = 140) -> str:
    """One sentence saying what the paper does: the best "we propose" sentence, else the
    first; cut to ``limit`` characters (the tweet question asks for 140)."""
    scored = [(_score(s, "contribution"), -i, s) for i, s in enumerate(sentences)]
    best = max(scored)[2] if scored and max(scored)[0] > 0 else (sentences[0] if sentences else "")
    return best if len(best) <= limit else best[: limit - 1] + "…"


def extract(source: str, sections: tuple[str, ...]) -> tuple[str, str]:
    """``(markdown, language)``: the sections filled with sentences quoted from ``source``."""
    sentences = [s for para in _prose(source) for s in split_sentences(para)]
    lang = detect_language(source).lang
    used: set[int] = set()
    blocks = []
    for heading in sections:
        role = _role(heading)
        if role == "short":
            body = _short(sentences).lstrip("#").strip()  # never a heading
        elif role == "points":
            picked = [
                s for r in ("problem", "method", "result") for s in _pick(sentences, r, used, 1)
            ]
            body = "\n".join(f"- {s}" for s in picked)
        else:
            picked = _pick(sentences, role, used)
            body = "\n".join(f"- {s}" for s in picked)
        body = body or _NOT_STATED.get(lang, "Not stated in the source text.")
        blocks.append(f"## {heading}\n{body}")
    return "\n\n".join(blocks), lang


class OfflineBackend:
    """Extractive summaries, no network; see the module docstring."""

    network = False
    deterministic = True
    translates = False  # the router sends it only papers already in the template's language

    def __init__(self, name: str = "offline", model: str = "extractive-1") -> None:
        self.name = name
        self.model = model

    def complete(self, prompt: Prompt) -> Completion:
        start = time.perf_counter()
        sections = prompt.sections or ("Summary",)
        text, lang = extract(prompt.source or prompt.user, sections)
        usage = Usage(
            input_tokens=(len(prompt.system) + len(prompt.user)) // 4,
            output_tokens=len(text) // 4,
        )
        return Completion(
            text=text,
            usage=usage,
            model=self.model,
            finish_reason="end_turn",
            latency=time.perf_counter() - start,
            language=lang,
        )


def create(config: BackendConfig) -> OfflineBackend:
    """Registry factory."""
    return OfflineBackend(config.name, config.model)
