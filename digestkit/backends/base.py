"""The one protocol every LLM backend implements, and the values that cross it.

Why one method: a backend is "a prompt in; text, usage, model, finish reason and latency
out". Everything else (retries, fallback, caching, costs, checks) lives in the router and
the pipeline, so a third-party plugin only has to write :meth:`Backend.complete`.
Capabilities are plain attributes (``network``, ``deterministic``) that the router reads.

>>> p = Prompt(system="Summarize.", user="<paper>text</paper>", template="en-tldr@1")
>>> c = Completion(text="ok", usage=Usage(input_tokens=3, output_tokens=1), model="m")
>>> c.usage.total_tokens
4
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["Backend", "Completion", "Prompt", "Usage"]


@dataclass(frozen=True)
class Prompt:
    """One request: shared instructions (``system``, cacheable) and the paper (``user``).

    ``template`` is ``"name@version"`` and takes part in the cache key. ``source``,
    ``sections`` and ``language`` repeat, as structured data, what the text of the prompt
    says: network backends ignore them; the offline backend fills the sections from
    ``source`` without parsing the prose of the prompt. ``document``, when set, is the
    start of ``user`` that holds the paper: backends that cache prompt prefixes mark it
    (Anthropic: a ``cache_control`` block), so a corrective retry or a second template
    over the same paper reads it from the cache.
    """

    system: str
    user: str
    template: str = ""
    max_tokens: int | None = None
    source: str = ""
    sections: tuple[str, ...] = ()
    language: str = ""
    entry_key: str = ""
    document: str = ""

    def replace(self, **changes: object) -> Prompt:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Usage:
    """Tokens of one call. ``cache_read``/``cache_write`` are prompt-cache tokens.

    >>> Usage(1, 2) + Usage(3, 4, cache_read_tokens=5)
    Usage(input_tokens=4, output_tokens=6, cache_read_tokens=5, cache_write_tokens=0)
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """What a backend returns.

    ``language`` is the language the backend *declares* (the offline backend knows what it
    wrote; LLMs do not declare, so it is ``""``); the output checks detect it either way.
    ``backend`` (the configured name) and ``cached``/``cost`` are filled in by the router.
    """

    text: str
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    finish_reason: str = ""
    latency: float = 0.0
    language: str = ""
    backend: str = ""
    cached: bool = False
    cost: float = 0.0

    def replace(self, **changes: object) -> Completion:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@runtime_checkable
class Backend(Protocol):
    """An LLM (or offline) backend.

    ``name`` is the configured name (``[backends.NAME]``), ``model`` the model id.
    ``network``: it calls a remote service (so it can fail transiently and costs money).
    ``deterministic``: the same prompt always gives the same text (so a corrective retry
    is pointless).

    ``complete`` raises :class:`~digestkit.errors.NetworkError` subclasses for remote
    failures (``RateLimitError``, ``AuthError``, ``RemoteError`` with ``status``), never a
    third-party exception, and never includes the API key in a message.
    """

    name: str
    model: str
    network: bool
    deterministic: bool

    def complete(self, prompt: Prompt) -> Completion: ...
