"""Curly quotes and dashes in English text that lost a byte (a bug found by hand: the closing
quote ” is E2 80 9D, Windows-1252 drops 0x9D, and wordfreq's social-media rate for the braille
blank U+2800 made the engine rebuild ``â€`` as U+2800 with full confidence)."""

from __future__ import annotations

import pytest

from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt

CASES = [
    ("The â€œquotesâ€ broke", "The “quotes” broke"),
    ("He said â€œyesâ€.", "He said “yes”."),
    ("â€œHelloâ€ and â€œbyeâ€ said he", "“Hello” and “bye” said he"),
    ("Itâ€™s done â€” really", "It’s done — really"),
]


@pytest.mark.parametrize(("broken", "fixed"), CASES)
def test_lost_quote_bytes_are_rebuilt(broken: str, fixed: str) -> None:
    assert repair_text(broken).text == fixed


def test_english_prose_round_trips_through_the_lossy_recipe() -> None:
    clean = "The authors write “we find that RL helps” — and it’s true… mostly."
    broken = corrupt(clean, "cp1252-ignore")
    assert broken != clean
    assert repair_text(broken).text == clean


def test_braille_art_is_left_alone() -> None:
    assert not repair_text("⠿⣿⠀ braille").changed
