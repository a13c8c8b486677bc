"""The LLM judge, driven through the real backend registry and router with a scripted
backend: verdicts count only with a verified quote, and answers are cached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.backends import BackendConfig, Completion, Prompt, Router, Store, register
from digestkit.backends.config import settings_from_dict
from digestkit.errors import OutputCheckError
from digestkit.faithfulness import score_faithfulness
from digestkit.faithfulness.judge import TEMPLATE, LLMJudge, parse_verdicts

SOURCE = "VESPO maintains stable training under staleness ratios up to 64x. Code is public."
SUMMARY = "VESPO stays stable at 64x staleness. It was trained on video. VESPO collapses often."

REPLY = [
    {"i": 1, "verdict": "supported", "quote": "VESPO maintains stable training under staleness"},
    {"i": 2, "verdict": "not_in_source", "quote": ""},
    {"i": 3, "verdict": "contradicted", "quote": "VESPO maintains stable training under staleness"},
]


class Scripted:
    """A backend that answers every prompt with ``reply`` and counts its calls."""

    network = False
    deterministic = True
    calls = 0
    reply = json.dumps(REPLY)

    def __init__(self, config: BackendConfig) -> None:
        self.name, self.model = config.name, config.model

    def complete(self, prompt: Prompt) -> Completion:
        type(self).calls += 1
        assert prompt.template == TEMPLATE and "SUMMARY SENTENCES" in prompt.user
        return Completion(type(self).reply, model=self.model)


@pytest.fixture
def judge_route(tmp_path: Path) -> Iterator[tuple[dict[str, object], Path]]:
    register("scripted-judge", Scripted)
    Scripted.calls, Scripted.reply = 0, json.dumps(REPLY)
    config = {
        "backends": {"j": {"kind": "scripted-judge", "model": "j1"}},
        "routes": {"judge": ["j"]},
    }
    try:
        yield config, tmp_path / "llm.sqlite3"
    finally:
        register("scripted-judge", None)


def _judge(config: dict[str, object], store: Path) -> LLMJudge:
    return LLMJudge(Router(settings_from_dict(config), route="judge", store=Store(store)).complete)


def test_verified_verdicts_become_issues(judge_route: tuple[dict[str, object], Path]) -> None:
    judge = _judge(*judge_route)
    result = score_faithfulness(SOURCE, SUMMARY, lang="en", judge=judge)
    judged = [(i.type, i.text) for i in result.issues if i.type.startswith("judge")]
    assert judged == [("judge", "VESPO collapses often.")]  # a verified contradiction flags
    reviewed = [(i.type, i.text) for i in result.review if i.type.startswith("judge")]
    assert reviewed == [("judge", "It was trained on video.")]  # not_in_source alone: review
    assert result.flagged


def test_an_invented_quote_is_not_believed(judge_route: tuple[dict[str, object], Path]) -> None:
    Scripted.reply = json.dumps(
        [{"i": 1, "verdict": "contradicted", "quote": "VESPO is unstable at 64x staleness"}]
    )
    judge = _judge(*judge_route)
    issues = judge(SOURCE, "VESPO stays stable at 64x staleness.", lang="en")
    assert [(i.type, i.weight) for i in issues] == [("judge_unverified", 0.0)]


def test_answers_are_cached_across_runs(judge_route: tuple[dict[str, object], Path]) -> None:
    config, store = judge_route
    _judge(config, store)(SOURCE, SUMMARY, lang="en")
    _judge(config, store)(SOURCE, SUMMARY, lang="en")  # a new router, same SQLite cache
    assert Scripted.calls == 1


def test_a_reply_that_is_not_json_twice_marks_judge_error_and_goes_on(
    judge_route: tuple[dict[str, object], Path],
) -> None:
    Scripted.reply = "I think it is mostly fine."
    result = score_faithfulness(SOURCE, SUMMARY, lang="en", judge=_judge(*judge_route))
    assert Scripted.calls == 2  # asked once more, then given up on
    assert result.judge_error and not result.flagged
    assert [i.type for i in result.review if i.type.startswith("judge")] == ["judge_error"]


def test_parse_ignores_unknown_verdicts_and_out_of_range_sentences() -> None:
    reply = '[{"i": 9, "verdict": "contradicted"}, {"i": 1, "verdict": "maybe"}]'
    assert [v.verdict for v in parse_verdicts(reply, SOURCE, 3)] == ["unjudged"] * 3


def test_a_malformed_reply_raises_for_the_router() -> None:
    with pytest.raises(OutputCheckError):
        parse_verdicts("I think it is mostly fine.", SOURCE, 1)
