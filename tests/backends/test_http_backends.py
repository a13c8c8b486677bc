"""The real Anthropic SDK and the real httpx2 client against stub servers on 127.0.0.1:
every injected fault becomes the right digestkit error, and the key never leaks."""

from __future__ import annotations

import logging
import pickle

import pytest

from digestkit.backends.anthropic import AnthropicBackend
from digestkit.backends.base import Backend
from digestkit.backends.config import BackendConfig
from digestkit.backends.openai_compat import OpenAICompatBackend
from digestkit.digest.model import Entry
from digestkit.errors import AuthError, ConfigError, MissingKeyError, RateLimitError, RemoteError
from digestkit.templates import build_prompt, load_template
from digestkit.testing.llm_stub import Faults, serve_stub

from .helpers import ABSTRACT_EN, SENTINEL_KEY

KINDS = {"anthropic": AnthropicBackend, "openai": OpenAICompatBackend}
PROMPT = build_prompt(
    load_template("ja-8q"), Entry(arxiv_id="2501.1", title="VESPO", abstract=ABSTRACT_EN)
)


def backend(kind: str, base_url: str, **kw: object) -> Backend:
    cfg = BackendConfig(
        name="stub",
        kind="anthropic" if kind == "anthropic" else "openai-compatible",
        model="stub-model",
        base_url=base_url,
        api_key_env="DK_TEST_KEY",
        timeout=0.3,
        **kw,  # type: ignore[arg-type]
    )
    return KINDS[kind](cfg)


@pytest.mark.parametrize("kind", KINDS)
def test_answer_usage_and_model(kind: str) -> None:
    with serve_stub(kind, api_key=SENTINEL_KEY) as stub:
        c = backend(kind, stub.base_url).complete(PROMPT)
    assert c.text.startswith("## 1. 既存研究では何ができなかったのか")
    assert "VESPO" in c.text
    assert c.model == "stub-model"
    assert c.finish_reason in ("end_turn", "stop")
    assert c.usage.output_tokens > 0 and c.latency > 0
    assert stub.calls[0].authorized and stub.calls[0].paper == "2501.1"


def test_anthropic_prompt_caching_reads_shared_instructions() -> None:
    with serve_stub("anthropic") as stub:
        b = backend("anthropic", stub.base_url)
        first, second = b.complete(PROMPT), b.complete(PROMPT)
        assert first.usage.cache_write_tokens > 0 and first.usage.cache_read_tokens == 0
        assert second.usage.cache_read_tokens == first.usage.cache_write_tokens
        off = backend("anthropic", stub.base_url, options=(("prompt_caching", False),))
        assert off.complete(PROMPT).usage.cache_read_tokens == 0


def test_anthropic_count_tokens_and_batches() -> None:
    with serve_stub("anthropic", batch_polls=2) as stub:
        b = backend("anthropic", stub.base_url)
        assert isinstance(b, AnthropicBackend)
        assert b.count_tokens(PROMPT) > 100
        batch_id = b.submit_batch({"a": PROMPT, "b": PROMPT})
        assert b.batch_status(batch_id) == "in_progress"
        assert b.batch_status(batch_id) == "ended"
        results = dict(b.batch_results(batch_id))
    assert set(results) == {"a", "b"}
    assert all(not isinstance(r, Exception) and "VESPO" in r.text for r in results.values())


FAULTS = [
    ("429", RateLimitError, 429),
    ("529", RateLimitError, None),
    ("500", RemoteError, 500),
    ("timeout", RemoteError, None),
    ("drop", RemoteError, None),
    ("malformed", RemoteError, None),
    ("auth", AuthError, 401),
    ("spend_limit", AuthError, 429),
    ("400", RemoteError, 400),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("fault", "cls", "status"), FAULTS)
def test_faults_become_digestkit_errors(
    kind: str,
    fault: str,
    cls: type[Exception],
    status: int | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    faults = Faults(script=(fault,), retry_after=0.25, timeout_delay=0.6)
    with serve_stub(kind, faults=faults, api_key=SENTINEL_KEY) as stub, pytest.raises(cls) as info:
        backend(kind, stub.base_url).complete(PROMPT)
    err = info.value
    assert type(err) is cls
    if status is not None:
        assert err.status == status  # type: ignore[attr-defined]
    if fault in ("429", "529"):
        assert err.retry_after == 0.25  # type: ignore[attr-defined]
    if fault == "529":
        assert err.status in (529, 503)  # type: ignore[attr-defined]
    if fault == "spend_limit":
        assert "spend limit" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err)
    leaked = [str(err), repr(err), repr(err.context), caplog.text]  # type: ignore[attr-defined]
    assert not any(SENTINEL_KEY in text for text in leaked)


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_key_is_auth_error_without_key(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve_stub(kind, api_key="the-right-key") as stub, pytest.raises(AuthError) as info:
        backend(kind, stub.base_url).complete(PROMPT)
    assert SENTINEL_KEY not in str(info.value)
    assert not stub.calls[0].authorized


@pytest.mark.parametrize("kind", KINDS)
def test_missing_key_names_variable(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DK_TEST_KEY")
    with pytest.raises(MissingKeyError, match="DK_TEST_KEY"):
        backend(kind, "http://127.0.0.1:9")


def test_openai_needs_base_url() -> None:
    with pytest.raises(ConfigError, match="base_url"):
        OpenAICompatBackend(BackendConfig(name="q", kind="openai-compatible", model="m"))


def test_openai_sends_temperature_and_options_and_no_key_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve_stub("openai") as stub:
        cfg = BackendConfig(
            name="local", kind="openai-compatible", model="llama", base_url=stub.base_url,
            temperature=0.2, options=(("top_p", 0.9),),
        )  # fmt: skip
        b = OpenAICompatBackend(cfg)
        assert b._body(PROMPT)["temperature"] == 0.2
        assert b._body(PROMPT)["top_p"] == 0.9
        assert "authorization" not in {k.lower() for k in b._client.headers}
        assert b.complete(PROMPT).text


def test_anthropic_streaming_and_overload_mid_stream() -> None:
    faults = Faults(script=(None, "overloaded_midstream"))
    with serve_stub("anthropic", faults=faults) as stub:
        b = backend("anthropic", stub.base_url, options=(("stream", True),))
        c = b.complete(PROMPT)
        assert c.text.startswith("## 1.") and c.finish_reason == "end_turn"
        assert c.usage.output_tokens > 1
        with pytest.raises(RateLimitError) as info:
            b.complete(PROMPT)
    assert info.value.status == 529  # a 200 stream that broke with overloaded_error


def test_anthropic_key_variable_defaults_to_anthropic_api_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    cfg = BackendConfig(name="c", kind="anthropic", model="m", base_url="http://127.0.0.1:9")
    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY"):
        AnthropicBackend(cfg)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "Arrearage", AuthError),  # DashScope: account in arrears
        (429, "insufficient_quota", AuthError),  # OpenAI: out of credit
        (402, None, AuthError),  # OpenRouter: payment required
        (403, None, AuthError),
        (408, None, RemoteError),
        (503, None, RemoteError),
        (429, "rate_limit_exceeded", RateLimitError),
    ],
)
def test_provider_error_codes(status: int, code: str | None, cls: type[Exception]) -> None:
    from digestkit.backends.http import error_for_status

    err = error_for_status(status, "m", code=code)
    assert type(err) is cls
