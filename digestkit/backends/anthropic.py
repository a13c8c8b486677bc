"""The ``anthropic`` backend: Claude through the official SDK (2.x, on ``httpx2``).

Why these choices:

- ``max_retries=0``: the router owns the retry policy (backoff, retry-after, fallback,
  cooldown); SDK retries underneath would multiply attempts and hide them from the ledger.
- The shared instructions go in ``system`` with ``cache_control`` (prompt caching): they
  are identical for every paper of a run, so after the first call they are read from the
  cache at a tenth of the price. The paper (``Prompt.document``) is a second cached block
  before the template's task, so a corrective retry and a second template over the same
  full text read it back instead of paying for it again.
  ``options = { prompt_caching = false }`` turns both off.
- No temperature: Anthropic 2.x has no such parameter.
- An overload can arrive *inside* a 200 stream as an ``APIStatusError`` whose ``.type`` is
  ``overloaded_error``; the error type is checked before the status for that reason.
- :meth:`AnthropicBackend.count_tokens` (``messages.count_tokens``) and the Message Batches
  API (:meth:`submit_batch`, :meth:`batch_status`, :meth:`batch_results`) for bulk runs
  at half price; :mod:`digestkit.summarizer` saves the batch id and request map *before*
  polling, so a crash loses nothing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2

from digestkit.backends.base import Completion, Prompt, Usage
from digestkit.backends.config import BackendConfig
from digestkit.backends.http import error_for_status, redact
from digestkit.errors import NetworkError, RemoteError

__all__ = ["AnthropicBackend", "create"]


class _BrokenStream(ValueError):
    """A streamed answer that ended early (translated to a retryable RemoteError)."""


class AnthropicBackend:
    """Claude via the Messages API."""

    network = True
    deterministic = False

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.name = config.name
        self.model = config.model
        # The key comes from the variable the config names (default ANTHROPIC_API_KEY),
        # passed explicitly so the SDK never goes looking in other places.
        self._key = dataclasses.replace(
            config, api_key_env=config.api_key_env or "ANTHROPIC_API_KEY"
        ).api_key()
        self._client = anthropic.Anthropic(
            api_key=self._key,
            base_url=config.base_url or None,
            max_retries=0,
            timeout=config.timeout,
        )

    def __repr__(self) -> str:
        return f"AnthropicBackend(name={self.name!r}, model={self.model!r})"

    # --- errors ------------------------------------------------------------------------
    def _translate(self, exc: Exception) -> NetworkError:
        url = self.config.base_url or "https://api.anthropic.com"
        if isinstance(exc, _BrokenStream):
            return RemoteError(f"broken stream: {exc}", url=url)
        if isinstance(exc, anthropic.APIStatusError):
            headers = dict(exc.response.headers) if exc.response is not None else None
            status = 529 if exc.type == "overloaded_error" else exc.status_code
            return error_for_status(
                status,
                redact(exc.api_message or exc.message, self._key),
                url=url,
                headers=headers,
                error_type=exc.type,
                code=exc.error_code,
            )
        if isinstance(exc, anthropic.APITimeoutError):
            return RemoteError(f"timed out after {self.config.timeout:g}s", url=url)
        if isinstance(exc, anthropic.APIConnectionError):
            return RemoteError(f"connection failed: {redact(str(exc), self._key)}", url=url)
        return RemoteError(f"unreadable response: {type(exc).__name__}", url=url)

    # --- messages ----------------------------------------------------------------------
    def _params(self, prompt: Prompt) -> dict[str, Any]:
        system: Any = prompt.system
        if prompt.system and self.config.option("prompt_caching", True):
            system = [
                {"type": "text", "text": prompt.system, "cache_control": {"type": "ephemeral"}}
            ]
        content: Any = prompt.user
        if (
            prompt.document
            and prompt.user.startswith(prompt.document)
            and self.config.option("prompt_caching", True)
        ):
            # The paper is its own block, cached: the prefix system + paper is paid once
            # for the corrective retry and for other templates over the same paper.
            rest = prompt.user[len(prompt.document) :]
            content = [
                {"type": "text", "text": prompt.document, "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": rest or "."},
            ]
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.config.output_tokens(prompt.max_tokens),
            "messages": [{"role": "user", "content": content}],
        }
        if prompt.system:
            params["system"] = system
        return params

    def _completion(self, message: Any, latency: float) -> Completion:
        u = message.usage
        text = "".join(getattr(b, "text", "") for b in message.content if b.type == "text")
        return Completion(
            text=text,
            usage=Usage(
                input_tokens=u.input_tokens or 0,
                output_tokens=u.output_tokens or 0,
                cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
                cache_write_tokens=getattr(u, "cache_creation_input_tokens", 0) or 0,
            ),
            model=message.model or self.model,
            finish_reason=message.stop_reason or "",
            latency=latency,
        )

    def _stream(self, prompt: Prompt) -> Any:
        """Stream the answer (``options = { stream = true }``): long outputs without the
        SDK's non-streaming time limit. An overload mid-stream raises ``APIStatusError``
        with ``.type == "overloaded_error"``, translated like a 529.

        A body that ends early is a broken stream, a transient fault like a broken JSON
        body: with no ``message_start`` the SDK fails an ``assert``; without
        ``message_stop`` it returns the text so far, which has no ``stop_reason`` and must
        not pass for an answer."""
        try:
            with self._client.messages.stream(**self._params(prompt)) as stream:
                message = stream.get_final_message()
        except AssertionError as exc:
            raise _BrokenStream("stream ended before its first event") from exc
        if not getattr(message, "stop_reason", None):
            raise _BrokenStream("stream ended before message_stop (answer cut short)")
        return message

    def complete(self, prompt: Prompt) -> Completion:
        start = time.perf_counter()
        try:
            if self.config.option("stream", False):
                message = self._stream(prompt)
            else:
                message = self._client.messages.create(**self._params(prompt))
            if not hasattr(message, "content") or message.content is None:
                raise ValueError("no content")
            return self._completion(message, time.perf_counter() - start)
        except (anthropic.AnthropicError, ValueError, TypeError, AttributeError) as exc:
            raise self._translate(exc) from exc
        except httpx2.HTTPError as exc:  # a connection dropped while the stream was read
            url = self.config.base_url or "https://api.anthropic.com"
            raise RemoteError(f"broken stream: {type(exc).__name__}", url=url) from exc

    def count_tokens(self, prompt: Prompt) -> int:
        """Input tokens of ``prompt``, counted by the API (free, rate-limited)."""
        params = self._params(prompt)
        params.pop("max_tokens")
        try:
            return int(self._client.messages.count_tokens(**params).input_tokens)
        except (anthropic.AnthropicError, ValueError) as exc:
            raise self._translate(exc) from exc

    # --- batches -----------------------------------------------------------------------
    def submit_batch(self, prompts: dict[str, Prompt]) -> str:
        """Create a Message Batch (``custom_id`` -> prompt); returns the batch id."""
        requests = [{"custom_id": cid, "params": self._params(p)} for cid, p in prompts.items()]
        try:
            return str(self._client.messages.batches.create(requests=requests).id)  # type: ignore[arg-type]
        except (anthropic.AnthropicError, ValueError) as exc:
            raise self._translate(exc) from exc

    def batch_status(self, batch_id: str) -> str:
        """``in_progress``, ``canceling`` or ``ended``."""
        try:
            return str(self._client.messages.batches.retrieve(batch_id).processing_status)
        except (anthropic.AnthropicError, ValueError) as exc:
            raise self._translate(exc) from exc

    def batch_results(self, batch_id: str) -> Iterator[tuple[str, Completion | NetworkError]]:
        """``(custom_id, completion or error)`` for every request of an ended batch."""
        try:
            for item in self._client.messages.batches.results(batch_id):
                result = item.result
                if result.type == "succeeded":
                    yield item.custom_id, self._completion(result.message, 0.0)
                else:
                    detail = getattr(result, "error", None)
                    yield item.custom_id, RemoteError(f"batch request {result.type}: {detail}")
        except (anthropic.AnthropicError, ValueError) as exc:
            raise self._translate(exc) from exc

    def close(self) -> None:
        self._client.close()


def create(config: BackendConfig) -> AnthropicBackend:
    """Registry factory."""
    return AnthropicBackend(config)
