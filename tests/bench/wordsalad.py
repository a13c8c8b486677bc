"""Varied text for throughput and memory measurements: word salad from wordfreq's lists.

Real text repeats itself less than a repeated paragraph does (its intact pairs, its
distinct damaged patterns): this is closer for the sizes the benchmarks need. Its repaired
CER is higher than real text's (no sentence makes sense), which is fine for throughput.
"""

from __future__ import annotations

import itertools
import random


def varied(size: int, lang: str = "zh", seed: int = 0) -> str:
    """About ``size`` UTF-8 bytes of sentences of frequent ``lang`` words, with line breaks
    and some English (deterministic for a seed).

    >>> len(varied(2000).encode()) >= 2000
    True
    """
    from wordfreq import top_n_list

    rng = random.Random(seed)
    words = top_n_list(lang, 30000)
    # Cumulative weights, computed once (random.choices would redo it on every call).
    cumulative = list(itertools.accumulate(1 / (i + 10) for i in range(len(words))))
    out: list[str] = []
    n = 0
    while n < size:
        k = rng.randint(8, 40)
        sentence = "".join(rng.choices(words, cum_weights=cumulative, k=k)) + rng.choice(
            "。，；！？"
        )
        if rng.random() < 0.1:
            sentence += "\n"
        if rng.random() < 0.05:
            sentence += " arXiv 2024 model "
        out.append(sentence)
        n += len(sentence.encode())
    return "".join(out) + "\n"
