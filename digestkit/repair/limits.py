"""What one ``digestkit repair`` run will read from untrusted input, as one frozen value.

People repair archives they did not make: a small zip can inflate to gigabytes, a tar can
list millions of members. Each limit below is checked on the bytes actually read (never
on what a header claims); hitting one makes that document (or the rest of that archive)
*refused*, reported with the limit that was hit, counted apart from failures, and the run
goes on with the next document; the exit status is 3. The CLI sets them with
``--max-member-bytes`` and ``--max-members``; library callers pass a :class:`RepairLimits`
to :func:`digestkit.repair.files.iter_inputs` (no module global to switch).

Archives inside archives are not opened (a member ``x.zip`` is a binary file, skipped),
so there is no nesting limit to set.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from digestkit.errors import LimitExceeded

__all__ = ["DEFAULT_LIMITS", "LimitExceeded", "RepairLimits", "within_count"]

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
