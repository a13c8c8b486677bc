"""Fixtures for backend tests: an isolated DIGESTKIT_HOME and a sentinel API key."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import SENTINEL_KEY


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DIGESTKIT_HOME", str(home))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)
    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)
    return home
