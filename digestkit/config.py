"""Where digestkit keeps its files, and how ``digestkit.toml`` is read.

Each subsystem (backends, sources, selection) owns the frozen dataclass for its own section
and validates it; this module finds and loads the file and the directories, and holds the
two validation helpers they share (:class:`Section`, :func:`unknown_key_error`), so that a
bad key is reported the same way everywhere, with the file it came from.

``DIGESTKIT_HOME`` overrides the cache/state directory (default: ``$XDG_CACHE_HOME/digestkit``
or ``~/.cache/digestkit``).
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from digestkit.errors import ConfigError
from digestkit.secrets import shown

__all__ = [
    "DEFAULT_CONFIG_NAMES",
    "Section",
    "find_config",
    "home_dir",
    "load_toml",
    "unknown_key_error",
]

DEFAULT_CONFIG_NAMES = ("digestkit.toml",)


def home_dir() -> Path:
    """The directory for caches, ledgers and state; created on first use."""
    env = os.environ.get("DIGESTKIT_HOME")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "digestkit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use: ``explicit``, else ``$DIGESTKIT_CONFIG``, else ./digestkit.toml."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("config file not found", path=str(path))
        return path
    env = os.environ.get("DIGESTKIT_CONFIG")
    if env:
        return find_config(env)
    for name in DEFAULT_CONFIG_NAMES:
        if Path(name).is_file():
            return Path(name)
    return None


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML file; a syntax error names the file and line."""
    import tomllib  # ~2 ms, and most runs find no config file to read

    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", path=str(p)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(p)) from exc


def unknown_key_error(
    key: str, known: Sequence[str], *, path: str | None, prefix: str
) -> ConfigError:
    """The error for a key nobody reads, with the closest known key as a hint.

    >>> str(unknown_key_error("min_scor", ["min_score", "max_papers"], path=None, prefix="selection"))
    "selection.min_scor: unknown key; did you mean 'min_score'?"
    """
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    return ConfigError(f"unknown key{hint}", path=path, key=f"{prefix}.{key}")


class Section:
    """Reads typed values from one table, naming ``path`` and the dotted key on error.

    >>> s = Section({"concurency": 4}, "backends.claude", "digestkit.toml")
    >>> s.integer("concurrency", 8, minimum=1)
    8
    >>> s.done()
    Traceback (most recent call last):
    ...
    digestkit.errors.ConfigError: digestkit.toml: backends.claude.concurency: unknown key; did you mean 'concurrency'?
    """

    def __init__(self, data: Any, prefix: str, path: str | None) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError("must be a table", path=path, key=prefix)
        self.data, self.prefix, self.path, self.seen = data, prefix, path, set[str]()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=f"{self.prefix}.{key}")

    def get(self, key: str, types: type | tuple[type, ...], default: Any) -> Any:
        self.seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in (
            types if isinstance(types, tuple) else (types,)
        ):
            raise self.error(key, f"expected {_type_name(types)}, got {shown(value)}")
        if not isinstance(value, types):
            raise self.error(key, f"expected {_type_name(types)}, got {shown(value)}")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = float(self.get(key, (int, float), default))
        if not math.isfinite(value):  # nan would switch a check off (nan < x is False)
            raise self.error(key, f"must be a finite number, got {value}")
        if value < minimum:
            raise self.error(key, f"must be >= {minimum:g}, got {value:g}")
        return value

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = int(self.get(key, int, default))
        if value < minimum:
            raise self.error(key, f"must be >= {minimum}, got {value}")
        return value

    def done(self) -> None:
        """Raise for the first key that no ``get`` asked for (a typo, an old name)."""
        for key in self.data:
            if key not in self.seen:
                raise unknown_key_error(key, sorted(self.seen), path=self.path, prefix=self.prefix)


def _type_name(types: type | tuple[type, ...]) -> str:
    names = [t.__name__ for t in (types if isinstance(types, tuple) else (types,))]
    return {"str": "a string", "int": "an integer", "bool": "true or false"}.get(
        names[0] if len(names) == 1 else "", " or ".join(names)
    )
