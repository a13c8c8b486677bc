"""Reading JSON from untrusted files: every way a document can break is one
:class:`~digestkit.errors.InputError` naming the file and line, never a traceback.

Why one function: ``json.loads`` fails in four ways that are easy to miss one at a time
(a syntax error; an integer of more than 4,300 digits, which Python refuses to convert;
nesting deep enough to exhaust the recursion limit; a ``\\ud800`` escape that decodes to a
lone surrogate, which parses fine and only fails later, when the text is written out as
UTF-8). Every reader of user JSON goes through :func:`load_json`.

>>> load_json('{"a": [1, 2]}')
{'a': [1, 2]}
>>> load_json('{"a": "x\\\\ud800"}', path="d.json")
Traceback (most recent call last):
...
digestkit.errors.InputError: d.json:1: invalid text: a lone surrogate (\\ud800) that no UTF-8 file can hold
>>> load_json("[" * 100000, path="deep.json")
Traceback (most recent call last):
...
digestkit.errors.InputError: deep.json: invalid JSON: nested too deeply
"""

from __future__ import annotations

import json
import re
from typing import Any

from digestkit.errors import InputError

__all__ = ["load_json", "check_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(value: str, *, path: str | None = None, line: int | None = None) -> str:
    """``value``, or an InputError when it holds a lone surrogate."""
    m = _SURROGATE.search(value)
    if m:
        raise InputError(
            f"invalid text: a lone surrogate (\\u{ord(m.group()):04x}) that no UTF-8 file can hold",
            path=path,
            line=line,
        )
    return value


def _check_strings(data: Any, path: str | None, line: int | None) -> None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            check_text(item, path=path, line=line)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def load_json(text: str | bytes, *, path: str | None = None, line: int | None = None) -> Any:
    """Parse ``text``; any problem is an :class:`InputError` (``line`` offsets the line
    numbers, for one line of a JSON Lines file)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        at = (line or 1) + exc.lineno - 1
        raise InputError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=at
        ) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", path=path, line=line) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid JSON: {str(exc).split(';')[0]}", path=path, line=line) from None
    _check_strings(data, path, line or 1)
    return data
