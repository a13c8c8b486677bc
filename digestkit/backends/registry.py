"""Backend kinds by name: built-ins and plugins found through the same entry point group.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."digestkit.backends"]
    mykind = "my_package.backend:create"

where ``create(config: BackendConfig) -> Backend``. The built-in kinds are the same kind of
:class:`importlib.metadata.EntryPoint` objects, listed here rather than read from installed
metadata, so they work from a source checkout too; the loading path is the same. Tests and
notebooks can add a kind at run time with :func:`register`.

>>> "offline" in available_kinds()
True
>>> get_backend(BackendConfig(name="off", kind="offline")).network
False
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points

from digestkit.backends.base import Backend
from digestkit.backends.config import BackendConfig
from digestkit.errors import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "Factory", "available_kinds", "get_backend", "register"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "digestkit.backends"

Factory = Callable[[BackendConfig], Backend]

_BUILTINS = (
    EntryPoint("anthropic", "digestkit.backends.anthropic:create", ENTRY_POINT_GROUP),
    EntryPoint("openai-compatible", "digestkit.backends.openai_compat:create", ENTRY_POINT_GROUP),
    EntryPoint("offline", "digestkit.backends.offline:create", ENTRY_POINT_GROUP),
)

_lock = threading.Lock()
_runtime: dict[str, Factory] = {}


def _entry_points() -> dict[str, EntryPoint]:
    found = {ep.name: ep for ep in _BUILTINS}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found and ep.value != found[ep.name].value:
            log.warning("plugin %s (%s) shadows a built-in backend kind", ep.name, ep.value)
        found[ep.name] = ep
    return found


def register(kind: str, factory: Factory | None) -> None:
    """Add (or, with ``None``, remove) a backend kind at run time."""
    with _lock:
        if factory is None:
            _runtime.pop(kind, None)
        else:
            _runtime[kind] = factory


def available_kinds() -> list[str]:
    """Every kind that :func:`get_backend` can build."""
    return sorted(set(_entry_points()) | set(_runtime))


def get_backend(config: BackendConfig) -> Backend:
    """Build the backend for one ``[backends.NAME]`` section."""
    with _lock:
        factory = _runtime.get(config.kind)
    if factory is None:
        ep = _entry_points().get(config.kind)
        if ep is None:
            raise ConfigError(
                f"unknown backend kind {config.kind!r} (available: {', '.join(available_kinds())})",
                key=f"backends.{config.name}.kind",
            )
        factory = ep.load()
    return factory(config)
