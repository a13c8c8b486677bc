"""Helpers shared by the backend and pipeline tests (no fixtures here)."""

from __future__ import annotations

from typing import Any

from digestkit.backends.config import Settings, settings_from_dict
from digestkit.digest.model import Digest, Entry

SENTINEL_KEY = "sk-sentinel-9f3e7c2a1b0d"

ABSTRACT_EN = (
    "Training stability remains a central challenge in reinforcement learning for large "
    "language models. However, importance sampling suffers from high variance. We propose "
    "VESPO, a variational method that reshapes sequence-level weights. Experiments on math "
    "benchmarks show that VESPO stays stable under staleness ratios up to 64x."
)


def stub_settings(
    base_url: str,
    kind: str = "openai-compatible",
    *,
    fallback: bool = False,
    concurrency: int = 4,
    timeout: float = 0.5,
    max_attempts: int = 4,
    budget: float = 0.0,
    extra: dict[str, Any] | None = None,
    summarize: dict[str, Any] | None = None,
) -> Settings:
    """Settings with backend ``stub`` (and ``offline`` as fallback if asked) on ``base_url``."""
    backend = {
        "kind": kind,
        "model": "stub-model",
        "base_url": base_url,
        "api_key_env": "DK_TEST_KEY",
        "concurrency": concurrency,
        "timeout": timeout,
        "price": {"input": 1.0, "output": 2.0},
        **(extra or {}),
    }
    return settings_from_dict(
        {
            "backends": {"stub": backend},
            "routes": {"default": ["stub", "offline"] if fallback else ["stub"]},
            "budget": {"max_cost": budget},
            "summarize": {
                "max_attempts": max_attempts,
                "backoff_base": 0.001,
                "backoff_max": 0.05,
                "cooldown": 0.01,
                **(summarize or {}),
            },
        }
    )


def make_digest(n: int, abstract: str = ABSTRACT_EN, prefix: str = "2501") -> Digest:
    entries = tuple(
        Entry(arxiv_id=f"{prefix}.{i:05d}", title=f"Paper {i}", abstract=f"{abstract} (#{i})")
        for i in range(n)
    )
    return Digest(title="test digest", entries=entries)
