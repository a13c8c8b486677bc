"""``digestkit eval --judge ROUTE`` measures the judge on SummEdits, offline via the stub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.testing.llm_stub import serve_stub
from tests.conftest import FIXTURES


def test_eval_judge_reports_balanced_accuracy_auroc_and_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DK_JUDGE_TEST_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home"))
    with serve_stub("openai") as stub:
        config = tmp_path / "digestkit.toml"
        config.write_text(
            f'[backends.stub]\nkind = "openai-compatible"\nmodel = "stub-model"\n'
            f'base_url = "{stub.base_url}"\napi_key_env = "DK_JUDGE_TEST_KEY"\n'
            f'price = {{ input = 1.0, output = 2.0 }}\n\n[routes]\njudge = ["stub"]\n',
            "utf-8",
        )
        monkeypatch.setenv("DIGESTKIT_CONFIG", str(config))
        empty = tmp_path / "thresholds.toml"
        empty.write_text("", "utf-8")
        args = ["eval", "--fixtures", str(FIXTURES), "--out", str(tmp_path / "out"), "--only",
                "faithfulness", "--judge", "judge", "--quick", "--no-plots", "--thresholds", str(empty)]  # fmt: skip
        main(args)
        calls = len(stub.calls)
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    (section,) = [s for s in report["sections"] if s["name"] == "faithfulness"]
    m = section["metrics"]
    assert section["status"] == "ok" and m["judge.pairs"] == 20 and m["judge.errors"] == 0
    for key in ("judge.balanced_accuracy", "judge.rules.auroc", "judge.combined.auroc"):
        assert 0.0 <= m[key] <= 1.0
    assert m["judge.cost"] > 0  # priced by the route's backend
    assert calls == 20  # the quick sample, one call per pair
