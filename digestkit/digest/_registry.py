"""A registry whose entries are imported on first lookup.

Why: ``digestkit parse`` of one file uses one parser and ``digestkit render`` one renderer,
but importing every parser and renderer module (markdown-it-py, the format's patterns) was
~40 ms of each such command. The registries stay mappings from name to function, listing
every name without importing anything; a function's module is imported when the function
is first looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

__all__ = ["LazyRegistry"]

T = TypeVar("T")


class LazyRegistry(Mapping[str, T], Generic[T]):
    """``name -> "package.module:attribute"``, read as ``name -> attribute``.

    >>> r = LazyRegistry({"dumps": "json:dumps"})
    >>> list(r), r["dumps"]([1])
    (['dumps'], '[1]')
    """

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, T] = {}

    def __getitem__(self, name: str) -> T:
        if name not in self._loaded:
            module, attribute = self._where[name].split(":")  # KeyError: not registered
            self._loaded[name] = getattr(importlib.import_module(module), attribute)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __repr__(self) -> str:
        return f"LazyRegistry({self._where!r})"
