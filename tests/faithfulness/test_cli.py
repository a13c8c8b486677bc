"""``digestkit faithfulness PAIRS.jsonl -o SCORES.jsonl`` end to end, through main(argv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.backends import register
from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from tests.faithfulness.test_judge import REPLY, Scripted

SOURCE = "SLA2 achieves 97% attention sparsity and an 18.6x speedup on video diffusion models."
GOOD = {
    "id": "a",
    "source": SOURCE,
    "summary": "SLA2は97%のスパース性と18.6倍の高速化を達成した。",
    "lang": "ja",
}
BAD = {
    "id": "b",
    "source": SOURCE,
    "summary": "SLA2 在视频扩散模型上实现了 95% 的稀疏度。",
    "lang": "zh",
}


def _write(path: Path, *items: object) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    return path


def _read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_scores_every_pair_and_exits_1_when_one_is_flagged(tmp_path: Path) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", GOOD, BAD)
    out = tmp_path / "scores.jsonl"
    assert main(["faithfulness", str(pairs), "-o", str(out), "-q"]) == EXIT_FINDINGS
    rows = _read(out)
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["flagged"] is False and rows[1]["flagged"] is True
    assert rows[1]["issues"][0]["type"] == "number" and rows[1]["issues"][0]["text"] == "95%"


def test_all_faithful_exits_0_and_prints_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", GOOD)
    assert main(["faithfulness", str(pairs)]) == EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out)["id"] == "a"
    assert "1 pairs scored, 0 flagged" in captured.err


REVIEW_ONLY = {
    "id": "r",
    "source": SOURCE,
    "summary": "SLA2 reaches 97% sparsity and an 18.6x speedup. Reviewers praised its elegant proofs.",
    "lang": "en",
}


def test_the_exit_code_follows_flagged_not_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", REVIEW_ONLY)
    assert main(["faithfulness", str(pairs), "-q"]) == EXIT_OK
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["flagged"] is False and row["issues"] == []
    assert row["review"][0]["type"] == "unsupported" and 0 < row["review"][0]["probability"] < 1


def test_threshold_option_also_flags_low_scores(tmp_path: Path) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", REVIEW_ONLY)
    assert (
        main(["faithfulness", str(pairs), "--threshold", "0.99", "-q", "-o", "-"]) == EXIT_FINDINGS
    )
    bad = _write(tmp_path / "bad.jsonl", BAD)  # identity evidence flags at any threshold
    assert main(["faithfulness", str(bad), "--threshold", "0.01", "-q", "-o", "-"]) == EXIT_FINDINGS


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"id": "x", "source": "s"}', 'missing "summary"'),
        ('["a list"]', "expected a JSON object"),
        ('{"source": "s", "summary": 3}', 'not a string: "summary"'),
    ],
)
def test_a_bad_line_names_file_and_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps(GOOD) + "\n\n" + line + "\n", "utf-8")
    out = tmp_path / "scores.jsonl"
    assert main(["faithfulness", str(pairs), "-o", str(out)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert f"{pairs}:3: {message}" in err and "Traceback" not in err
    assert not out.exists()


def test_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faithfulness", str(tmp_path / "nope.jsonl")]) == EXIT_ERROR
    assert "nope.jsonl: no such file" in capsys.readouterr().err


def test_existing_output_is_kept_as_a_backup(tmp_path: Path) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", GOOD)
    out = tmp_path / "scores.jsonl"
    out.write_text("old results\n", "utf-8")
    main(["faithfulness", str(pairs), "-o", str(out), "-q"])
    assert (tmp_path / "scores.jsonl.orig").read_text("utf-8") == "old results\n"
    assert _read(out)[0]["id"] == "a"


def test_judge_route_from_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home"))
    config = tmp_path / "digestkit.toml"
    config.write_text(
        '[backends.j]\nkind = "scripted-judge"\nmodel = "j1"\n\n[routes]\njudge = ["j"]\n', "utf-8"
    )
    summary = "VESPO stays stable at 64x staleness. It was trained on video. VESPO collapses often."
    source = "VESPO maintains stable training under staleness ratios up to 64x. Code is public."
    pairs = _write(tmp_path / "pairs.jsonl", {"id": "j", "source": source, "summary": summary})
    out = tmp_path / "scores.jsonl"
    register("scripted-judge", Scripted)
    Scripted.calls, Scripted.reply = 0, json.dumps(REPLY)
    try:
        args = [
            "faithfulness",
            str(pairs),
            "-o",
            str(out),
            "--judge",
            "judge",
            "--config",
            str(config),
            "-q",
        ]
        assert main(args) == EXIT_FINDINGS
    finally:
        register("scripted-judge", None)
    assert {i["type"] for i in _read(out)[0]["issues"]} >= {"judge"}  # type: ignore[union-attr]
    assert Scripted.calls == 1
