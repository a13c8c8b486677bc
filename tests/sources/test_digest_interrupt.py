"""Ctrl-C during `digestkit digest`: no new calls, a summary line, exit 130 at once (not
after the reply that never comes), and the answers already received are kept."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from digestkit.testing.llm_stub import Faults, serve_stub
from digestkit.testing.sources_stub import SourcesStub, StubPaper

FRI = dt.date(2026, 2, 20)
PAPERS = [
    StubPaper(
        f"2602.{n:05d}",
        title=f"RL paper {n}",
        abstract=f"We study RL {n}. It works.",
        published=FRI,
    )  # fmt: skip
    for n in range(1, 9)
]


def test_ctrl_c_prints_the_tally_exits_130_and_keeps_answers(tmp_path: Path) -> None:
    # Two answers come back, then every reply stalls for a minute.
    stall = Faults(script=(None, None), rate=1.0, kinds=("timeout",), timeout_delay=60.0)
    with SourcesStub(PAPERS) as sources, serve_stub("openai", faults=stall) as llm:
        config = tmp_path / "digestkit.toml"
        config.write_text(
            f'[sources.arxiv]\nsource = "api"\ncategories = ["cs.CL"]\ndays = 1\ndelay_seconds = 0\n'
            f'url = "{sources.arxiv_url}"\n[selection]\nkeywords = ["RL"]\n'
            f'[state]\npath = "state.sqlite"\n[output]\ndir = "site"\n'
            f'[backends.stub]\nkind = "openai-compatible"\nmodel = "m"\n'
            f'base_url = "{llm.base_url}"\nconcurrency = 2\n'
            f'[routes]\ndefault = ["stub"]\n[summarize]\ntemplate = "en-tldr"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "DIGESTKIT_HOME": str(tmp_path / "home")}
        cmd = [str(Path(sys.executable).parent / "digestkit"), "digest", "-c", str(config),
               "--date", str(FRI)]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while len(llm.calls) < 4 and time.monotonic() < deadline:  # 2 answered, 2 stalled
            time.sleep(0.05)
        assert len(llm.calls) >= 4
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)  # the stalled replies would take 60 s
        took = time.monotonic() - sent
        print(f"\nCtrl-C to exit: {took:.2f} s")
        assert proc.returncode == 130, err
        assert "interrupted: 2 done, 0 cached, 0 failed, 6 not started" in err, err
        assert "Traceback" not in err
        assert not (tmp_path / "site").exists()
        calls_before = len(llm.calls)
        assert calls_before == 4  # nothing started after Ctrl-C

        # The rerun pays nothing for the two answers received before Ctrl-C.
        llm.set_faults(Faults())
        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert "published 8 papers (0 without summary)" in rerun.stdout
        assert all(n == 1 for n in llm.paid_by_paper().values())
        assert len(llm.calls) - calls_before == 6  # the 2 answered before Ctrl-C are cached
