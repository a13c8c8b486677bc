"""Polite, bounded downloads of whole files (HTML pages, e-print archives, PDFs).

Why not :class:`digestkit.sources._http.PoliteClient`: that client fetches small JSON
answers from one API with one delay. Full text needs what it does not do: a delay *per
host* kept across the whole run (arXiv asks for 3 s between downloads; a mirror on another
host need not wait for it), redirects that count as requests (``/e-print`` answers 301 to
``/src``), streamed bodies stopped at a size cap, truncated bodies detected and retried,
and "not there" (404, 403) told apart from "broken" (5xx, timeouts). It shares the
User-Agent and the Retry-After rules with ``PoliteClient``.

:meth:`Downloader.get` never raises for network trouble: the result says what happened,
because a paper whose PDF will not come should fall back, not stop the run. Time and the
transport are injected (``sleep``, ``clock``, ``transport``) so tests run instantly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urljoin, urlsplit

import httpx2

from digestkit.sources._http import MAX_RETRY_AFTER, _retry_after

__all__ = ["Download", "Downloader"]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
# A 404 page is read only far enough to tell arXiv's "No HTML for" page from others.
_ERROR_PAGE_BYTES = 65536


@dataclass(frozen=True)
class Download:
    """What one :meth:`Downloader.get` gave: ``outcome`` is ``"ok"`` (``body`` set),
    ``"missing"`` (404/403/410: the file is not there) or ``"failed"``."""

    url: str
    outcome: str
    detail: str = ""
    body: bytes | None = None


class _Retry(Exception):
    """A failure worth another try (429, 5xx, timeout, dropped or truncated body)."""

    def __init__(self, label: str, retry_after: float | None = None) -> None:
        super().__init__(label)
        self.label = label
        self.retry_after = retry_after or 0.0


class Downloader:
    """GET whole files with ``delay`` seconds between requests to one host and
    ``retries`` retries per URL; bodies over ``max_bytes`` are refused.

    ``requests`` records ``(clock(), url)`` for every request sent, redirects included
    (tests check the politeness from it).
    """

    def __init__(
        self,
        *,
        delay: float,
        retries: int,
        timeout: float,
        max_bytes: int,
        user_agent: str,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay, self.retries, self.max_bytes = delay, retries, max_bytes
        self.requests: list[tuple[float, str]] = []
        self._sleep, self._clock = sleep, clock
        self._last: dict[str, float] = {}
        self._client = httpx2.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent},
            transport=transport,
            follow_redirects=False,  # each hop is a request and waits its turn
        )

    def close(self) -> None:
        self._client.close()

    def get(self, url: str) -> Download:
        """Download ``url``; see :class:`Download`. Never raises for network problems."""
        failures: list[str] = []
        retry_after = 0.0
        for attempt in range(self.retries + 1):
            try:
                return self._follow(url, retry_after)
            except _Retry as exc:
                failures.append(exc.label)
                # Back off (delay, 2x, 4x ...) unless the server said how long to wait.
                retry_after = max(exc.retry_after, self.delay * 2**attempt)
                log.info("%s: %s (attempt %d of %d)", url, exc.label, attempt + 1, self.retries + 1)
        return Download(url, "failed", _tally(failures))

    # -- one try -----------------------------------------------------------------------------

    def _follow(self, url: str, retry_after: float) -> Download:
        for _hop in range(MAX_REDIRECTS + 1):
            self._pace(url, retry_after)
            retry_after = 0.0
            result = self._request(url)
            if isinstance(result, str):
                url = result
                continue
            return result
        return Download(url, "failed", f"more than {MAX_REDIRECTS} redirects")

    def _pace(self, url: str, at_least: float) -> None:
        """Wait until ``delay`` has passed since the last request to this host finished
        (and at least ``at_least``, the server's Retry-After, capped)."""
        host = urlsplit(url).netloc
        wait = min(at_least, MAX_RETRY_AFTER)
        if host in self._last:
            wait = max(wait, self.delay - (self._clock() - self._last[host]))
        if wait > 0:
            self._sleep(wait)

    def _request(self, url: str) -> Download | str:
        """One request: a :class:`Download`, or the URL a redirect points to."""
        host = urlsplit(url).netloc
        self.requests.append((self._clock(), url))
        try:
            with self._client.stream("GET", url) as resp:
                return self._answer(url, resp)
        except httpx2.TimeoutException as exc:
            raise _Retry("timeout") from exc
        except (httpx2.UnsupportedProtocol, httpx2.InvalidURL) as exc:
            return Download(url, "failed", f"bad URL: {exc}")
        except httpx2.RemoteProtocolError as exc:
            raise _Retry("truncated") from exc  # the peer closed mid-body or sent garbage
        except httpx2.TransportError as exc:
            raise _Retry(type(exc).__name__) from exc
        finally:
            self._last[host] = self._clock()

    def _answer(self, url: str, resp: httpx2.Response) -> Download | str:
        status = resp.status_code
        if status in _REDIRECTS and resp.headers.get("location"):
            return urljoin(url, resp.headers["location"])
        if status == 200:
            return self._body(url, resp)
        if status == 429 or status >= 500:
            raise _Retry(str(status), _retry_after(resp))
        if status == 404:
            page = _read_some(resp, _ERROR_PAGE_BYTES)
            return Download(url, "missing", "404 no HTML" if b"No HTML for" in page else "404")
        if status == 403:
            return Download(url, "missing", "403 forbidden (source not public)")
        if status == 410:
            return Download(url, "missing", "410 gone")
        return Download(url, "failed", f"HTTP {status}")

    def _body(self, url: str, resp: httpx2.Response) -> Download:
        declared = _content_length(resp)
        if declared is not None and declared > self.max_bytes:
            return Download(url, "failed", _too_large(self.max_bytes, f"{declared} declared"))
        chunks, size = [], 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                return Download(url, "failed", _too_large(self.max_bytes, "stopped"))
            chunks.append(chunk)
        # A decoded (gzip) body has another length than declared; h11 checks the raw one.
        if declared is not None and "content-encoding" not in resp.headers and size < declared:
            raise _Retry("truncated")
        return Download(url, "ok", "", b"".join(chunks))


def _content_length(resp: httpx2.Response) -> int | None:
    try:
        return int(resp.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _read_some(resp: httpx2.Response, limit: int) -> bytes:
    out = b""
    for chunk in resp.iter_bytes():
        out += chunk
        if len(out) >= limit:
            break
    return out


def _too_large(cap: int, how: str) -> str:
    return f"larger than max_download_bytes ({cap}; {how})"


def _tally(labels: list[str]) -> str:
    """``["503", "503", "timeout"]`` -> ``"503 x2, timeout"``: what each try ran into.

    >>> _tally(["503"] * 4)
    '503 x4'
    >>> _tally(["timeout", "503", "503"])
    'timeout, 503 x2'
    """
    runs = [(label, len(list(group))) for label, group in groupby(labels)]
    return ", ".join(label if n == 1 else f"{label} x{n}" for label, n in runs)
