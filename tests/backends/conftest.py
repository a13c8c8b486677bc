"""Fixtures for backend tests: the sentinel API key."""

from __future__ import annotations

import pytest

from .helpers import SENTINEL_KEY


@pytest.fixture(autouse=True)
def _sentinel_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key every test config names: scanned for in logs, errors, cache and outputs.
    (DIGESTKIT_HOME and DIGESTKIT_CONFIG are isolated for every test by tests/conftest.py.)"""
    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)
