"""The ``openai-compatible`` backend: chat completions against any base URL.

Why one backend for many servers: Qwen (DashScope compatible mode), vLLM, Ollama,
OpenRouter and llama.cpp's server all speak ``POST {base_url}/chat/completions``. It uses
``httpx2`` directly (the HTTP stack the Anthropic SDK already brings, so one stack to
configure), one pooled client per backend, and no retries of its own: the router decides.

``api_key_env`` may be empty for local servers that need no key. ``options`` are merged
into the request body (e.g. ``options = { top_p = 0.9 }``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2

from digestkit.backends.base import Completion, Prompt, Usage
from digestkit.backends.config import BackendConfig
from digestkit.backends.http import error_for_status, redact
from digestkit.errors import RemoteError

__all__ = ["OpenAICompatBackend", "create"]


class OpenAICompatBackend:
    """Chat completions over ``httpx2``."""

    network = True
    deterministic = False

    def __init__(
        self, config: BackendConfig, *, transport: httpx2.BaseTransport | None = None
    ) -> None:
        if not config.base_url:
            raise_config(config)
        self.config = config
        self.name = config.name
        self.model = config.model
        self._key = config.api_key()
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        self._client = httpx2.Client(
            headers=headers,
            timeout=config.timeout,
            limits=httpx2.Limits(
                max_connections=config.concurrency * 2,
                max_keepalive_connections=config.concurrency * 2,
            ),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"OpenAICompatBackend(name={self.name!r}, model={self.model!r}, url={self.url!r})"

    def _body(self, prompt: Prompt) -> dict[str, Any]:
        messages = [{"role": "user", "content": prompt.user}]
        if prompt.system:
            messages.insert(0, {"role": "system", "content": prompt.system})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.config.output_tokens(prompt.max_tokens),
        }
        if self.config.temperature is not None:
            body["temperature"] = self.config.temperature
        extra = {k: v for k, v in self.config.options if k not in body}
        return {**body, **extra}

    def _post(self, body: dict[str, Any]) -> httpx2.Response:
        try:
            return self._client.post(self.url, json=body)
        except httpx2.TimeoutException as exc:
            raise RemoteError(f"timed out after {self.config.timeout:g}s", url=self.url) from exc
        except httpx2.HTTPError as exc:
            msg = redact(f"connection failed: {type(exc).__name__}: {exc}", self._key)
            raise RemoteError(msg, url=self.url) from exc

    def _error(self, response: httpx2.Response) -> Exception:
        try:
            err = response.json().get("error") or {}
        except ValueError:
            err = {}
        if not isinstance(err, dict):
            err = {"message": str(err)}
        message = redact(str(err.get("message") or response.reason_phrase), self._key)
        return error_for_status(
            response.status_code,
            message[:300],
            url=self.url,
            headers=dict(response.headers),
            error_type=err.get("type"),
            code=err.get("code") if isinstance(err.get("code"), str) else err.get("type"),
        )

    def complete(self, prompt: Prompt) -> Completion:
        start = time.perf_counter()
        response = self._post(self._body(prompt))
        if response.status_code >= 400:
            raise self._error(response)
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError, json.JSONDecodeError) as exc:
            raise RemoteError("unreadable response body", url=self.url) from exc
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        return Completion(
            text=text,
            usage=Usage(
                input_tokens=max(0, int(usage.get("prompt_tokens") or 0) - cached),
                output_tokens=int(usage.get("completion_tokens") or 0),
                cache_read_tokens=int(cached),
            ),
            model=data.get("model") or self.model,
            finish_reason=choice.get("finish_reason") or "",
            latency=time.perf_counter() - start,
        )

    def close(self) -> None:
        self._client.close()


def raise_config(config: BackendConfig) -> None:
    from digestkit.errors import ConfigError

    raise ConfigError(
        "openai-compatible backends need a base_url (e.g. http://localhost:11434/v1)",
        key=f"backends.{config.name}.base_url",
    )


def create(config: BackendConfig) -> OpenAICompatBackend:
    """Registry factory."""
    return OpenAICompatBackend(config)
