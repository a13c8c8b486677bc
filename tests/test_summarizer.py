"""The pipeline end to end: 200 papers through a stub that breaks 30% of calls, a run
killed with SIGKILL and resumed, corrective retries, budget, keys never stored."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from backends.helpers import ABSTRACT_EN, SENTINEL_KEY, make_digest, stub_settings

from digestkit.backends.cache import Store
from digestkit.backends.router import Router
from digestkit.cli import main
from digestkit.digest.model import Digest
from digestkit.summarizer import summarize, summarize_run
from digestkit.testing.llm_stub import Faults, serve_stub


@pytest.fixture(autouse=True)
def _sentinel_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key every test config names: scanned for in logs, errors, cache and outputs.
    (DIGESTKIT_HOME and DIGESTKIT_CONFIG are isolated for every test by tests/conftest.py.)"""
    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)


def ledger_by_entry(store: Store) -> tuple[Counter[str], Counter[str]]:
    """(paid calls per paper, ok rows per cache key) from the ledger."""
    paid, ok = Counter[str](), Counter[str]()
    for row in store.ledger():
        if row.status in ("ok", "rejected"):
            paid[row.entry] += 1
        if row.status == "ok":
            ok[row.cache_key] += 1
    return paid, ok


def assert_every_paper_accounted_for(digest: Digest) -> None:
    for e in digest.entries:
        assert (e.summary is None) != (e.meta("summary_error") is None), e.key


def test_offline_api_marks_failures_on_entries_and_digest() -> None:
    d = make_digest(3)
    d = d.with_entries((*d.entries, d.entries[0].__class__(arxiv_id="2501.99999", title="no text")))
    out = summarize(d, template="en-tldr")
    assert [e.summary is not None for e in out.entries] == [True, True, True, False]
    assert out.entries[3].meta("summary_error") == "no abstract or text to summarize"
    assert (out.meta("summarize.done"), out.meta("summarize.failed")) == ("3", "1")
    assert out.meta("summarize.template") == "en-tldr@1"
    s = out.entries[0].summary
    assert s is not None and (s.backend, s.language, s.template) == ("offline", "en", "en-tldr@1")


