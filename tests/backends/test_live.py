"""Live smoke tests: one real call per provider, only when its key is set (never in CI
without a key). ``ANTHROPIC_API_KEY`` for Anthropic; ``DIGESTKIT_LIVE_OPENAI_BASE_URL``,
``DIGESTKIT_LIVE_OPENAI_MODEL`` and ``DIGESTKIT_LIVE_OPENAI_KEY`` for an OpenAI-compatible
server."""

from __future__ import annotations

import os

import pytest

from digestkit.backends.cache import Store
from digestkit.backends.config import settings_from_dict
from digestkit.backends.router import Router
from digestkit.summarizer import summarize_run

from .helpers import ABSTRACT_EN, make_digest

pytestmark = pytest.mark.live


@pytest.mark.skipif(not os.environ.get("ANTHROPIC_API_KEY"), reason="ANTHROPIC_API_KEY not set")
def test_live_anthropic_ja_summary() -> None:
    settings = settings_from_dict(
        {
            "backends": {
                "claude": {
                    "kind": "anthropic",
                    "model": os.environ.get("DIGESTKIT_LIVE_ANTHROPIC_MODEL", "claude-haiku-4-5"),
                    "api_key_env": "ANTHROPIC_API_KEY",
                    "max_output_tokens": 1024,
                }
            },
            "routes": {"default": ["claude"]},
            "budget": {"max_cost": 0.05},
        }
    )
    run = summarize_run(
        make_digest(1, ABSTRACT_EN),
        template="ja-survey",
        router=Router(settings, store=Store(":memory:")),
    )
    assert run.failed == 0, run.results[0].error
    summary = run.digest.entries[0].summary
    assert summary is not None and summary.language == "ja"
    assert os.environ["ANTHROPIC_API_KEY"] not in run.digest.to_json()


@pytest.mark.skipif(
    not os.environ.get("DIGESTKIT_LIVE_OPENAI_BASE_URL"), reason="no live OpenAI-compatible server"
)
def test_live_openai_compatible_zh_summary() -> None:
    settings = settings_from_dict(
        {
            "backends": {
                "live": {
                    "kind": "openai-compatible",
                    "model": os.environ.get("DIGESTKIT_LIVE_OPENAI_MODEL", "qwen-plus"),
                    "base_url": os.environ["DIGESTKIT_LIVE_OPENAI_BASE_URL"],
                    "api_key_env": "DIGESTKIT_LIVE_OPENAI_KEY"
                    if os.environ.get("DIGESTKIT_LIVE_OPENAI_KEY")
                    else "",
                    "max_output_tokens": 1024,
                }
            },
            "routes": {"default": ["live"]},
        }
    )
    run = summarize_run(
        make_digest(1, ABSTRACT_EN),
        template="zh-4part",
        router=Router(settings, store=Store(":memory:")),
    )
    assert run.failed == 0, run.results[0].error
    assert run.digest.entries[0].summary is not None
