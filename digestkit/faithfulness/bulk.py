"""Faithfulness scoring of a large corpus in partitions, on any executor.

Scoring is pure and CPU-bound, so a corpus splits into contiguous partitions that workers
score independently; the driver collects them in order, so the JSON Lines out are exactly
those of the sequential loop. The pairs themselves go to the workers (a summary and its
source are the work: unlike repair there is no file a worker could read instead, since the
input is one JSON Lines file that a remote worker may not see).
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Any

__all__ = ["PARTITION", "score_lines", "score_partition"]

#: Pairs per task: scoring one takes about a millisecond, so a few hundred share the
#: executor's per-task cost.
PARTITION = 256


def score_partition(items: Sequence[dict[str, Any]], threshold: float) -> list[tuple[str, bool]]:
    """The output line (without newline) and the flagged bit of each pair, in order.

    >>> score_partition([{"id": "1", "source": "Loss fell 5%.", "summary": "Loss fell 5%."}],
    ...                 0.5)[0][1]
    False
    """
    from dataclasses import replace

    from digestkit.faithfulness import score_faithfulness

    out = []
    for item in items:
        result = score_faithfulness(item["source"], item["summary"], lang=item.get("lang"))
        result = replace(result, threshold=threshold)
        line = json.dumps({"id": item["id"], **result.to_dict()}, ensure_ascii=False)
        out.append((line, result.flagged))
    return out


def score_lines(
    items: Sequence[dict[str, Any]],
    threshold: float,
    executor: Executor,
    *,
    partition: int = PARTITION,
    window: int = 8,
) -> Iterator[tuple[str, bool]]:
    """Score ``items`` on ``executor`` in partitions; yield lines in input order.

    At most ``window`` partitions are in flight; leaving early cancels the rest.
    """
    pending: collections.deque[Future[list[tuple[str, bool]]]] = collections.deque()
    try:
        for start in range(0, len(items), partition):
            chunk = list(items[start : start + partition])
            pending.append(executor.submit(score_partition, chunk, threshold))
            while len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
