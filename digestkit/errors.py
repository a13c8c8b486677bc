"""The digestkit error tree: one base class, a few branches, context on every error.

Every error digestkit raises on purpose is a :class:`DigestkitError`, so callers can catch
one class, and the CLI can turn any of them into one clear line and a non-zero exit::

    DigestkitError
     ├── InputError            bad input: names the file (``path``) and ``line`` when known
     │    ├── DecodeError      bytes that no codec could read
     │    ├── LimitExceeded    refused: a repair limit (member size, member count) was hit
     │    └── ParseError       a digest that does not parse as the format asked for
     ├── ConfigError           a bad or missing setting: names ``path`` and ``key``
     │    └── MissingKeyError  an API key is not set; says which variable to set
     ├── NetworkError          a remote call failed: ``url``, ``status``, ``retry_after``
     │    ├── RateLimitError   429 / 529 / overloaded; retryable
     │    ├── AuthError        401 / 403 / spend limit; the backend is disabled for the run
     │    └── RemoteError      other failures (5xx, timeouts, broken bodies)
     ├── BudgetExceeded        the run would spend more than its budget
     └── OutputCheckError      an LLM answer failed its checks (language, sections)

Errors keep their context as attributes and pickle (so they cross process boundaries).
Third-party errors are translated at the boundary: ``raise RemoteError(...) from exc``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthError",
    "BudgetExceeded",
    "ConfigError",
    "DecodeError",
    "DigestkitError",
    "InputError",
    "LimitExceeded",
    "MissingKeyError",
    "NetworkError",
    "OutputCheckError",
    "ParseError",
    "RateLimitError",
    "RemoteError",
]


class DigestkitError(Exception):
    """Base class. ``str(err)`` is one line a person can act on.

    >>> str(InputError("not a digest", path="a.md", line=3))
    'a.md:3: not a digest'
    """

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context
        for key, value in context.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.context))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[DigestkitError], message: str, context: dict[str, Any]) -> DigestkitError:
    return cls(message, **context)


class InputError(DigestkitError):
    """Bad input. ``path`` and ``line`` (1-based) say where, when known."""

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, **context: Any
    ) -> None:
        super().__init__(message, path=path, line=line, **context)

    def __str__(self) -> str:
        where = ""
        if self.context.get("path"):
            where = str(self.context["path"])
            if self.context.get("line"):
                where += f":{self.context['line']}"
            where += ": "
        return where + self.message


class LimitExceeded(InputError):
    """A document (or the rest of an archive) refused because a limit of
    :class:`digestkit.repair.limits.RepairLimits` was hit: reported as *refused*, not as a
    failure to read."""


class DecodeError(InputError):
    """Bytes that could not be decoded by any codec."""


class ParseError(InputError):
    """A document that does not parse as the requested digest format."""


class ConfigError(DigestkitError):
    """A bad or missing setting; ``path`` is the config file and ``key`` the dotted key."""

    def __init__(
        self, message: str, *, path: str | None = None, key: str | None = None, **context: Any
    ) -> None:
        super().__init__(message, path=path, key=key, **context)

    def __str__(self) -> str:
        parts = [str(p) for p in (self.context.get("path"), self.context.get("key")) if p]
        return (": ".join(parts) + ": " if parts else "") + self.message


class MissingKeyError(ConfigError):
    """An API key is missing: the message names the environment variable to set."""


class NetworkError(DigestkitError):
    """A remote call failed. ``url``, ``status`` and ``retry_after`` (seconds) when known."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message, url=url, status=status, retry_after=retry_after, **context)


class RateLimitError(NetworkError):
    """429 / 529 / overloaded: retry later (``retry_after`` when the server said)."""


class AuthError(NetworkError):
    """401 / 403 / spend limit reached: retrying will not help."""


class RemoteError(NetworkError):
    """Any other remote failure: 5xx, timeout, dropped connection, malformed body."""


class BudgetExceeded(DigestkitError):
    """The run stopped because the next call would exceed the configured budget."""


class OutputCheckError(DigestkitError):
    """An LLM answer failed its checks (wrong language, missing sections)."""
