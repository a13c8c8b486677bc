"""Shared test helpers: where the fixtures live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The bundled copies of the five seed documents."""
    return SEEDS


def seed_path(number: int) -> Path:
    """``seed_path(4)`` -> the bundled ``004_*.txt``."""
    (path,) = SEEDS.glob(f"{number:03d}_*.txt")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the developer's real cache, ledger or state store."""
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path_factory.mktemp("digestkit-home")))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)
