"""Turning provider HTTP failures into digestkit errors, in one place for every backend.

Why: the router decides retry / fall back / disable from the error *class* and ``status``
alone, so each backend must translate the same way: 429 and 529/overloaded are
:class:`RateLimitError`; 401/403, 402 and spend limits (Anthropic's
``*_spend_limit_reached`` codes arrive as 429!, OpenAI's ``insufficient_quota``) are
:class:`AuthError`; everything else is :class:`RemoteError` with its status (``None`` for
timeouts, dropped connections and unreadable bodies). Messages are scrubbed of the key.

>>> err = error_for_status(429, "slow down", headers={"retry-after-ms": "1500"})
>>> type(err).__name__, err.retry_after
('RateLimitError', 1.5)
>>> type(error_for_status(429, "x", code="enforced_spend_limit_reached")).__name__
'AuthError'
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

from digestkit.errors import AuthError, NetworkError, RateLimitError, RemoteError
from digestkit.secrets import redact as _redact

__all__ = ["SPEND_CODES", "error_for_status", "parse_retry_after", "redact"]

SPEND_CODES = frozenset(
    {
        "enforced_spend_limit_reached",
        "contract_spend_limit_reached",
        "linked_organization_spend_limit_reached",
        "linked_organization_billing_unavailable",
        "insufficient_quota",  # OpenAI
        "billing_hard_limit_reached",
        "billing_not_active",
        "Arrearage",  # DashScope (Qwen): account in arrears, answered as HTTP 400
    }
)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date).

    >>> parse_retry_after({"retry-after": "2"}), parse_retry_after({}), parse_retry_after(None)
    (2.0, None, None)
    """
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lower:
            return max(0.0, float(lower["retry-after-ms"]) / 1000)
        if "retry-after" in lower:
            return max(0.0, float(lower["retry-after"]))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(lower["retry-after"])
        if parsed is not None:
            return max(0.0, parsed.timestamp() - time.time())
    return None


def redact(text: str, *secrets: str) -> str:
    """``text`` with every secret replaced, escaped forms too (keys must never reach a
    message or a log); see :func:`digestkit.secrets.redact`.

    >>> redact("bad key sk-123", "sk-123")
    'bad key [redacted]'
    """
    return _redact(text, *secrets)


def error_for_status(
    status: int,
    message: str,
    *,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    error_type: str | None = None,
    code: str | None = None,
) -> NetworkError:
    """The digestkit error for an HTTP failure (see the module docstring)."""
    retry_after = parse_retry_after(headers)
    text = f"HTTP {status}: {message}" if status else message
    if code in SPEND_CODES or status == 402:
        return AuthError(f"spend limit reached: {text}", url=url, status=status)
    if status in (401, 403) or error_type in ("authentication_error", "permission_error"):
        return AuthError(f"authentication failed: {text}", url=url, status=status)
    if status in (429, 529) or error_type in ("overloaded_error", "rate_limit_error"):
        return RateLimitError(text, url=url, status=status, retry_after=retry_after)
    return RemoteError(text, url=url, status=status or None, retry_after=retry_after)
