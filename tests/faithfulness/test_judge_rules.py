"""The judge's design points (issue 14, item 5), pure, and over real HTTP to the stub LLM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.backends import Router, Store
from digestkit.backends.config import settings_from_dict
from digestkit.cli import EXIT_OK, main
from digestkit.faithfulness import score_faithfulness
from digestkit.faithfulness.judge import LLMJudge, parse_verdicts, verify
from digestkit.testing.llm_stub import Faults, StubServer, serve_stub

SOURCE = (
    "VESPO maintains stable training under staleness ratios up to 64x. "
    "It delivers consistent gains across dense and Mixture-of-Experts models."
)


def test_a_quote_needs_five_words_verbatim_and_an_anchor() -> None:
    sentence = "VESPO stays stable at 64x staleness."
    assert verify("VESPO maintains stable training under", SOURCE, sentence)
    assert verify("ＶＥＳＰＯ  maintains STABLE training under", SOURCE, sentence)  # normalised
    assert not verify("maintains stable training", SOURCE, sentence)  # 3 words
    assert not verify("VESPO keeps stable training under", SOURCE, sentence)  # not verbatim
    # verbatim and long, but about something else: no shared number, name or term
    assert not verify("It delivers consistent gains across dense", SOURCE, "VESPOは64倍でも安定")


def test_duplicates_are_merged_and_every_sentence_gets_a_verdict() -> None:
    quote = "VESPO maintains stable training under staleness"
    reply = json.dumps(
        [
            {"i": 1, "verdict": "supported", "quote": quote},
            {"i": 1, "verdict": "supported", "quote": quote},
            {"i": 1, "verdict": "not_in_source", "quote": ""},
            {"i": 3, "verdict": "contradicted", "quote": "made up words that are nowhere"},
        ]
    )
    sents = ["VESPO is stable at 64x.", "It is fast.", "VESPO is unstable."]
    verdicts = parse_verdicts(reply, SOURCE, 3, sents)
    assert [(v.verdict, v.verified) for v in verdicts] == [
        ("supported", True),
        ("unjudged", False),
        ("contradicted", False),
    ]


def _router(stub: StubServer, store: Path) -> Router:
    settings = settings_from_dict(
        {
            "backends": {
                "stub": {
                    "kind": "openai-compatible",
                    "model": "stub-model",
                    "base_url": stub.base_url,
                    "api_key_env": "DK_JUDGE_TEST_KEY",
                    "timeout": 2.0,
                    "price": {"input": 1.0, "output": 2.0},
                }
            },
            "routes": {"judge": ["stub"]},
            "summarize": {"max_attempts": 2, "backoff_base": 0.001, "backoff_max": 0.01},
        }
    )
    return Router(settings, route="judge", store=Store(store))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DK_JUDGE_TEST_KEY", "sk-test-not-a-real-key")
    yield


def test_over_http_supported_clears_weak_findings_and_not_in_source_alone_is_review(
    key: None, tmp_path: Path
) -> None:
    # sentence 1 is supported by the judge's verified quote, which clears the inserted
    # negation the rules doubt on it (review); the stub cannot place sentence 2:
    # not_in_source, which alone is only review
    summary = "VESPO does not collapse under staleness ratios up to 64x. The code is public."
    without = score_faithfulness(SOURCE, summary, lang="en")
    first = summary.index(" The code")
    assert any(i.span[1] <= first for i in without.review)  # the rules doubt sentence 1
    assert not any(i.span[0] > first for i in (*without.review, *without.issues))
    confirmed = "VESPO maintains stable training. Reviewers praised the elegant proofs."
    with serve_stub("openai") as stub:
        judge = LLMJudge(_router(stub, tmp_path / "c.sqlite3").complete)
        result = score_faithfulness(SOURCE, summary, lang="en", judge=judge)
        agreed = score_faithfulness(SOURCE, confirmed, lang="en", judge=judge)
    assert not result.flagged
    assert not any(i.span[1] <= first for i in result.review)  # cleared: a verified support
    assert [(i.type, i.text) for i in result.review] == [("judge", "The code is public.")]
    assert len(result.judged) == 2
    # not_in_source on a sentence the rules find untraceable too: that flags
    assert agreed.flagged and [i.type for i in agreed.issues] == ["judge"]


def test_over_http_a_garbled_reply_is_retried_once(key: None, tmp_path: Path) -> None:
    with serve_stub("openai", faults=Faults(script=("wrong_language",))) as stub:
        judge = LLMJudge(_router(stub, tmp_path / "c.sqlite3").complete)
        result = score_faithfulness(SOURCE, "VESPO has a 21.3x speedup.", lang="en", judge=judge)
        assert len(stub.calls) == 2
    assert not result.judge_error
    assert {i.type for i in result.issues} == {"number", "judge"}  # a verified contradiction


def test_cli_goes_on_after_a_judge_error_and_says_so(
    key: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"id": str(i), "source": SOURCE, "summary": "VESPO is stable at 64x.", "lang": "en"}
        for i in range(2)
    ]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    with serve_stub("openai", faults=Faults(script=("wrong_language", "wrong_language"))) as stub:
        config = tmp_path / "digestkit.toml"
        config.write_text(
            f"""[backends.stub]
kind = "openai-compatible"
model = "stub-model"
base_url = "{stub.base_url}"
api_key_env = "DK_JUDGE_TEST_KEY"
timeout = 2.0
[routes]
judge = ["stub"]
""",
            "utf-8",
        )
        code = main(["faithfulness", str(pairs), "--judge", "judge", "--config", str(config)])
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(out) == 2  # the run went on
    assert [i["type"] for i in out[0]["review"]] == ["judge_error"]
    assert "judge_error" not in [i["type"] for i in out[1]["review"]]
    assert [r["flagged"] for r in out] == [False, False]
    assert code == 4 != EXIT_OK
