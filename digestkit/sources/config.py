"""The ``[sources.*]``, ``[selection]``, ``[state]`` and ``[output]`` sections of digestkit.toml.

Why frozen dataclasses with strict validation: a paper bot runs unattended from cron, so a
typo (``keyword =`` for ``keywords =``) must stop it with the file and the dotted key named,
not silently select nothing. Unknown keys are errors, with a "did you mean".

A complete example (every key optional; defaults shown)::

    [sources.arxiv]
    categories = ["cs.CL", "cs.LG"]  # required to enable arXiv
    keywords = []         # server-side prefilter: title or abstract has one of these
    query = ""            # extra raw arXiv query ANDed with the rest, e.g. 'au:hinton'
    source = "feed"       # "feed": the announcement feed (rss.arxiv.org), the API when it
                          # is stale or down; "api": the API only
    days = 0              # 0: the current announcement batch (arXiv's calendar, US Eastern,
                          # weekends, holidays); N > 0: papers updated in the N calendar
                          # days up to the run date (not recommended: splits batches)
    max_results = 300     # stop after this many (one run); larger costs more requests
    page_size = 100       # arXiv pages; the API allows up to 2000, 100 is polite
    delay_seconds = 3.0   # arXiv asks for 3 s between requests; lower only for stubs
    num_retries = 3       # retries per page on 5xx / empty page
    url = "https://export.arxiv.org/api/query"
    announce_types = ["new", "cross"]  # also "replace", "replace-cross" (new versions)
    feed_url = ""         # "" = rss.arxiv.org/rss (or /rss next to a custom url)
    holidays = []         # extra "YYYY-MM-DD" days without an announcement (2026 as
                          # published; other years projected: federal holidays arXiv keeps)

    [sources.hf_daily]    # Hugging Face Daily Papers (the section enables it)
    days = 1              # one request (page) per day of the window
    url = "https://huggingface.co/api/daily_papers"
    page_size = 50
    max_pages = 4
    delay_seconds = 1.0
    num_retries = 3
    timeout = 30.0

    [sources.semantic_scholar]
    query = "large language models"  # required
    api_key_env = "S2_API_KEY"       # the variable holding the key (optional; never logged)
    days = 3
    max_results = 100
    page_size = 100
    delay_seconds = 1.0   # 1 request/s is the keyed limit; unkeyed clients share a pool
    num_retries = 3
    timeout = 30.0
    url = "https://api.semanticscholar.org/graph/v1"

    [selection]
    keywords = { "reinforcement learning" = 3, RL = 2, agent = 1 }   # or a list (weight 1)
    exclude = ["survey"]
    exclude_categories = []
    title_boost = 2.0     # a keyword in the title counts weight x title_boost
    max_hits = 3          # abstract occurrences counted per keyword
    category_weights = { "cs.CL" = 1.0 }
    min_score = 1.0
    max_papers = 20       # 0 = no limit

    [state]
    path = "state.sqlite"         # relative to the config file; default $DIGESTKIT_HOME
    show_new_versions = false     # true: a new arXiv version is shown again
    lease_hours = 6.0             # a crashed run's claimed papers are free again after this
    lock_timeout = 3600.0         # seconds a run waits for an overlapping run to finish

    [output]                      # (summaries: the [summarize] and [backends.*] sections)
    dir = "site"                  # relative to the config file
    title = "Daily papers"
    language = "en"
    readme = "README.md"
    feed = "feed.xml"
    feed_format = "atom"          # or "rss"
    html = "index.html"
    site_url = ""                 # where the site is published: the feed's link and self URL
    unsummarized = "abstract"     # a paper whose summary failed: "abstract" (shown with its
                                  # abstract and a neutral note) or "hold" (kept for next run)

>>> cfg = SourcesConfig.from_mapping({"sources": {"arxiv": {"categories": ["cs.CL"]}}})
>>> cfg.arxiv.categories, cfg.arxiv.delay_seconds, cfg.hf_daily
(('cs.CL',), 3.0, None)
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from digestkit.config import home_dir, load_toml, unknown_key_error
from digestkit.errors import ConfigError
from digestkit.sources.match import Term

__all__ = [
    "ArxivConfig",
    "HFDailyConfig",
    "KeywordRule",
    "OutputConfig",
    "SelectionConfig",
    "SemanticScholarConfig",
    "SourcesConfig",
    "StateConfig",
    "load_sources_config",
    "sources_problems",
]

T = TypeVar("T")
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


@dataclass(frozen=True)
class _Ctx:
    """Where a section came from, to name it in errors."""

    path: str | None
    prefix: str

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=f"{self.prefix}.{key}")


def _check_keys(data: Mapping[str, Any], allowed: list[str], ctx: _Ctx) -> None:
    for key in data:
        if key not in allowed:
            raise unknown_key_error(key, allowed, path=ctx.path, prefix=ctx.prefix)


def _coerce(value: Any, default: Any, key: str, ctx: _Ctx) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ctx.error(key, f"expected true or false, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ctx.error(key, f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ctx.error(key, f"must be a finite number, got {value!r}")
        if value < 0:
            raise ctx.error(key, f"must not be negative, got {value!r}")
        return float(value)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.error(key, f"expected an integer, got {value!r}")
        if value < 0:
            raise ctx.error(key, f"must not be negative, got {value!r}")
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ctx.error(key, f"expected a string, got {value!r}")
        if key.endswith("url") and value and not value.startswith(("http://", "https://")):
            raise ctx.error(key, f"expected an http(s) URL, got {value!r}")
        return value
    if isinstance(default, tuple):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ctx.error(key, f"expected a list of strings, got {value!r}")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ctx.error(key, "expected a list of non-empty strings")
        return tuple(v.strip() for v in value)
    return value


def _build(cls: type[T], data: Mapping[str, Any], ctx: _Ctx, *, skip: tuple[str, ...] = ()) -> T:
    """Build a flat dataclass from ``data``, checking keys and types against its defaults."""
    if not isinstance(data, Mapping):
        raise ConfigError("expected a table", path=ctx.path, key=ctx.prefix)
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    _check_keys(data, names, ctx)
    defaults = cls()  # type: ignore[call-arg]
    kwargs = {k: _coerce(v, getattr(defaults, k), k, ctx) for k, v in data.items() if k not in skip}
    return cls(**kwargs)


@dataclass(frozen=True)
class ArxivConfig:
    """The arXiv API source (see the module docstring for each key)."""

    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    query: str = ""
    source: str = "feed"
    days: int = 0
    max_results: int = 300
    page_size: int = 100
    delay_seconds: float = 3.0
    num_retries: int = 3
    url: str = "https://export.arxiv.org/api/query"
    announce_types: tuple[str, ...] = ("new", "cross")
    feed_url: str = ""
    holidays: tuple[str, ...] = ()

    def holiday_dates(self) -> frozenset[dt.date]:
        """arXiv's holidays (published, or projected for other years) plus the configured
        ``holidays`` (ISO dates)."""
        from digestkit.sources.schedule import HOLIDAYS

        return HOLIDAYS | {dt.date.fromisoformat(d) for d in self.holidays}


@dataclass(frozen=True)
class HFDailyConfig:
    """Hugging Face Daily Papers."""

    days: int = 1
    url: str = "https://huggingface.co/api/daily_papers"
    page_size: int = 50
    max_pages: int = 4
    delay_seconds: float = 1.0
    num_retries: int = 3
    timeout: float = 30.0


@dataclass(frozen=True)
class SemanticScholarConfig:
    """Semantic Scholar Graph API paper search. The key is read from ``api_key_env``."""

    query: str = ""
    api_key_env: str = ""
    days: int = 3
    max_results: int = 100
    page_size: int = 100
    delay_seconds: float = 1.0
    num_retries: int = 3
    timeout: float = 30.0
    url: str = "https://api.semanticscholar.org/graph/v1"


@dataclass(frozen=True)
class KeywordRule:
    """A keyword or phrase and the points one occurrence gives."""

    term: Term
    weight: float = 1.0


def _rules(value: Any, ctx: _Ctx, key: str) -> tuple[KeywordRule, ...]:
    if isinstance(value, Mapping):
        items: list[Any] = [{"term": k, "weight": v} for k, v in value.items()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ctx.error(key, "expected a list of keywords or a table of keyword = weight")
    rules = []
    for item in items:
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, Mapping) or not isinstance(item.get("term"), str):
            raise ctx.error(key, f"bad keyword {item!r}: use a string or {{term=..., weight=...}}")
        _check_keys(
            item, ["term", "weight", "case_sensitive"], _Ctx(ctx.path, f"{ctx.prefix}.{key}")
        )
        weight = _coerce(item.get("weight", 1.0), 1.0, key, ctx)
        sensitive = item.get("case_sensitive")
        if sensitive is not None and not isinstance(sensitive, bool):
            raise ctx.error(key, f"case_sensitive must be true or false for {item['term']!r}")
        if not item["term"].strip():
            raise ctx.error(key, "a keyword must not be empty")
        rules.append(KeywordRule(Term(item["term"], sensitive), weight))
    return tuple(rules)


@dataclass(frozen=True)
class SelectionConfig:
    """How papers are scored and chosen (:mod:`digestkit.sources.select`)."""

    keywords: tuple[KeywordRule, ...] = ()
    exclude: tuple[Term, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    title_boost: float = 2.0
    max_hits: int = 3
    category_weights: tuple[tuple[str, float], ...] = ()
    min_score: float = 1.0
    max_papers: int = 20

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: str | None = None) -> SelectionConfig:
        """Validate a ``[selection]`` table.

        >>> SelectionConfig.from_mapping({"keywords": {"RL": 2}}).keywords[0].weight
        2.0
        >>> SelectionConfig.from_mapping({"keyword": ["RL"]})
        Traceback (most recent call last):
        ...
        digestkit.errors.ConfigError: selection.keyword: unknown key; did you mean 'keywords'?
        """
        ctx = _Ctx(path, "selection")
        special = ("keywords", "exclude", "category_weights")
        base = _build(cls, data, ctx, skip=special)
        keywords = _rules(data.get("keywords", ()), ctx, "keywords")
        exclude = tuple(r.term for r in _rules(data.get("exclude", ()), ctx, "exclude"))
        weights = data.get("category_weights", {})
        if not isinstance(weights, Mapping):
            raise ctx.error("category_weights", 'expected a table: { "cs.CL" = 1.0 }')
        cats = tuple(
            (str(k), _coerce(v, 0.0, f"category_weights.{k}", ctx)) for k, v in weights.items()
        )
        return SelectionConfig(
            keywords=keywords,
            exclude=exclude,
            exclude_categories=base.exclude_categories,
            title_boost=base.title_boost,
            max_hits=max(1, base.max_hits),
            category_weights=cats,
            min_score=base.min_score,
            max_papers=base.max_papers,
        )


@dataclass(frozen=True)
class StateConfig:
    """Where the shown-papers store lives; empty path = ``$DIGESTKIT_HOME/state.sqlite``."""

    path: str = ""
    show_new_versions: bool = False
    lease_hours: float = 6.0
    lock_timeout: float = 3600.0


@dataclass(frozen=True)
class OutputConfig:
    """Where ``digestkit digest`` writes, relative to the config file."""

    dir: str = "site"
    title: str = "Daily papers"
    language: str = "en"
    readme: str = "README.md"
    feed: str = "feed.xml"
    feed_format: str = "atom"
    html: str = "index.html"
    site_url: str = ""
    unsummarized: str = "abstract"


@dataclass(frozen=True)
class SourcesConfig:
    """Everything ``digestkit fetch`` and ``digestkit digest`` read from digestkit.toml."""

    arxiv: ArxivConfig | None = None
    hf_daily: HFDailyConfig | None = None
    semantic_scholar: SemanticScholarConfig | None = None
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    state: StateConfig = field(default_factory=StateConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    path: str | None = None

    @property
    def base_dir(self) -> Path:
        """The directory relative paths are resolved against (the config file's)."""
        return Path(self.path).parent if self.path else Path.cwd()

    def state_path(self) -> Path:
        if not self.state.path:
            return home_dir() / "state.sqlite"
        return self.base_dir / os.path.expanduser(self.state.path)

    def output_dir(self) -> Path:
        return self.base_dir / os.path.expanduser(self.output.dir)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: str | None = None) -> SourcesConfig:
        """Validate the sections this module owns; other sections are left to their owners."""
        sources = data.get("sources", {})
        if not isinstance(sources, Mapping):
            raise ConfigError("expected a table", path=path, key="sources")
        _check_keys(sources, ["arxiv", "hf_daily", "semantic_scholar"], _Ctx(path, "sources"))
        arxiv = hf = s2 = None
        if "arxiv" in sources:
            arxiv = _build(ArxivConfig, sources["arxiv"], _Ctx(path, "sources.arxiv"))
            if arxiv.source not in ("feed", "api"):
                raise ConfigError("expected 'feed' or 'api'", path=path, key="sources.arxiv.source")
            if arxiv.source == "feed" and not arxiv.categories:
                raise ConfigError(
                    'the announcement feed needs categories (or set source = "api")',
                    path=path,
                    key="sources.arxiv.categories",
                )
            for day in arxiv.holidays:
                try:
                    dt.date.fromisoformat(day)
                except ValueError:
                    raise ConfigError(
                        f"expected YYYY-MM-DD, got {day!r}", path=path, key="sources.arxiv.holidays"
                    ) from None
            bad = [t for t in arxiv.announce_types if t not in ANNOUNCE_TYPES]
            if bad or not arxiv.announce_types:
                raise ConfigError(
                    f"expected a non-empty list of {', '.join(ANNOUNCE_TYPES)}; got {bad or '[]'}",
                    path=path,
                    key="sources.arxiv.announce_types",
                )
            if not (arxiv.categories or arxiv.keywords or arxiv.query):
                raise ConfigError(
                    "set categories (or keywords, or query)",
                    path=path,
                    key="sources.arxiv.categories",
                )
        if "hf_daily" in sources:
            hf = _build(HFDailyConfig, sources["hf_daily"], _Ctx(path, "sources.hf_daily"))
        if "semantic_scholar" in sources:
            ctx = _Ctx(path, "sources.semantic_scholar")
            s2 = _build(SemanticScholarConfig, sources["semantic_scholar"], ctx)
            if not s2.query:
                raise ctx.error("query", "set a search query")
        output = _build(OutputConfig, data.get("output", {}), _Ctx(path, "output"))
        if output.feed_format not in ("atom", "rss"):
            raise ConfigError("expected 'atom' or 'rss'", path=path, key="output.feed_format")
        if output.unsummarized not in ("abstract", "hold"):
            raise ConfigError("expected 'abstract' or 'hold'", path=path, key="output.unsummarized")
        return cls(
            arxiv=arxiv,
            hf_daily=hf,
            semantic_scholar=s2,
            selection=SelectionConfig.from_mapping(data.get("selection", {}), path=path),
            state=_build(StateConfig, data.get("state", {}), _Ctx(path, "state")),
            output=output,
            path=path,
        )


