"""Frozen settings for backends, routes, budget and the summarize pipeline.

Why a module of its own: ``digestkit.toml`` is shared by every subsystem, and a bad value
must be reported with the file and the dotted key (``backends.claude.concurrency``), not
discovered mid-run after money was spent. :func:`load_settings` validates every key of the
``[backends.NAME]``, ``[routes]``, ``[budget]`` and ``[summarize]`` sections.

Keys are never stored in the file: a backend names the *environment variable* that holds
its key (``api_key_env``); :meth:`BackendConfig.api_key` reads it at call time.

>>> s = settings_from_dict({"backends": {"off": {"kind": "offline"}},
...                         "routes": {"default": ["off"]}})
>>> s.route("default")
('off',)
>>> s.backends["off"].concurrency
4
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digestkit.config import Section, find_config, load_toml
from digestkit.errors import ConfigError, MissingKeyError
from digestkit.secrets import check_key, looks_like_secret

__all__ = [
    "DEFAULT_ROUTE",
    "BackendConfig",
    "BudgetConfig",
    "Price",
    "Settings",
    "SummarizeConfig",
    "load_settings",
    "settings_from_dict",
    "settings_problems",
]

DEFAULT_ROUTE = "default"

# USD per million tokens. A convenience for the models people use most; a ``price`` table
# in ``[backends.NAME]`` always wins. Cache writes cost 1.25x input, reads 0.1x (Anthropic).
_KNOWN_PRICES: dict[str, tuple[float, float]] = {
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4-0": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku-latest": (0.8, 4.0),
}


@dataclass(frozen=True)
class Price:
    """USD per million tokens.

    >>> Price(input=3.0, output=15.0).cost(1_000_000, 100_000)
    4.5
    """

    input: float = 0.0
    output: float = 0.0
    cache_read: float = 0.0
    cache_write: float = 0.0
    batch_discount: float = 0.5  # batch calls cost (1 - batch_discount) x the price

    def cost(
        self, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0
    ) -> float:
        total = (
            input_tokens * self.input
            + output_tokens * self.output
            + cache_read * self.cache_read
            + cache_write * self.cache_write
        )
        return round(total / 1_000_000, 8)

    @property
    def known(self) -> bool:
        return bool(self.input or self.output)


@dataclass(frozen=True)
class BackendConfig:
    """One ``[backends.NAME]`` section.

    kind: registry name (``anthropic``, ``openai-compatible``, ``offline``, or a plugin).
    model: model id sent to the API. base_url: API root ("" = the provider's default).
    api_key_env: name of the environment variable holding the key ("" = no key, e.g. Ollama).
    concurrency (4): calls in flight at once; more is faster until the provider throttles.
    requests_per_minute / tokens_per_minute (0 = unlimited): client-side rate limits, so we
    slow down before the provider answers 429.
    timeout (75 s): per call; a summary answer takes 5-40 s, so a reply that never comes
    holds a thread ~2x the slowest normal answer, not minutes (raise it for long outputs). max_output_tokens (4096): caps the template's answer length
    (and is the budget's worst case). temperature (None = provider default; Anthropic 2.x has none).
    price: USD per million tokens (defaults for known models). options: extra
    kind-specific settings (e.g. ``prompt_caching`` for anthropic).
    context_tokens (0 = known default for the model: 200,000 for Claude, 128,000 for GPT-4o
    class models, 1,000,000 offline, 32,000 otherwise): the model's context window. A full
    text is fitted into it (minus the answer and instructions); set it for local servers,
    whose windows are often much smaller (Ollama's default is a few thousand tokens).
    """

    name: str
    kind: str
    model: str = ""
    base_url: str = ""
    api_key_env: str = ""
    concurrency: int = 4
    requests_per_minute: int = 0
    tokens_per_minute: int = 0
    timeout: float = 75.0
    max_output_tokens: int = 4096
    temperature: float | None = None
    price: Price = field(default_factory=Price)
    options: tuple[tuple[str, Any], ...] = ()
    context_tokens: int = 0
    path: str | None = field(default=None, compare=False, repr=False)  # the config file

    def context_window(self) -> int:
        """``context_tokens``, or the known default for this kind of model.

        >>> BackendConfig(name="c", kind="anthropic", model="claude-sonnet-4-5").context_window()
        200000
        >>> BackendConfig(name="l", kind="openai-compatible", model="llama3").context_window()
        32000
        """
        if self.context_tokens:
            return self.context_tokens
        model = self.model.lower()
        if self.kind == "offline":
            return 1_000_000
        if self.kind == "anthropic" or model.startswith("claude"):
            return 200_000
        if model.startswith(("gpt-4o", "gpt-4.1", "gpt-4-turbo", "gpt-5", "o1", "o3", "o4")):
            return 128_000
        return 32_000

    def api_key(self) -> str:
        """The key from ``api_key_env``; raises :class:`MissingKeyError` saying what to set."""
        if not self.api_key_env:
            return ""
        value = os.environ.get(self.api_key_env, "")
        if value.strip():
            try:
                return check_key(value, self.api_key_env)
            except ValueError as err:
                raise MissingKeyError(
                    str(err), path=self.path, key=f"backends.{self.name}.api_key_env"
                ) from None
        raise MissingKeyError(
            f"backend {self.name!r} needs an API key: set the environment variable "
            f"{self.api_key_env} (export {self.api_key_env}=...)",
            path=self.path,
            key=f"backends.{self.name}.api_key_env",
        )
        return value

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)

    def output_tokens(self, requested: int | None) -> int:
        """What to ask for: the template's ``requested`` length, capped by this backend.

        >>> BackendConfig(name="b", kind="offline", max_output_tokens=2048).output_tokens(4096)
        2048
        """
        return min(requested, self.max_output_tokens) if requested else self.max_output_tokens


@dataclass(frozen=True)
class BudgetConfig:
    """``[budget]``: max_cost (USD per run, 0 = no limit). The run stops before a call whose
    worst-case cost (input estimate + max_output_tokens) would exceed what is left."""

    max_cost: float = 0.0


@dataclass(frozen=True)
class SummarizeConfig:
    """``[summarize]``: the pipeline and retry policy.

    template ("en-tldr"), route ("default"). max_attempts (4): calls per backend per prompt
    before falling back. backoff_base (1 s) / backoff_max (60 s): exponential backoff with
    full jitter; a server's retry-after wins when longer. breaker_failures (5): consecutive
    transient failures of a backend (across papers) that open its circuit breaker; it is
    probed again after 2 x backoff_base, doubling up to cooldown (30 s). deadline (1800 s,
    0 = none): no call starts after the run has lasted this long; papers waiting for an
    open backend wait at most until then.
    corrective_retry (true): one more call with the problems spelled out when an answer
    fails its checks. on_language_mismatch ("fail" | "keep"): keep a wrong-language answer,
    labelled with its true language, instead of failing the paper. cache (true).
    max_source_chars (60000): a longer abstract/stored text is cut (the cut is marked).
    source ("" = "auto" when the config has a [fulltext] section, else "abstract"): what
    summaries are written from: "fulltext" (the paper's full text; a paper whose full text
    cannot be had fails), "auto" (the full text when it can be had, else the abstract, and
    the summary says so) or "abstract". max_fulltext_tokens (0 = the route's context
    window): fit a full text into fewer tokens, to bound the cost per paper.
    faithfulness ("mark"): check each accepted summary against the text it was written from,
    offline ("off" | "mark": findings in the entry's metadata | "hold": flagged ones are also
    held back from published pages until `digestkit review` approves them).
    """

    template: str = "en-tldr"
    route: str = DEFAULT_ROUTE
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    cooldown: float = 30.0
    breaker_failures: int = 5
    deadline: float = 1800.0
    corrective_retry: bool = True
    on_language_mismatch: str = "fail"
    cache: bool = True
    max_source_chars: int = 60000
    source: str = ""
    max_fulltext_tokens: int = 0
    faithfulness: str = "mark"


SUMMARY_SOURCES = ("", "fulltext", "auto", "abstract")

_OFFLINE = BackendConfig(name="offline", kind="offline", model="extractive-1", concurrency=8)


@dataclass(frozen=True)
class Settings:
    """Everything the backends and the pipeline read from ``digestkit.toml``."""

    backends: Mapping[str, BackendConfig] = field(default_factory=lambda: {"offline": _OFFLINE})
    routes: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {DEFAULT_ROUTE: ("offline",)}
    )
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    summarize: SummarizeConfig = field(default_factory=SummarizeConfig)
    path: str | None = None

    def route(self, name: str | None = None) -> tuple[str, ...]:
        """The backend names of route ``name``; a backend name works as a one-step route."""
        name = name or self.summarize.route
        if name in self.routes:
            return self.routes[name]
        if name in self.backends:
            return (name,)
        raise ConfigError(
            f"unknown route {name!r} (routes: {', '.join(sorted(self.routes)) or 'none'})",
            path=self.path,
            key=f"routes.{name}",
        )


# --- validation --------------------------------------------------------------------------


def _price(data: Any, prefix: str, path: str | None, model: str) -> Price:
    if data is None:
        known = _KNOWN_PRICES.get(model)
        if not known:
            return Price()
        return Price(known[0], known[1], known[0] * 0.1, known[0] * 1.25)
    s = Section(data, prefix, path)
    # Unpriced cache tokens cost as much as input: over-counting is the safe side of a budget.
    price_in = s.number("input", 0.0)
    price = Price(
        input=price_in,
        output=s.number("output", 0.0),
        cache_read=s.number("cache_read", price_in),
        cache_write=s.number("cache_write", price_in),
        batch_discount=s.number("batch_discount", 0.5),
    )
    s.done()
    return price


_BACKEND_KEYS = {"api_key", "key", "token"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _backend(name: str, data: Any, path: str | None) -> BackendConfig:
    prefix = f"backends.{name}"
    s = Section(data, prefix, path)
    for secret in _BACKEND_KEYS & set(s.data):
        raise s.error(
            secret,
            "never put a key in the config file: set api_key_env to the NAME of an "
            "environment variable that holds it",
        )
    kind = s.get("kind", str, "")
    if not kind:
        raise s.error("kind", "missing (anthropic, openai-compatible, offline or a plugin)")
    model = s.get("model", str, "extractive-1" if kind == "offline" else "")
    if not model:
        raise s.error("model", "missing: the model id to call")
    api_key_env = s.get("api_key_env", str, "")
    if api_key_env and not _ENV_NAME.match(api_key_env):
        what = "looks like a key itself" if looks_like_secret(api_key_env) else "is not one"
        raise s.error(
            "api_key_env",
            f"must be the NAME of an environment variable (this value {what}): put the key "
            "in a variable, e.g. export ANTHROPIC_API_KEY=..., and name it here",
        )
    base_url = s.get("base_url", str, "")
    if base_url:
        try:
            parts = urlsplit(base_url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as err:
            raise s.error("base_url", f"not a URL: {err}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise s.error("base_url", "must be an http(s) URL with a host")
    temperature = s.get("temperature", (int, float), None)
    cfg = BackendConfig(
        name=name,
        kind=kind,
        model=model,
        base_url=base_url,
        api_key_env=api_key_env,
        concurrency=s.integer("concurrency", 4, minimum=1),
        requests_per_minute=s.integer("requests_per_minute", 0),
        tokens_per_minute=s.integer("tokens_per_minute", 0),
        timeout=s.number("timeout", 75.0, minimum=0.001),
        max_output_tokens=s.integer("max_output_tokens", 4096, minimum=1),
        temperature=float(temperature) if temperature is not None else None,
        price=_price(s.get("price", dict, None), f"{prefix}.price", path, model),
        options=tuple(sorted(s.get("options", dict, {}).items())),
        context_tokens=s.integer("context_tokens", 0),
        path=path,
    )
    s.done()
    return cfg


def _routes(data: Any, backends: Mapping[str, BackendConfig], path: str | None) -> dict:
    s = Section(data, "routes", path)
    routes: dict[str, tuple[str, ...]] = {}
    for name in s.data:
        chain = s.get(name, list, [])
        if not chain or not all(isinstance(b, str) for b in chain):
            raise s.error(name, "must be a non-empty list of backend names")
        for b in chain:
            if b not in backends:
                raise s.error(name, f"unknown backend {b!r} (defined: {', '.join(backends)})")
        routes[name] = tuple(chain)
    return routes


def _summarize(data: Any, path: str | None) -> SummarizeConfig:
    s = Section(data, "summarize", path)
    d = SummarizeConfig()
    cfg = SummarizeConfig(
        template=s.get("template", str, d.template),
        route=s.get("route", str, d.route),
        max_attempts=s.integer("max_attempts", d.max_attempts, minimum=1),
        backoff_base=s.number("backoff_base", d.backoff_base),
        backoff_max=s.number("backoff_max", d.backoff_max),
        cooldown=s.number("cooldown", d.cooldown),
        breaker_failures=s.integer("breaker_failures", d.breaker_failures, minimum=1),
        deadline=s.number("deadline", d.deadline),
        corrective_retry=s.get("corrective_retry", bool, d.corrective_retry),
        on_language_mismatch=s.get("on_language_mismatch", str, d.on_language_mismatch),
        cache=s.get("cache", bool, d.cache),
        max_source_chars=s.integer("max_source_chars", d.max_source_chars, minimum=100),
        source=s.get("source", str, d.source),
        max_fulltext_tokens=s.integer("max_fulltext_tokens", d.max_fulltext_tokens),
        faithfulness=s.get("faithfulness", str, d.faithfulness),
    )
    if cfg.on_language_mismatch not in ("fail", "keep"):
        raise s.error("on_language_mismatch", "must be 'fail' or 'keep'")
    if cfg.source not in SUMMARY_SOURCES:
        raise s.error("source", "must be 'fulltext', 'auto' or 'abstract'")
    if cfg.faithfulness not in ("off", "mark", "hold"):
        raise s.error("faithfulness", "must be 'off', 'mark' or 'hold'")
    from digestkit.templates import list_templates

    if cfg.template.partition("@")[0] not in list_templates():
        raise s.error("template", f"unknown template (available: {', '.join(list_templates())})")
    s.done()
    return cfg


def settings_from_dict(data: Mapping[str, Any], *, path: str | None = None) -> Settings:
    """Validate the backend-related sections of a parsed ``digestkit.toml``."""
    backends: dict[str, BackendConfig] = {"offline": _OFFLINE}
    raw_backends = data.get("backends", {})
    if not isinstance(raw_backends, Mapping):
        raise ConfigError("must be a table of [backends.NAME] sections", path=path, key="backends")
    for name, section in raw_backends.items():
        backends[name] = _backend(name, section, path)
    routes = {DEFAULT_ROUTE: ("offline",)}
    routes.update(_routes(data.get("routes", {}), backends, path))
    budget_s = Section(data.get("budget", {}), "budget", path)
    budget = BudgetConfig(max_cost=budget_s.number("max_cost", 0.0))
    budget_s.done()
    summarize = _summarize(data.get("summarize", {}), path)
    settings = Settings(backends, routes, budget, summarize, path)
    settings.route(summarize.route)  # the default route must exist
    return settings


def settings_problems(data: Mapping[str, Any], *, path: str | None = None) -> list[ConfigError]:
    """Every section's first problem (each [backends.NAME], [routes], [budget],
    [summarize]), for ``digestkit config check``; [] when :func:`settings_from_dict` passes.

    >>> [e.key for e in settings_problems({"backends": {"a": {"kind": "offline",
    ...     "timeout": float("inf")}}, "budget": {"max_cost": float("nan")}})]
    ['backends.a.timeout', 'budget.max_cost']
    """
    problems: list[ConfigError] = []

    def attempt(check: Any) -> None:
        try:
            check()
        except ConfigError as err:
            if str(err) not in {str(p) for p in problems}:
                problems.append(err)

    raw = data.get("backends", {})
    if isinstance(raw, Mapping):
        for name, section in raw.items():
            attempt(lambda name=name, section=section: _backend(name, section, path))

    def budget() -> None:
        b = Section(data.get("budget", {}), "budget", path)
        b.number("max_cost", 0.0)
        b.done()

    attempt(budget)
    attempt(lambda: _summarize(data.get("summarize", {}), path))
    attempt(lambda: settings_from_dict(data, path=path))  # routes, and what is left
    return problems


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from ``path`` (or the config :func:`~digestkit.config.find_config` finds);
    built-in defaults (the offline backend) when there is no file."""
    found = find_config(path)
    if found is None:
        return Settings()
    return settings_from_dict(load_toml(found), path=str(Path(found)))
