"""A small polite JSON GET with bounded retries, shared by the HTTP sources.

Why not the backends' client: sources need only GET + JSON, a fixed delay between requests
(the APIs' published rate limits), and the error translation of :mod:`digestkit.errors`.
The transport is injectable (httpx style), so tests can also run without sockets; the
default is real HTTP, which the tests point at :mod:`digestkit.testing.sources_stub`.
API keys travel only in headers, so a ``url`` in an error never carries a key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx2

from digestkit import __version__
from digestkit.errors import AuthError, NetworkError, RateLimitError, RemoteError

__all__ = ["PoliteClient"]

log = logging.getLogger(__name__)

USER_AGENT = f"digestkit/{__version__} (research digest bot)"
# Never wait longer than this on a server's Retry-After: a cron bot should fail, not hang.
MAX_RETRY_AFTER = 60.0


def _retry_after(resp: httpx2.Response) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _error_for(resp: httpx2.Response, url: str) -> NetworkError:
    status = resp.status_code
    msg = f"{status} from {url}"
    if status == 429:
        return RateLimitError(msg, url=url, status=status, retry_after=_retry_after(resp))
    if status in (401, 403):
        return AuthError(msg + " (check the API key)", url=url, status=status)
    return RemoteError(msg, url=url, status=status, retry_after=_retry_after(resp))


class PoliteClient:
    """GET JSON with ``delay_seconds`` between requests and ``num_retries`` retries.

    Retries 429, 5xx and transport errors, waiting ``delay_seconds`` (or the server's
    Retry-After, capped) before each retry; 4xx other than 429 fail at once.
    """

    def __init__(
        self,
        *,
        delay_seconds: float = 1.0,
        num_retries: int = 3,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay_seconds = delay_seconds
        self.num_retries = num_retries
        self.requests = 0
        self._sleep = sleep
        self._last: float | None = None
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._client = httpx2.Client(
            timeout=timeout, headers=all_headers, transport=transport, follow_redirects=True
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, at_least: float = 0.0) -> None:
        wait = at_least
        if self._last is not None:
            wait = max(wait, self.delay_seconds - (time.monotonic() - self._last))
        if wait > 0:
            self._sleep(min(wait, MAX_RETRY_AFTER))

    def _once(self, url: str, params: Mapping[str, Any], *, text: bool = False) -> Any:
        base, _, query = url.partition("?")
        # A configured URL may carry its own query (a mirror's key, a proxy's route): keep
        # it and add ours (httpx would replace it).
        merged = {**dict(parse_qsl(query, keep_blank_values=True)), **dict(params)}
        try:
            resp = self._client.get(base, params=merged)
        except httpx2.HTTPError as exc:
            raise RemoteError(f"{type(exc).__name__}: {exc}", url=url) from exc
        finally:
            self._last = time.monotonic()
            self.requests += 1
        if resp.status_code != 200:
            raise _error_for(resp, url)
        if text:
            return resp.text
        try:
            return resp.json()
        except ValueError as exc:
            raise RemoteError(f"invalid JSON from {url}", url=url, status=200) from exc

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON body of ``GET url?params``, after retries."""
        return self._get(url, params, text=False)

    def get_text(self, url: str, params: Mapping[str, Any] | None = None) -> str:
        """The body of ``GET url?params`` as text (XML feeds), after retries."""
        return str(self._get(url, params, text=True))

    def _get(self, url: str, params: Mapping[str, Any] | None, *, text: bool) -> Any:
        retry_after = 0.0
        for attempt in range(self.num_retries + 1):
            self._wait(retry_after)
            try:
                return self._once(url, params or {}, text=text)
            except AuthError:
                raise
            except NetworkError as err:
                status = err.context.get("status")
                retryable = status is None or status == 429 or status >= 500
                if not retryable or attempt == self.num_retries:
                    raise
                retry_after = err.context.get("retry_after") or 0.0
                log.info("retrying %s after %s (attempt %d)", url, err, attempt + 1)
        raise AssertionError("unreachable")