_FLAT: tuple[tuple[str, type], ...] = (
    ("sources.arxiv", ArxivConfig),
    ("sources.hf_daily", HFDailyConfig),
    ("sources.semantic_scholar", SemanticScholarConfig),
    ("state", StateConfig),
    ("output", OutputConfig),
)


def _table(data: Mapping[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def _flat_problems(cls: type, data: Any, ctx: _Ctx) -> list[ConfigError]:
    """Every bad key of one flat section (not only the first)."""
    if not isinstance(data, Mapping):
        return [ConfigError("expected a table", path=ctx.path, key=ctx.prefix)]
    names = [f.name for f in fields(cls)]
    defaults = cls()
    problems = []
    for key, value in data.items():
        try:
            if key not in names:
                raise unknown_key_error(key, names, path=ctx.path, prefix=ctx.prefix)
            _coerce(value, getattr(defaults, key), key, ctx)
        except ConfigError as err:
            problems.append(err)
    return problems


def sources_problems(data: Mapping[str, Any], *, path: str | None = None) -> list[ConfigError]:
    """Every problem in the sections this module owns, for ``digestkit config check``: each
    key of the flat sections, then what whole-config validation still finds (one per
    section: [selection]'s keyword tables, required keys, allowed values).

    >>> [str(e) for e in sources_problems({"sources": {"arxiv": {"day": 2, "days": -1}},
    ...                                     "selection": {"keyword": ["RL"]}})]
    ["sources.arxiv.day: unknown key; did you mean 'days'?", 'sources.arxiv.days: must not be negative, got -1', "selection.keyword: unknown key; did you mean 'keywords'?"]
    """
    problems: list[ConfigError] = []
    sources = data.get("sources", {})
    if isinstance(sources, Mapping):
        known = ["arxiv", "hf_daily", "semantic_scholar"]
        problems += [
            unknown_key_error(k, known, path=path, prefix="sources")
            for k in sources
            if k not in known
        ]
    for dotted, cls in _FLAT:
        table = _table(data, dotted)
        if table is not None:
            problems += _flat_problems(cls, table, _Ctx(path, dotted))
    checks = [
        lambda: SelectionConfig.from_mapping(data.get("selection", {}), path=path),
        lambda: SourcesConfig.from_mapping({**data, "selection": {}}, path=path),
    ]
    seen = {str(p) for p in problems}
    for check in checks:
        try:
            check()
        except ConfigError as err:
            if str(err) not in seen:
                problems.append(err)
                seen.add(str(err))
    return problems


def load_sources_config(path: str | os.PathLike[str]) -> SourcesConfig:
    """Read and validate ``path``; errors name the file and the dotted key."""
    return SourcesConfig.from_mapping(load_toml(path), path=str(path))
