"""Fetching papers' full text by arXiv id: HTML, then the e-print source, then the PDF.

Why an edge module of its own: the extractors are pure (``bytes -> FullText``); everything
that touches the network or the disk for them lives here, like :mod:`digestkit.sources`.
Many papers have no HTML (PDF-only submissions, failed conversions), some keep their
source private (403), mirrors go down: so each source in ``[fulltext] sources`` is tried
in order until one gives a paper, and :class:`Fetched` says what happened to each
(``explain()``), because "why was this summarized from the abstract?" has to have an
answer. Nothing here raises for network or content trouble: it goes in the attempts.

Downloads are cached by URL (see :mod:`digestkit.fulltext.cache`): a versionless id is
kept as first fetched, so ask for ``IDvN`` (the version the listing gave) to see a newer
version; a 404 or 403 is remembered for a day.

The ``[fulltext]`` section of digestkit.toml (every key optional; defaults shown)::

    [fulltext]
    sources = ["html", "latex", "pdf"]   # order tried; drop one to never fetch it
    html_url = "https://arxiv.org/html/{id}"      # {id}: the id as given (with or without vN)
    latex_url = "https://arxiv.org/e-print/{id}"  # answers 301 -> /src/{id}
    pdf_url = "https://arxiv.org/pdf/{id}"
    delay = 3.0            # seconds between requests to one host (arXiv asks for >= 3)
    retries = 3            # per URL, on 429/5xx/timeouts/truncated bodies (Retry-After honoured)
    timeout = 60.0         # seconds to connect, and between received bytes
    max_download_bytes = 100_000_000   # a larger file is refused (streamed, stopped at the cap)
    cache = true           # keep downloads and extracted papers under cache_dir
    cache_dir = ""         # "" = $DIGESTKIT_HOME/fulltext; relative = to this file's folder
    cache_max_bytes = 2_000_000_000    # least recently used files go first above this
    user_agent = "digestkit/<version> (...)"   # arXiv asks downloaders to say who they are

>>> cfg = FulltextConfig.from_mapping({"sources": ["latex", "pdf"], "delay": 5})
>>> cfg.sources, cfg.delay, cfg.url_for("pdf", "2501.00001v2")
(('latex', 'pdf'), 5.0, 'https://arxiv.org/pdf/2501.00001v2')
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2

from digestkit import __version__
from digestkit.config import Section, find_config, home_dir, load_toml
from digestkit.errors import InputError
from digestkit.fulltext.cache import FulltextCache, sha256_hex
from digestkit.fulltext.model import SCHEMA_VERSION, SOURCE_KINDS, FullText, split_id

__all__ = [
    "EXTRACTOR_VERSION",
    "Attempt",
    "Fetched",
    "FulltextConfig",
    "FulltextFetcher",
    "load_fulltext_config",
    "read_local",
    "split_id",
]

log = logging.getLogger(__name__)

# Part of the key of every cached extraction: bump it when an extractor changes what it
# returns, so cached papers are extracted again (the downloads stay cached).
EXTRACTOR_VERSION = 1

_KIND_NAMES = {"html": "an HTML page", "latex": "a LaTeX source", "pdf": "a PDF"}
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class FulltextConfig:
    """The ``[fulltext]`` section; the module docstring documents every key."""

    sources: tuple[str, ...] = SOURCE_KINDS
    html_url: str = "https://arxiv.org/html/{id}"
    latex_url: str = "https://arxiv.org/e-print/{id}"
    pdf_url: str = "https://arxiv.org/pdf/{id}"
    delay: float = 3.0
    retries: int = 3
    timeout: float = 60.0
    max_download_bytes: int = 100_000_000
    cache: bool = True
    cache_dir: str = ""
    cache_max_bytes: int = 2_000_000_000
    user_agent: str = (
        f"digestkit/{__version__} (research-paper digest bot; full-text fetcher; "
        "+https://pypi.org/project/digestkit/)"
    )

    def url_for(self, source: str, arxiv_id: str) -> str:
        """The URL of ``source`` for ``arxiv_id`` (``{id}`` filled in as given)."""
        template: str = getattr(self, f"{source}_url")
        return template.replace("{id}", arxiv_id)

    def cache_root(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else home_dir() / "fulltext"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: str | None = None) -> FulltextConfig:
        """Validate the ``[fulltext]`` table (a whole config document is accepted too).
        Unknown keys, wrong types, negative or non-finite numbers and unknown source kinds
        raise :class:`ConfigError` naming the key.

        >>> FulltextConfig.from_mapping({"retries": -1})
        Traceback (most recent call last):
        ...
        digestkit.errors.ConfigError: fulltext.retries: must be >= 0, got -1
        """
        if isinstance(data, Mapping) and isinstance(data.get("fulltext"), Mapping):
            data = data["fulltext"]
        s = Section(data, "fulltext", path)
        d = cls()
        cfg = cls(
            sources=_sources(s, d.sources),
            html_url=_url(s, "html_url", d.html_url),
            latex_url=_url(s, "latex_url", d.latex_url),
            pdf_url=_url(s, "pdf_url", d.pdf_url),
            delay=_finite(s, "delay", d.delay),
            retries=s.integer("retries", d.retries),
            timeout=_finite(s, "timeout", d.timeout, positive=True),
            max_download_bytes=s.integer("max_download_bytes", d.max_download_bytes, minimum=1),
            cache=s.get("cache", bool, d.cache),
            cache_dir=_cache_dir(s, path),
            cache_max_bytes=s.integer("cache_max_bytes", d.cache_max_bytes, minimum=1),
            user_agent=_text(s, "user_agent", d.user_agent),
        )
        s.done()
        return cfg


def _finite(s: Section, key: str, default: float, *, positive: bool = False) -> float:
    value = s.number(key, default)
    if not math.isfinite(value):
        raise s.error(key, f"must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise s.error(key, f"must be > 0, got {value:g}")
    return value


def _text(s: Section, key: str, default: str) -> str:
    value: str = s.get(key, str, default)
    if not value.strip():
        raise s.error(key, "must not be empty")
    return value


def _url(s: Section, key: str, default: str) -> str:
    value = _text(s, key, default)
    if not value.startswith(("http://", "https://")) or "{id}" not in value:
        raise s.error(key, f"expected an http(s) URL template with {{id}}, got {value!r}")
    return value


def _sources(s: Section, default: tuple[str, ...]) -> tuple[str, ...]:
    value = s.get("sources", list, list(default))
    for item in value:
        if item not in SOURCE_KINDS:
            raise s.error("sources", f"unknown source {item!r}; known: {', '.join(SOURCE_KINDS)}")
    if not value or len(set(value)) != len(value):
        raise s.error("sources", "expected a non-empty list without repeats")
    return tuple(value)


def _cache_dir(s: Section, path: str | None) -> str:
    value: str = s.get("cache_dir", str, "")
    if not value:
        return ""
    p = Path(value).expanduser()
    if not p.is_absolute() and path:
        p = Path(path).resolve().parent / p
    return str(p)


def load_fulltext_config(path: str | os.PathLike[str] | None = None) -> FulltextConfig | None:
    """The ``[fulltext]`` section of the config file (``path``, ``$DIGESTKIT_CONFIG`` or
    ./digestkit.toml); ``None`` when there is no file or it has no such section."""
    found = find_config(path)
    if found is None:
        return None
    data = load_toml(found)
    if "fulltext" not in data:
        return None
    return FulltextConfig.from_mapping(data["fulltext"], path=str(found))


@dataclass(frozen=True)
class Attempt:
    """One source tried for one paper. ``outcome``: ``"ok"`` (downloaded and read),
    ``"cached"`` (read from the disk cache, no request), ``"missing"`` (404, 403, no HTML
    page), ``"failed"`` (network or 5xx after retries, truncated, too large, unreadable)
    or ``"skipped"`` (not needed, an earlier source gave the paper)."""

    source: str
    url: str
    outcome: str
    detail: str = ""

    def line(self) -> str:
        """``"html: missing (404 no HTML) https://arxiv.org/html/2501.00001"``"""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.source}: {self.outcome}{detail} {self.url}".rstrip()


@dataclass(frozen=True)
class Fetched:
    """The result of fetching one paper: the text (``None`` if no source gave it) and
    every source tried, in order."""

    arxiv_id: str
    fulltext: FullText | None
    attempts: tuple[Attempt, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.fulltext is not None

    def explain(self) -> str:
        """One line per attempt: which source gave the paper and why the others did not.

        >>> Fetched("1", None, (Attempt("html", "u", "missing", "404 no HTML"),)).explain()
        '1: html: missing (404 no HTML) u'
        """
        return "\n".join(f"{self.arxiv_id}: {a.line()}" for a in self.attempts)

    @property
    def error(self) -> str:
        """``""`` when ok, else one line naming the sources tried and what each did.

        >>> Fetched("1", None, (Attempt("pdf", "u", "failed", "503 x4"),)).error
        'no full text (pdf: failed, 503 x4)'
        """
        if self.ok:
            return ""
        tried = "; ".join(
            f"{a.source}: {a.outcome}" + (f", {a.detail}" if a.detail else "")
            for a in self.attempts
        )
        return f"no full text ({tried or 'no source configured'})"


def _default_extract(data: bytes, kind: str | None = None, **kw: Any) -> FullText:
    # Looked up at call time, so the extractors (and a test's stand-in) load lazily.
    from digestkit import fulltext

    return fulltext.extract(data, kind, **kw)


def _extractor_tag(extract: Callable[..., FullText]) -> str:
    """What identifies an extractor in cache keys (a stand-in never shares entries)."""
    if extract is _default_extract:
        return f"digestkit {__version__} extractor {EXTRACTOR_VERSION} schema {SCHEMA_VERSION}"
    return f"{getattr(extract, '__module__', '')}.{getattr(extract, '__qualname__', extract)}"


class FulltextFetcher:
    """Fetch papers by arXiv id through ``config`` (see :class:`FulltextConfig`).

    ``transport``, ``sleep`` and ``clock`` are injected so tests can drive time and the
    network; ``extract`` (default: :func:`digestkit.fulltext.extract`, looked up when
    called) turns bytes into a :class:`FullText` and may raise ``InputError``.
    """

    def __init__(
        self,
        config: FulltextConfig | None = None,
        *,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        extract: Callable[..., FullText] | None = None,
    ) -> None:
        from digestkit.fulltext._download import Downloader

        self.config = config or FulltextConfig()
        self._extract = extract or _default_extract
        self._tag = _extractor_tag(self._extract)
        c = self.config
        self.downloader = Downloader(
            delay=c.delay,
            retries=c.retries,
            timeout=c.timeout,
            max_bytes=c.max_download_bytes,
            user_agent=c.user_agent,
            transport=transport,
            sleep=sleep,
            clock=clock,
        )
        self.cache = FulltextCache(c.cache_root(), max_bytes=c.cache_max_bytes) if c.cache else None

    def close(self) -> None:
        self.downloader.close()

    def __enter__(self) -> FulltextFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, target: str) -> FullText:
        """A local file or an http(s)/file URL, as :func:`read_local` reads it, downloaded
        (if a URL) through this fetcher's per-host delays, retries, size cap and cache."""
        scheme = urlsplit(target).scheme.lower()
        if scheme in ("http", "https"):
            data, outcome, detail = self._bytes(target)
            if data is None:
                raise InputError(f"download {outcome}: {detail}", path=target)
        else:
            data = _file_bytes(target, self.config.max_download_bytes)
        from digestkit.fulltext import sniff

        kind = sniff(data)
        if not kind:
            raise InputError("not arXiv HTML, a LaTeX source or a PDF", path=target)
        m = _LOCAL_ID.search(Path(urlsplit(target).path).name)
        base, version = (m.group(1), int(m.group(2)) if m.group(2) else None) if m else ("", None)
        try:
            return self._extract(data, kind, arxiv_id=base, version=version)
        except InputError as err:
            raise InputError(err.message, path=target) from err

    def fetch_many(self, ids: Sequence[str]) -> list[Fetched]:
        """:meth:`fetch` each id in turn (one at a time: arXiv asks for one connection)."""
        return [self.fetch(i) for i in ids]

    def fetch(self, arxiv_id: str) -> Fetched:
        """Try each configured source in order until one gives the paper."""
        arxiv_id = arxiv_id.strip()
        if not _SAFE_ID.match(arxiv_id) or ".." in arxiv_id:
            return Fetched(arxiv_id, None, (Attempt("", "", "failed", "not an arXiv id"),))
        attempts: list[Attempt] = []
        found: FullText | None = None
        for source in self.config.sources:
            url = self.config.url_for(source, arxiv_id)
            if found is not None:
                attempts.append(Attempt(source, url, "skipped", _not_needed(attempts)))
                continue
            attempt, found = self._try(source, url, arxiv_id)
            attempts.append(attempt)
        return Fetched(arxiv_id, found, tuple(attempts))

    # -- one source --------------------------------------------------------------------------

    def _try(self, source: str, url: str, arxiv_id: str) -> tuple[Attempt, FullText | None]:
        data, outcome, detail = self._bytes(url)
        if data is None:
            return Attempt(source, url, outcome, detail), None
        base, version = split_id(arxiv_id)
        from digestkit.fulltext import sniff

        kind = sniff(data) or source
        note = "" if kind == source else _not_what(source, kind)
        try:
            fulltext = self._read(data, kind, base, version)
        except InputError as err:
            return Attempt(source, url, "failed", _join(note, f"unreadable: {err}")), None
        except Exception as err:  # an extractor bug must not stop a run of many papers
            log.warning("extractor crashed on %s", url, exc_info=True)
            msg = f"extractor crashed: {type(err).__name__}: {err}"
            return Attempt(source, url, "failed", _join(note, msg)), None
        return Attempt(source, url, outcome, _join(note, detail)), fulltext

    def _bytes(self, url: str) -> tuple[bytes | None, str, str]:
        """The body of ``url`` from the cache or the network: ``(data, outcome, detail)``."""
        if self.cache is not None:
            hit = self.cache.lookup_url(url)
            if hit is not None and hit[0] == "missing":
                return None, "missing", f"{hit[1]}, remembered"
            if hit is not None:
                data = self.cache.get_blob(hit[1])
                if data is not None:
                    return data, "cached", ""
        got = self.downloader.get(url)
        if self.cache is not None and got.body is not None:
            self.cache.put_blob(url, got.body)
        elif (
            self.cache is not None and got.outcome == "missing" and got.detail[:3] in ("404", "403")
        ):
            self.cache.put_missing(url, got.detail)
        return got.body, got.outcome, got.detail

    def _read(self, data: bytes, kind: str, base: str, version: int | None) -> FullText:
        key = sha256_hex(f"{sha256_hex(data)}\0{kind}\0{base}\0{version}\0{self._tag}")
        if self.cache is not None:
            cached = self.cache.get_text(key)
            if cached is not None:
                return cached
        fulltext = self._extract(data, kind, arxiv_id=base, version=version)
        if not fulltext.arxiv_id:
            fulltext = fulltext.replace(arxiv_id=base, version=version)
        if self.cache is not None:
            self.cache.put_text(key, fulltext)
        return fulltext


