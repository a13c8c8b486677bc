"""What every source returns, and the date window they share.

Why a value and not a bare list: a source that skipped three broken entries or needed two
retries should say so to the person running the bot (``digestkit fetch`` prints it), and a
return value carries that without log scraping.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from digestkit.digest.model import Entry

__all__ = ["Fetched", "clean", "window"]


@dataclass(frozen=True)
class Fetched:
    """The entries one source returned, what it skipped (and why), how many requests, and
    ``incomplete``: why it stopped early, when it did (what it got is still usable)."""

    source: str
    entries: tuple[Entry, ...] = ()
    skipped: tuple[str, ...] = ()
    requests: int = 0
    incomplete: str = ""


def window(day: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The ``days`` calendar days ending at ``day``, inclusive.

    >>> window(dt.date(2026, 2, 23), 3)
    (datetime.date(2026, 2, 21), datetime.date(2026, 2, 23))
    """
    return day - dt.timedelta(days=max(days, 1) - 1), day


def clean(text: str | None) -> str:
    """Collapse the line breaks and runs of spaces that APIs put in titles and abstracts.

    >>> clean("  A title\\n  that wraps ")
    'A title that wraps'
    """
    return re.sub(r"\s+", " ", text or "").strip()
