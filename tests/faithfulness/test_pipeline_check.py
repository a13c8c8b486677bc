"""Summaries are checked before they are published: [summarize] faithfulness (issue 14, 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.backends.cache import Store
from digestkit.backends.config import settings_from_dict
from digestkit.backends.router import Router
from digestkit.digest.model import Digest, Entry
from digestkit.errors import ConfigError
from digestkit.faithfulness import check_summary, metadata_of
from digestkit.summarizer import summarize_run

ABSTRACT = (
    "We propose SLA2, a sparse-linear attention method. On video diffusion models SLA2 reaches "
    "97% attention sparsity and an 18.6x attention speedup while preserving generation quality."
)


def _run(tmp_path: Path, mode: str | None) -> Entry:
    data: dict[str, object] = {"summarize": {"faithfulness": mode}} if mode else {}
    settings = settings_from_dict(data)
    digest = Digest(
        title="t", entries=(Entry(arxiv_id="2602.12675", title="SLA2", abstract=ABSTRACT),)
    )
    run = summarize_run(
        digest, template="en-tldr", router=Router(settings, store=Store(tmp_path / "c.db"))
    )
    return run.digest.entries[0]


def test_mark_is_the_default_and_puts_the_result_in_the_metadata(tmp_path: Path) -> None:
    entry = _run(tmp_path, None)
    assert entry.summary is not None
    assert entry.meta("faithfulness.flagged") == "false"  # the offline backend quotes the abstract
    assert json.loads(entry.meta("faithfulness.issues") or "x") == []
    assert json.loads(entry.meta("faithfulness.review") or "x") == []
    assert entry.meta("faithfulness.marker") == "numbers checked"  # what a reader may be shown


def test_off_leaves_the_metadata_alone(tmp_path: Path) -> None:
    assert _run(tmp_path, "off").meta("faithfulness.flagged") is None


def test_a_bad_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="faithfulness"):
        settings_from_dict({"summarize": {"faithfulness": "strict"}})


def test_check_summary_and_hold() -> None:
    result = check_summary("SLA2 reaches 95% sparsity.", ABSTRACT, lang="en")
    meta = dict(metadata_of(result, hold=True))
    assert meta["faithfulness.flagged"] == "true" and meta["faithfulness.status"] == "held"
    assert json.loads(meta["faithfulness.issues"]) == ["number: 95%"]
    assert meta["faithfulness.marker"] == "1 number not found in the paper"
    ok = dict(
        metadata_of(check_summary("SLA2 reaches 97% sparsity.", ABSTRACT, lang="en"), hold=True)
    )
    assert "faithfulness.status" not in ok


@pytest.mark.parametrize("fmt", ["md-bot", "md-survey"])
def test_rendered_pages_do_not_print_the_check_bookkeeping(tmp_path: Path, fmt: str) -> None:
    from digestkit.digest.render import render

    entry = _run(tmp_path, "mark")
    assert entry.meta("faithfulness.flagged") == "false"
    page = render(Digest(title="t", entries=(entry,)), fmt)
    assert "faithfulness." not in page and "SLA2" in page
