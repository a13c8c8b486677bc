"""Where digestkit keeps its files, and how ``digestkit.toml`` is read.

Each subsystem (backends, sources, selection) owns the frozen dataclass for its own section
and validates it; this module only finds and loads the file and the directories, so that a
bad key is reported with the file it came from.

``DIGESTKIT_HOME`` overrides the cache/state directory (default: ``$XDG_CACHE_HOME/digestkit``
or ``~/.cache/digestkit``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from digestkit.errors import ConfigError

__all__ = ["DEFAULT_CONFIG_NAMES", "find_config", "home_dir", "load_toml"]

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
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", path=str(p)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(p)) from exc