def _not_needed(attempts: Sequence[Attempt]) -> str:
    """The detail of a skipped source: which earlier one gave the paper."""
    used = next((a.source for a in attempts if a.outcome in ("ok", "cached")), "")
    return f"not needed: {used} gave the paper" if used else "not needed"


def _not_what(source: str, kind: str) -> str:
    """``latex`` bytes that are a PDF: arXiv stores PDF-only submissions as the source."""
    why = {("latex", "pdf"): ": PDF-only submission"}.get((source, kind), "")
    return f"not {_KIND_NAMES[source]}{why} -> used as {kind}"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# -- local files and plain URLs --------------------------------------------------------------

_LOCAL_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v(\d+))?")


def read_local(
    target: str,
    *,
    config: FulltextConfig | None = None,
    extract: Callable[..., FullText] | None = None,
    transport: httpx2.BaseTransport | None = None,
) -> FullText:
    """Read a paper from a local file (``.tex``, ``.gz``, ``.tar.gz``, ``.html``,
    ``.pdf``) or an ``http(s)://`` / ``file://`` URL. The format is sniffed from the bytes;
    an arXiv id in the file name (``2501.00001v2.pdf``) is recorded. Raises
    :class:`InputError` naming ``target`` when it cannot be read. (Several URLs on one
    host: use one :class:`FulltextFetcher` and its :meth:`~FulltextFetcher.read`, which
    keeps the per-host delay between them.)

    >>> read_local("/nonexistent/paper.pdf")
    Traceback (most recent call last):
    ...
    digestkit.errors.InputError: /nonexistent/paper.pdf: no such file
    """
    with FulltextFetcher(config, extract=extract, transport=transport) as fetcher:
        return fetcher.read(target)


def _file_bytes(target: str, cap: int) -> bytes:
    parts = urlsplit(target)
    path = Path(unquote(parts.path)) if parts.scheme.lower() == "file" else Path(target)
    try:
        size = path.stat().st_size
        if size > cap:
            raise InputError(f"larger than max_download_bytes ({size} bytes)", path=target)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=target) from None
    except IsADirectoryError:
        raise InputError("is a directory", path=target) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=target) from None
