"""API keys: read them from the environment safely, and never let one reach a message.

Why one module: a key leaks through many doors (an error message, a header the HTTP
library quotes back with ``repr``, a JSON body, a config error that echoes the value it
rejected, a ledger row). Every door uses the same two functions: :func:`redact`, which
knows the escaped forms a key takes in those places, and :func:`shown`, which prints a
config value only when it cannot be a key.

Keys with surrounding whitespace or line breaks (a ``.env`` saved with CRLF, a pasted
newline) are stripped, with a warning naming the variable (never the value): the key a
user meant is unambiguous, and an HTTP library would otherwise reject the header and
quote the key back in its error. Keys with characters inside that no HTTP header can
carry (control characters, spaces, non-ASCII) are an error naming the variable.

>>> redact("Illegal header value b'Bearer sk-ant-123456\\\\r'", "sk-ant-123456")
"Illegal header value b'Bearer [redacted]\\\\r'"
>>> shown("sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123"), shown("12")
('<a value that looks like an API key (not shown)>', "'12'")
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import quote

__all__ = ["check_key", "looks_like_secret", "redact", "shown"]

log = logging.getLogger(__name__)

_PREFIXES = re.compile(r"^(sk-|sk_|rk-|pk-|xai-|gsk_|AIza|ghp_|gho_|github_pat_|hf_|glpat-|r8_)")
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-.+/=:]+$")
REDACTED = "[redacted]"


def looks_like_secret(value: Any) -> bool:
    """Could ``value`` be an API key? Known key prefixes, or a long unbroken token that
    mixes letters and digits.

    >>> looks_like_secret("sk-abcdefghijklmnop1234"), looks_like_secret("claude-sonnet-4-5")
    (True, False)
    """
    if not isinstance(value, str):
        return False
    v = value.strip()
    if len(v) >= 12 and _PREFIXES.match(v):
        return True
    return (
        len(v) >= 32
        and bool(_TOKENISH.match(v))
        and any(c.isdigit() for c in v)
        and any(c.isalpha() for c in v)
    )


def shown(value: Any) -> str:
    """``repr(value)`` for a message, unless it may be a key."""
    return (
        "<a value that looks like an API key (not shown)>"
        if looks_like_secret(value)
        else repr(value)
    )


def _forms(secret: str) -> list[str]:
    forms = {secret, secret.strip()}
    for s in list(forms):
        forms.add(repr(s)[1:-1])
        forms.add(json.dumps(s)[1:-1])
        forms.add(quote(s, safe=""))
        forms.add(repr(s.encode("utf-8", "replace"))[2:-1])
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


def redact(text: str, *secrets: str) -> str:
    """``text`` with every secret replaced, also in its escaped forms (``repr``, JSON,
    URL-encoded, bytes repr), so a key never reaches a message, a file or a log."""
    for s in secrets:
        if s:
            for form in _forms(s):
                text = text.replace(form, REDACTED)
    return text


def check_key(value: str, variable: str) -> str:
    """The key in ``variable``, stripped of surrounding whitespace (with a warning);
    raises ``ValueError`` naming the variable when no HTTP header can carry it."""
    key = value.strip()
    if key != value:
        log.warning(
            "the API key in %s has surrounding whitespace or a line break (a .env file "
            "saved with CRLF?): using it stripped",
            variable,
        )
    bad = [c for c in key if not (33 <= ord(c) < 127)]
    if bad:
        kind = (
            "non-ASCII characters"
            if any(ord(c) >= 127 for c in bad)
            else "spaces or control characters"
        )
        raise ValueError(
            f"the API key in {variable} contains {kind}; an HTTP header cannot carry it"
        )
    return key
