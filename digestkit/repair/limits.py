"""What one ``digestkit repair`` run will read from untrusted input, as one frozen value.

People repair archives they did not make: a small zip can inflate to gigabytes, a tar can
list millions of members. Each limit below is checked on the bytes actually read (never
on what a header claims); hitting one makes that document (or the rest of that archive)
*refused*, reported with the limit that was hit, counted apart from failures, and the run
goes on with the next document; the exit status is 3. The CLI reads them from the
``[repair]`` table of ``digestkit.toml`` (:func:`load_limits`), and ``--max-member-bytes``
and ``--max-members`` override it; library callers pass a :class:`RepairLimits` to
:func:`digestkit.repair.files.iter_inputs` (no module global to switch).

Archives inside archives are not opened (a member ``x.zip`` is a binary file, skipped),
so there is no nesting limit to set.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from digestkit.errors import LimitExceeded

__all__ = [
    "DEFAULT_LIMITS",
    "LimitExceeded",
    "RepairLimits",
    "limits_from_config",
    "load_limits",
    "within_count",
]

T = TypeVar("T")


@dataclass(frozen=True)
class RepairLimits:
    """Limits on what one run reads from archives.

    ``max_member_bytes`` (default 256 MiB): the most bytes one archive member may inflate
    to. Checked 1 MiB at a time as the member inflates, so memory never holds more than
    this plus 1 MiB. Larger = bigger documents accepted, and that much more memory per
    document being repaired (repair holds a document and its result).

    ``max_members`` (default 100,000): the most documents read from one archive; the rest
    of that archive is refused in one line. Larger = bigger archives accepted; a listing of
    millions of empty members costs time and one report line each.
    """

    max_member_bytes: int = 256 * 1024 * 1024
    max_members: int = 100_000

    def __post_init__(self) -> None:
        for name in ("max_member_bytes", "max_members"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


DEFAULT_LIMITS = RepairLimits()


def limits_from_config(data: Mapping[str, Any], path: str | None = None) -> RepairLimits:
    """The ``[repair]`` table of a parsed config file (absent: the defaults); a wrong type,
    a value under 1 or an unknown key is a :class:`~digestkit.errors.ConfigError`.

    >>> limits_from_config({"repair": {"max_members": 10}}).max_members
    10
    """
    from digestkit.config import Section

    table = Section(data.get("repair", {}), "repair", path)
    limits = RepairLimits(
        max_member_bytes=table.integer(
            "max_member_bytes", DEFAULT_LIMITS.max_member_bytes, minimum=1
        ),
        max_members=table.integer("max_members", DEFAULT_LIMITS.max_members, minimum=1),
    )
    table.done()
    return limits


def load_limits(config: str | os.PathLike[str] | None = None) -> RepairLimits:
    """The limits of the config file ``config`` (else ``$DIGESTKIT_CONFIG``, else
    ``./digestkit.toml``; none: the defaults)."""
    from digestkit.config import find_config, load_toml

    found = find_config(config)
    return DEFAULT_LIMITS if found is None else limits_from_config(load_toml(found), str(found))


def within_count(members: Iterable[T], limits: RepairLimits) -> Iterator[T | LimitExceeded]:
    """The first ``limits.max_members`` of an archive's ``members``, then (if there are
    more) one :class:`LimitExceeded` for the rest, which are not read.

    >>> list(within_count("abc", RepairLimits(max_members=2)))
    ['a', 'b', LimitExceeded('more than 2 members; the rest refused (--max-members)')]
    """
    for count, member in enumerate(members):
        if count == limits.max_members:
            yield LimitExceeded(
                f"more than {limits.max_members} members; the rest refused (--max-members)"
            )
            return
        yield member