def test_200_papers_with_30_percent_faults(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    digest = make_digest(200)
    faults = Faults(rate=0.3, seed=7, retry_after=0.002, timeout_delay=0.3)
    with serve_stub(faults=faults, api_key=SENTINEL_KEY) as stub:
        settings = stub_settings(stub.base_url, concurrency=16, timeout=0.2)
        store = Store(tmp_path / "llm.sqlite3")
        run = summarize_run(digest, template="ja-8q", router=Router(settings, store=store))
        calls_first = len(stub.calls)
        faults_seen = Counter(c.fault for c in stub.calls)
        # A re-run pays nothing: every summarized paper comes from the cache.
        again = summarize_run(digest, template="ja-8q", router=Router(settings, store=store))
        failed_first = {r.key for r in run.results if r.status == "failed"}
        assert {c.paper for c in stub.calls[calls_first:]} <= failed_first  # only those retried
        paid_by_stub = stub.paid_by_paper()
        # A "timeout" fault still sends its answer, late; the stub does not count it as
        # paid, since the client has given up by then. On a loaded machine the client
        # thread can wake after the answer came and take it (the ledger then pays it).
        delivered_late = Counter(
            c.paper for c in stub.calls if c.fault == "timeout" and c.status == 200
        )
    assert_every_paper_accounted_for(run.digest)
    assert run.done + run.failed == 200 and run.done >= 190
    assert again.cached == run.done and again.done <= run.failed
    assert set(faults_seen) >= {
        "429",
        "529",
        "500",
        "timeout",
        "drop",
        "malformed",
        "wrong_language",
    }
    assert sum(n for k, n in faults_seen.items() if k) / calls_first == pytest.approx(0.3, abs=0.06)
    # Nothing paid twice: one accepted answer per prompt, and every answer the stub was
    # paid for is in the ledger (paid twice only when the first answer was rejected),
    # except answers the client gave up on (timed out) before they arrived.
    paid_by_ledger, ok_per_key = ledger_by_entry(store)
    assert max(ok_per_key.values()) == 1
    assert not (paid_by_ledger - paid_by_stub - delivered_late)
    timed_out = Counter(r.entry for r in store.ledger() if "timed out" in r.error)
    assert not (paid_by_stub - paid_by_ledger - timed_out)
    for e in run.digest.entries:
        if e.summary:
            assert e.summary.language == "ja" and len(e.summary.sections) == 8
            assert paid_by_ledger[e.key] <= 2  # one answer, or one rejected + one corrective
    # The key is nowhere: logs, errors, outputs, the database.
    blobs = [caplog.text, run.digest.to_json(), json.dumps([r.error for r in run.results])]
    store.close()
    blobs += [p.read_bytes().decode("latin-1") for p in tmp_path.glob("llm.sqlite3*")]
    assert not any(SENTINEL_KEY in b for b in blobs)


def test_wrong_language_gets_one_corrective_retry_then_fails() -> None:
    with serve_stub(
        faults=Faults(script=("wrong_language", None, "wrong_language", "wrong_language"))
    ) as stub:
        settings = stub_settings(stub.base_url, concurrency=1)
        router = Router(settings, store=Store(":memory:"))
        run = summarize_run(make_digest(2), template="zh-4part", router=router)
        user_prompts = [c for c in stub.calls]
    first, second = run.digest.entries
    assert first.summary is not None and first.summary.language == "zh"
    assert second.summary is None
    assert "output language is en, template wants zh" in (second.meta("summary_error") or "")
    assert [r.status for r in router.store.ledger()] == ["rejected", "ok", "rejected", "rejected"]
    assert len(user_prompts) == 4


def test_keep_mode_labels_the_true_language(tmp_path: Path) -> None:
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text('[summarize]\non_language_mismatch = "keep"\n', encoding="utf-8")
    out = summarize(make_digest(1), template="ja-8q", config=cfg)
    s = out.entries[0].summary
    assert s is not None and s.language == "en" and s.template == "ja-8q@1"
    assert out.entries[0].meta("summary_warning") == "summary is in en, template ja-8q@1 wants ja"
    strict = summarize(make_digest(1), template="ja-8q")
    assert strict.entries[0].summary is None


def test_budget_stops_the_run_and_fails_the_rest_explicitly() -> None:
    with serve_stub() as stub:
        settings = stub_settings(stub.base_url, concurrency=1, budget=0.02)
        run = summarize_run(
            make_digest(40), template="en-tldr", router=Router(settings, store=Store(":memory:"))
        )
    assert 0 < run.done < 40 and run.done + run.failed == 40
    assert run.cost <= 0.02
    assert all("budget" in r.error for r in run.results if r.status == "failed")


def test_entries_already_summarized_are_kept() -> None:
    first = summarize(make_digest(2), template="en-tldr")
    run = summarize_run(first, template="en-tldr", store=Store(":memory:"))
    assert run.count("kept") == 2 and run.calls == 0


def _write_config(path: Path, base_url: str, concurrency: int) -> None:
    path.write_text(
        f"""
[backends.stub]
kind = "openai-compatible"
model = "stub-model"
base_url = "{base_url}"
api_key_env = "DK_TEST_KEY"
concurrency = {concurrency}
timeout = 0.5
price = {{ input = 1.0, output = 2.0 }}

[routes]
default = ["stub"]

[summarize]
template = "ja-8q"
backoff_base = 0.001
backoff_max = 0.05
cooldown = 0.01
""",
        encoding="utf-8",
    )


def _summarize_command(digest_path: Path, cfg: Path, out: Path) -> list[str]:
    """``digestkit summarize`` as a real subprocess (so it can be killed or interrupted)."""
    code = "import sys; from digestkit.cli import main; sys.exit(main(sys.argv[1:]))"
    return [
        sys.executable,
        "-c",
        code,
        "summarize",
        str(digest_path),
        "-c",
        str(cfg),
        "-o",
        str(out),
    ]


def test_killed_run_resumes_without_paying_twice(tmp_path: Path) -> None:
    home = Path(os.environ["DIGESTKIT_HOME"])
    digest_path, out, cfg = tmp_path / "d.json", tmp_path / "out.json", tmp_path / "digestkit.toml"
    digest_path.write_text(make_digest(200).to_json(), encoding="utf-8")
    concurrency = 4
    faults = Faults(
        rate=0.3, seed=3, retry_after=0.002, kinds=("429", "500", "drop", "wrong_language")
    )
    with serve_stub(latency=0.02, faults=faults) as stub:
        _write_config(cfg, stub.base_url, concurrency)
        args = [*_summarize_command(digest_path, cfg, out), "-q"]
        proc = subprocess.Popen(args, env={**os.environ}, stderr=subprocess.PIPE)
        db = home / "llm.sqlite3"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    with sqlite3.connect(db) as con:
                        ok = con.execute(
                            "SELECT count(*) FROM ledger WHERE status='ok'"
                        ).fetchone()[0]
                except sqlite3.OperationalError:
                    ok = 0
                if ok >= 40:
                    break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        store = Store(db)
        first_ok = sum(1 for r in store.ledger() if r.status == "ok")
        assert 40 <= first_ok < 200, "killed midway"
        assert (
            main(
                [
                    "summarize",
                    str(digest_path),
                    "-c",
                    str(cfg),
                    "-o",
                    str(out),
                    "-q",
                    "--allow-partial",
                ]
            )
            == 0
        )
        paid_by_stub = stub.paid_by_paper()
    result = Digest.from_json(out.read_text(encoding="utf-8"))
    assert_every_paper_accounted_for(result)
    summarized = sum(e.summary is not None for e in result.entries)
    assert summarized >= 190
    paid_by_ledger, ok_per_key = ledger_by_entry(store)
    assert max(ok_per_key.values()) == 1  # no prompt accepted (paid) twice
    assert sum(ok_per_key.values()) == summarized  # the re-run re-bought nothing
    # Only answers in flight at the moment of the kill can be paid but unrecorded.
    unrecorded = sum((paid_by_stub - paid_by_ledger).values())
    assert unrecorded <= concurrency
    assert not (paid_by_ledger - paid_by_stub)


def test_cli_exit_codes_and_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = make_digest(2)
    d = d.with_entries((*d.entries, d.entries[0].__class__(arxiv_id="2501.99999")))
    path = tmp_path / "d.json"
    path.write_text(d.to_json(), encoding="utf-8")
    assert main(["summarize", str(path), "-t", "en-tldr"]) == 1
    captured = capsys.readouterr()
    assert Digest.from_json(captured.out).entries[0].summary is not None
    assert "failed (1): 2501.99999: no abstract" in captured.err
    assert "2 done, 0 cached, 1 failed" in captured.err
    assert (
        main(
            [
                "summarize",
                str(path),
                "-t",
                "en-tldr",
                "--allow-partial",
                "-o",
                str(tmp_path / "o.json"),
            ]
        )
        == 0
    )
    assert "0 done, 2 cached, 1 failed" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": [\n  {,}\n]}', encoding="utf-8")
    assert main(["summarize", str(bad)]) == 3
    assert f"{bad}:2: invalid JSON" in capsys.readouterr().err
    assert main(["summarize", str(path), "-t", "nope"]) == 3
    assert main(["cost", "--by", "template"]) == 0
    out = capsys.readouterr().out
    assert "en-tldr@1" in out and "total" in out


def test_cli_config_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "digestkit.toml"
    _write_config(cfg, "http://127.0.0.1:9/v1", 2)
    assert main(["config", "check", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "backend stub: openai-compatible stub-model" in out and "route default: stub" in out
    assert SENTINEL_KEY not in out
    monkeypatch.delenv("DK_TEST_KEY")
    assert main(["config", "check", str(cfg)]) == 1
    assert "set the environment variable DK_TEST_KEY" in capsys.readouterr().err
    cfg.write_text('[backends.x]\nkind = "openai-compatible"\nmodel = 3\n', encoding="utf-8")
    assert main(["config", "check", str(cfg)]) == 3
    assert f"{cfg}: backends.x.model: expected a string" in capsys.readouterr().err


def test_missing_key_fails_before_any_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "digestkit.toml"
    with serve_stub() as stub:
        _write_config(cfg, stub.base_url, 2)
        path = tmp_path / "d.json"
        path.write_text(make_digest(1, ABSTRACT_EN).to_json(), encoding="utf-8")
        monkeypatch.delenv("DK_TEST_KEY")
        assert main(["summarize", str(path), "-c", str(cfg)]) == 3
        assert stub.calls == []
    assert "export DK_TEST_KEY=" in capsys.readouterr().err


def test_ctrl_c_saves_what_is_done_and_exits_130(tmp_path: Path) -> None:
    home = Path(os.environ["DIGESTKIT_HOME"])
    digest_path, out, cfg = tmp_path / "d.json", tmp_path / "out.json", tmp_path / "digestkit.toml"
    digest_path.write_text(make_digest(100).to_json(), encoding="utf-8")
    with serve_stub(latency=0.05) as stub:
        _write_config(cfg, stub.base_url, 2)
        args = _summarize_command(digest_path, cfg, out)
        proc = subprocess.Popen(args, env={**os.environ}, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (home / "llm.sqlite3").exists():
            time.sleep(0.02)
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(home / "llm.sqlite3") as con:
                    if con.execute("SELECT count(*) FROM cache").fetchone()[0] >= 10:
                        break
            except sqlite3.OperationalError:  # not migrated yet
                pass
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    saved = Digest.from_json(out.read_text(encoding="utf-8"))
    done = sum(e.summary is not None for e in saved.entries)
    with sqlite3.connect(home / "llm.sqlite3") as con:
        cached = con.execute("SELECT count(*) FROM cache").fetchone()[0]
    # Everything paid for is saved: in the file, and in the cache. Ctrl-C no longer waits
    # for calls in flight, so up to `concurrency` (2) answers land in the cache only.
    assert 10 <= done <= cached <= done + 2 and cached < 100


def test_config_check_warns_about_unknown_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text('[sumarize]\ntemplate = "ja-8q"\n', encoding="utf-8")
    assert main(["config", "check", str(cfg)]) == 0
    assert "unknown section [sumarize]" in capsys.readouterr().err


def test_cli_groups_failures_by_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Many papers failing for one reason are one line, not a screenful."""
    seed = next((Path(__file__).parent.parent / "fixtures" / "seeds").glob("003_*.txt"))
    assert main(["summarize", str(seed), "-t", "ja-survey", "-o", str(tmp_path / "o.json")]) == 1
    failed = [line for line in capsys.readouterr().err.splitlines() if "failed (" in line]
    assert len(failed) == 1
    assert "failed (5): " in failed[0] and "and 2 more" in failed[0]
    assert "does not translate" in failed[0]


def test_cli_reads_any_digest_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = next((Path(__file__).parent.parent / "fixtures" / "seeds").glob("003_*.txt"))
    out = tmp_path / "o.json"
    assert main(["summarize", str(seed), "-t", "en-tldr", "-o", str(out)]) == 0
    d = Digest.from_json(out.read_text(encoding="utf-8"))
    assert len(d.entries) >= 2 and all(e.summary and e.summary.language == "en" for e in d.entries)


def test_estimate_makes_no_calls_and_counts_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, path = tmp_path / "digestkit.toml", tmp_path / "d.json"
    path.write_text(make_digest(3).to_json(), encoding="utf-8")
    with serve_stub() as stub:
        _write_config(cfg, stub.base_url, 2)
        assert main(["summarize", str(path), "-c", str(cfg), "--estimate"]) == 0
        first = capsys.readouterr().out
        assert stub.calls == []
        assert (
            main(["summarize", str(path), "-c", str(cfg), "-q", "-o", str(tmp_path / "o.json")])
            == 0
        )
        assert main(["summarize", str(path), "-c", str(cfg), "--estimate"]) == 0
        second = capsys.readouterr().out
    assert first.startswith("3 papers to summarize on stub (0 cached): at most ")
    assert "$0.0" in first and "4096" not in first
    assert second.startswith("0 papers to summarize on stub (3 cached)")
