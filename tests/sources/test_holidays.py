"""Holidays beyond the published year: projected by rule, so a 2027 run keeps its windows."""

from __future__ import annotations

import datetime as dt

from digestkit.sources.config import ArxivConfig
from digestkit.sources.schedule import (
    HOLIDAYS,
    PUBLISHED,
    batch_window,
    current_batch,
    projected_holidays,
)

D = dt.date


def test_the_projection_reproduces_the_published_years_rule_based_days() -> None:
    for year, published in PUBLISHED.items():
        assert projected_holidays(year) <= published


def test_projected_days_fall_on_weekdays_and_cover_each_later_year() -> None:
    for year in range(2027, 2041):
        days = projected_holidays(year)
        assert len(days) == 7
        assert all(d.weekday() < 5 for d in days)
        assert days <= HOLIDAYS
    # observed days: 2027-12-25 is a Saturday, so Friday the 24th; 2028-01-01 a Saturday
    assert {D(2027, 12, 24), D(2027, 12, 31), D(2027, 11, 25), D(2027, 1, 18)} <= HOLIDAYS


def test_thanksgiving_2027_rolls_into_the_next_batch() -> None:
    # Friday 26 Nov 2027, a morning run: Thursday 25 (Thanksgiving) had no announcement,
    # so the current batch is Wednesday's and the next one (Sunday) spans two days.
    assert current_batch(dt.datetime(2027, 11, 26, 12, 0, tzinfo=dt.UTC)) == D(2027, 11, 24)
    start, end = batch_window(D(2027, 11, 28))
    assert (start.date(), end.date()) == (D(2027, 11, 24), D(2027, 11, 26))


def test_configured_days_add_to_the_projection() -> None:
    config = ArxivConfig(holidays=("2027-12-29",))
    assert {D(2027, 12, 29), D(2027, 12, 24)} <= config.holiday_dates()
