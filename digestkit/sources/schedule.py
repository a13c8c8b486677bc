"""arXiv's announcement calendar: which batch is current, and which submissions it holds.

Why not "the last N days": arXiv announces at 20:00 US Eastern, Sunday to Thursday, the
papers submitted between two 14:00 Eastern cut-offs, and skips published holidays. A
Monday run asking for "yesterday" asks for Sunday, when nothing is submitted-and-announced;
the batch it wants (announced Sunday 20:00 ET) holds Thursday 14:00 to Friday 14:00. Every
function here is pure; the clock is an argument. Times are ``zoneinfo`` aware, so daylight
saving time shifts the UTC hours by itself.

The announcement feeds (RSS/Atom) switch to a new batch at the Eastern midnight after the
announcement, so the batch a run should find is the latest announcement evening ``E`` with
``E + 1 day, 00:00 ET`` at or before now: :func:`current_batch`.

Holidays (``../shared/reference/arxiv-announcements.md``, arXiv's "On Deferred Mailings"):
a listed date is taken to mean *no announcement that evening* (the reference leaves open
whether it means the evening or the mailing day); its submissions roll into the next batch.

>>> E = current_batch(dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC))  # a Monday morning
>>> E, E.strftime("%A")
(datetime.date(2026, 11, 29), 'Sunday')
>>> [t.astimezone(ET).strftime("%a %d %H:%M") for t in batch_window(E)]  # Thursday was a holiday
['Wed 25 14:00', 'Fri 27 14:00']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo

__all__ = [
    "ET",
    "HOLIDAYS",
    "PUBLISHED",
    "batch_window",
    "current_batch",
    "feed_date",
    "is_announcement_evening",
    "previous_batch",
    "projected_holidays",
    "run_time",
]

ET = ZoneInfo("America/New_York")
CUTOFF = dt.time(14, 0)
ANNOUNCE = dt.time(20, 0)

#: arXiv's published list (reference note, "Schedule"), per year.
PUBLISHED: dict[int, frozenset[dt.date]] = {
    2026: frozenset(
        dt.date(2026, m, d)
        for m, d in (
            (1, 1),
            (1, 19),
            (6, 19),
            (7, 3),
            (9, 7),
            (11, 26),
            (12, 25),
            (12, 29),
            (12, 31),
        )
    ),
}
#: Years for which :func:`projected_holidays` stands in for an unpublished list.
PROJECTED_YEARS = range(2024, 2041)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _observed(day: dt.date) -> dt.date:
    """The US federal rule: a Saturday holiday is kept on Friday, a Sunday one on Monday."""
    shift = {5: -1, 6: 1}.get(day.weekday(), 0)
    return day + dt.timedelta(days=shift)


def projected_holidays(year: int) -> frozenset[dt.date]:
    """The holidays arXiv's published lists have always held, by rule, for a year whose
    list is not built in: New Year's Day, Martin Luther King Jr. Day, Juneteenth,
    Independence Day, Labor Day, Thanksgiving and Christmas, each on its observed day.

    Why a projection: the list is published late and edited during the year, and a bot
    that knows no holiday at all asks a holiday evening's empty window for papers and
    reads the next batch's window wrongly. Ad hoc days (2026's Dec 29 and 31) cannot be
    foreseen: add them with ``[sources.arxiv] holidays``; the feed source is not affected.

    >>> sorted(d.isoformat() for d in projected_holidays(2026)) == sorted(
    ...     d.isoformat() for d in PUBLISHED[2026] if d.day not in (29, 31))
    True
    >>> dt.date(2027, 7, 5) in projected_holidays(2027)  # July 4 is a Sunday
    True
    """
    return frozenset(
        {
            _observed(dt.date(year, 1, 1)),
            _nth_weekday(year, 1, 0, 3),
            _observed(dt.date(year, 6, 19)),
            _observed(dt.date(year, 7, 4)),
            _nth_weekday(year, 9, 0, 1),
            _nth_weekday(year, 11, 3, 4),
            _observed(dt.date(year, 12, 25)),
        }
    )


# Published years as published, the others projected; add dates with
# [sources.arxiv] holidays = ["2027-12-31", ...].
HOLIDAYS: frozenset[dt.date] = frozenset().union(
    *(PUBLISHED.get(year) or projected_holidays(year) for year in PROJECTED_YEARS)
)


def is_announcement_evening(day: dt.date, holidays: Collection[dt.date] = HOLIDAYS) -> bool:
    """Does arXiv announce on the evening of ``day`` (Sunday to Thursday, not a holiday)?

    >>> is_announcement_evening(dt.date(2026, 2, 22)), is_announcement_evening(dt.date(2026, 2, 20))
    (True, False)
    """
    return day.weekday() in (6, 0, 1, 2, 3) and day not in holidays


def previous_batch(evening: dt.date, holidays: Collection[dt.date] = HOLIDAYS) -> dt.date:
    """The announcement evening before ``evening``."""
    day = evening - dt.timedelta(days=1)
    while not is_announcement_evening(day, holidays):
        day -= dt.timedelta(days=1)
    return day


def current_batch(now: dt.datetime, holidays: Collection[dt.date] = HOLIDAYS) -> dt.date:
    """The evening of the latest announcement the feeds show at ``now`` (aware datetime):
    the latest announcement evening ``E`` with ``E + 1 day, 00:00 ET <= now``.

    >>> current_batch(dt.datetime(2026, 2, 24, 4, 59, tzinfo=dt.UTC))  # Mon 23:59 ET
    datetime.date(2026, 2, 22)
    >>> current_batch(dt.datetime(2026, 2, 24, 5, 0, tzinfo=dt.UTC))  # Tue 00:00 ET
    datetime.date(2026, 2, 23)
    """
    day = now.astimezone(ET).date() - dt.timedelta(days=1)
    while not is_announcement_evening(day, holidays):
        day -= dt.timedelta(days=1)
    return day


def feed_date(evening: dt.date) -> dt.date:
    """The Eastern date a feed carrying the batch of ``evening`` is dated (its midnight)."""
    return evening + dt.timedelta(days=1)


def _cutoff_day(evening: dt.date) -> dt.date:
    """The day whose 14:00 ET cut-off closes the batch announced on ``evening``: the same
    day, except Sunday's batch, which closed on Friday."""
    return evening - dt.timedelta(days=2) if evening.weekday() == 6 else evening


def batch_window(
    evening: dt.date, holidays: Collection[dt.date] = HOLIDAYS
) -> tuple[dt.datetime, dt.datetime]:
    """Submission times (UTC) of the batch announced on ``evening``: from the previous
    batch's cut-off to this one's, 14:00 ET each.

    >>> [t.isoformat() for t in batch_window(dt.date(2026, 2, 23))]  # Monday: Fri-Mon
    ['2026-02-20T19:00:00+00:00', '2026-02-23T19:00:00+00:00']
    """
    start = dt.datetime.combine(_cutoff_day(previous_batch(evening, holidays)), CUTOFF, ET)
    end = dt.datetime.combine(_cutoff_day(evening), CUTOFF, ET)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def run_time(day: dt.date) -> dt.datetime:
    """The moment a run "on ``day``" (``digest --date``) stands for: 12:00 UTC, a morning
    run in the Americas and Europe, after the previous evening's batch reached the feeds.

    >>> current_batch(run_time(dt.date(2026, 2, 23)))  # a Monday run: Sunday's batch
    datetime.date(2026, 2, 22)
    """
    return dt.datetime.combine(day, dt.time(12, 0), dt.UTC)
