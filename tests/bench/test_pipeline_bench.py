"""Pipeline throughput against the stub at 100 ms latency and concurrency 16.

Reported as summaries/s, as a fraction of the bound (concurrency / latency = 160/s), and
as a ratio against a baseline measured in the same process: bare concurrent POSTs to the
same stub with the same HTTP client and no pipeline (templates, checks, router, SQLite).
Run ``make bench`` for the numbers; under ``make test`` it runs once as a plain test.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest

from digestkit.backends.cache import Store
from digestkit.backends.config import settings_from_dict
from digestkit.backends.router import Router
from digestkit.digest.model import Digest, Entry
from digestkit.summarizer import summarize_run
from digestkit.testing.llm_stub import serve_stub

LATENCY = 0.1
CONCURRENCY = 16
PAPERS = 160
BOUND = CONCURRENCY / LATENCY

ABSTRACT = (
    "We propose a method for efficient attention. However, prior work suffers from "
    "quadratic cost. Experiments show a 2x speedup on long-context benchmarks."
)


def _digest() -> Digest:
    return Digest(
        entries=tuple(
            Entry(arxiv_id=f"2502.{i:05d}", title=f"Paper {i}", abstract=f"{ABSTRACT} #{i}")
            for i in range(PAPERS)
        )
    )


def _settings(base_url: str):  # type: ignore[no-untyped-def]
    return settings_from_dict(
        {
            "backends": {
                "stub": {
                    "kind": "openai-compatible",
                    "model": "stub",
                    "base_url": base_url,
                    "concurrency": CONCURRENCY,
                    "timeout": 5.0,
                }
            },
            "routes": {"default": ["stub"]},
        }
    )


def _baseline(base_url: str) -> float:
    body = {"model": "stub", "messages": [{"role": "user", "content": ABSTRACT}], "max_tokens": 64}
    with httpx2.Client(limits=httpx2.Limits(max_connections=CONCURRENCY * 2)) as client:
        start = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(
                pool.map(
                    lambda _: client.post(base_url + "/chat/completions", json=body).json(),
                    range(PAPERS),
                )
            )
        return PAPERS / (time.perf_counter() - start)


@pytest.mark.parametrize("template", ["en-tldr", "ja-8q"])
def test_pipeline_throughput(
    benchmark: pytest.FixtureRequest, tmp_path: Path, template: str
) -> None:
    rates: list[float] = []
    with serve_stub("openai", latency=LATENCY) as stub:
        baseline = _baseline(stub.base_url)

        def run() -> None:
            store = Store(tmp_path / f"bench{len(rates)}.sqlite3")
            router = Router(_settings(stub.base_url), store=store)
            start = time.perf_counter()
            result = summarize_run(_digest(), template=template, router=router)
            rates.append(PAPERS / (time.perf_counter() - start))
            assert result.done == PAPERS, result.summary_line()
            store.close()

        benchmark.pedantic(run, rounds=1, iterations=1)  # type: ignore[attr-defined]
    rate = rates[-1]
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        summaries_per_s=round(rate, 1),
        fraction_of_bound=round(rate / BOUND, 3),
        baseline_per_s=round(baseline, 1),
        ratio_to_baseline=round(rate / baseline, 3),
    )
    print(
        f"\n{template}: pipeline {rate:.1f} summaries/s = {rate / BOUND:.1%} of the bound ({BOUND:.0f}/s); "
        f"bare HTTP baseline {baseline:.1f}/s; pipeline/baseline {rate / baseline:.2f}"
    )
