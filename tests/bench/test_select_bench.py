"""Selection throughput: digestkit's whole-word scoring beside the seed bots' substring test.

The baseline is what seed 004 does (``keyword.lower() in text.lower()`` per keyword), on the
same 2,000 synthetic arXiv-sized papers and 20 keywords, in the same run: ``make bench``
prints both; the ratio is the cost of matching words correctly (and explaining the score).
"""

from __future__ import annotations

import random
from typing import Any

from digestkit.digest.model import Entry
from digestkit.sources.config import SelectionConfig
from digestkit.sources.select import select

KEYWORDS = {
    "RL": 2,
    "LLM": 1,
    "MoE": 2,
    "agent": 1,
    "reinforcement learning": 3,
    "diffusion": 1,
    "transformer": 1,
    "reasoning": 1,
    "benchmark": 0.5,
    "alignment": 1,
    "RLHF": 2,
    "large language model": 2,
    "retrieval": 1,
    "强化学习": 2,
    "エージェント": 2,
    "GPT": 1,
    "quantization": 1,
    "distillation": 1,
    "world model": 2,
    "multimodal": 1,
}
_TEXT = (
    "we propose a novel method for training large language models with reinforcement "
    "learning early world results show agents reasoning across benchmarks the model "
    "LLMs RL MoE GPT-4 transformer diffusion alignment retrieval quantization"
)
_WORDS = _TEXT.split(" ")


def _papers(n: int = 2000) -> list[Entry]:
    rng = random.Random(5)
    return [
        Entry(
            arxiv_id=f"2602.{i:05d}",
            title=" ".join(rng.choices(_WORDS, k=10)),
            abstract=" ".join(rng.choices(_WORDS, k=180)),
        )
        for i in range(n)
    ]


PAPERS = _papers()
CONFIG = SelectionConfig.from_mapping({"keywords": KEYWORDS, "max_papers": 30})


def _substring_baseline(papers: list[Entry]) -> list[Entry]:
    scored = []
    for e in papers:
        text = (e.title + " " + e.abstract).lower()
        score = sum(w for k, w in KEYWORDS.items() if k.lower() in text)
        scored.append((score, e.arxiv_id, e))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [e for s, _, e in scored[:30] if s >= 1]


def test_select_digestkit(benchmark: Any) -> None:
    sel = benchmark(select, PAPERS, CONFIG)
    benchmark.extra_info["papers"] = len(PAPERS)
    assert len(sel.entries) == 30


def test_select_substring_baseline(benchmark: Any) -> None:
    chosen = benchmark(_substring_baseline, PAPERS)
    assert len(chosen) == 30
