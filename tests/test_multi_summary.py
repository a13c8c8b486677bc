"""Several summaries per entry (issue #13 item 4): a ja and a zh summary of one paper, in
the model, the JSON schema (v2, v1 migrated on load), the renderers and ``summarize``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from backends.helpers import SENTINEL_KEY, make_digest, stub_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.backends.cache import Store
from digestkit.backends.router import Router
from digestkit.digest.model import SCHEMA_VERSION, Digest, Entry, Summary
from digestkit.digest.parse import parse_digest
from digestkit.digest.render import RENDERERS, render
from digestkit.errors import InputError
from digestkit.faithfulness.review import decide, held, publishable
from digestkit.summarizer import summarize, summarize_run
from digestkit.testing.llm_stub import serve_stub

JA = Summary(language="ja", backend="b", model="m-ja", template="ja-8q@1",
             sections=(("1. 既存研究", "日本語の要約本文です。"),), raw="## 1. 既存研究\n日本語の要約本文です。")  # fmt: skip
ZH = Summary(language="zh", backend="b", model="m-zh", template="zh-4part@1",
             sections=(("一、问题", "中文摘要正文。"),), raw="## 一、问题\n中文摘要正文。")  # fmt: skip


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DK_TEST_KEY", SENTINEL_KEY)


def _both() -> Entry:
    return Entry(arxiv_id="2602.04870", version=1, title="LatentMoE", abstract="We propose X.",
                 summary=JA, summaries=(ZH,))  # fmt: skip


# --- model -------------------------------------------------------------------------------


def test_helpers_add_replace_and_remove_one_template() -> None:
    e = Entry(summary=JA).with_summary(ZH)
    assert e.all_summaries() == (JA, ZH) and e.summary == JA
    zh2 = dataclasses.replace(ZH, raw="新", template="zh-4part@2")  # a new version replaces
    again = e.with_summary(zh2)
    assert again.all_summaries() == (JA, zh2) and again.summary_for("zh-4part") == zh2
    assert again.without_summary("ja-8q@1").all_summaries() == (zh2,)
    assert again.without_summary("ja-8q").without_summary("zh-4part").summary is None
    # A bot summary (no template) is what digestkit's replaces.
    parsed = Entry(summary=Summary(raw="bot", language="zh"))
    assert parsed.with_summary(JA).all_summaries() == (JA,)
    # Built from summaries only: the first is primary, equal to the two-field form.
    assert Entry(summaries=(JA, ZH)) == Entry(summary=JA, summaries=(ZH,))


def test_v1_file_is_migrated_and_written_as_v2() -> None:
    v2 = Digest(title="t", entries=(Entry(arxiv_id="1", summary=JA), Entry(arxiv_id="2")))
    doc = v2.to_dict()
    assert doc["schema_version"] == SCHEMA_VERSION == 2
    assert doc["entries"][0]["summaries"] == [JA.to_dict()] and "summary" not in doc["entries"][0]
    v1 = json.loads(json.dumps(doc))
    v1["schema_version"] = 1
    for e in v1["entries"]:
        summaries = e.pop("summaries")
        e["summary"] = summaries[0] if summaries else None
    loaded = Digest.from_dict(v1)
    assert loaded == v2
    assert Digest.from_json(loaded.to_json()) == v2
    assert Digest.from_json(loaded.to_json()).to_dict() == doc


def test_v2_round_trip_keeps_order_and_rejects_bad_types() -> None:
    d = Digest(entries=(_both(),))
    back = Digest.from_json(d.to_json())
    assert back == d and back.entries[0].all_summaries() == (JA, ZH)
    for bad in ('{"entries": [{"summaries": {"raw": "x"}}]}', '{"entries": [{"summaries": [3]}]}'):
        with pytest.raises(InputError, match=r"d\.json: .*entries\[0\]"):
            Digest.from_json(bad, path="d.json")
    with pytest.raises(InputError, match="newer"):
        Digest.from_dict({"schema_version": 3, "entries": []})


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_summary = st.builds(
    Summary,
    language=st.sampled_from(["", "ja", "zh", "en"]),
    template=st.sampled_from(["", "ja-8q@1", "zh-4part@1", "en-tldr@1"]),
    raw=_text,
    sections=st.lists(st.tuples(_text, _text), max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_summary, max_size=4))
def test_any_summaries_round_trip(summaries: list[Summary]) -> None:
    d = Digest(entries=(Entry(arxiv_id="1", summaries=tuple(summaries)),))
    back = Digest.from_json(d.to_json())
    assert back == d and back.entries[0].all_summaries() == tuple(summaries)
    e = Entry()
    for s in summaries:
        e = e.with_summary(s)
    names = [s.template.partition("@")[0] for s in e.all_summaries() if s.template]
    assert len(names) == len(set(names))  # one summary per template


# --- summarize ---------------------------------------------------------------------------


def test_ja_and_zh_summaries_in_one_digest_and_overwrite_replaces_one() -> None:
    with serve_stub() as stub:
        router = Router(stub_settings(stub.base_url, concurrency=2), store=Store(":memory:"))
        ja = summarize_run(make_digest(3), template="ja-8q", router=router)
        both = summarize_run(ja.digest, template="zh-4part", router=router)
        assert (ja.done, both.done, both.failed) == (3, 3, 0)
        for e in both.digest.entries:
            assert [s.language for s in e.all_summaries()] == ["ja", "zh"]
            assert e.summary_for("ja-8q") == ja.digest.entries[both.digest.entries.index(e)].summary
        calls = len(stub.calls)
        kept = summarize_run(both.digest, template="zh-4part", router=router)
        assert kept.count("kept") == 3 and len(stub.calls) == calls
        assert kept.digest.entries == both.digest.entries
        # --overwrite replaces the zh summary only (an old one is marked to see it go).
        old = dataclasses.replace(ZH, raw="OLD")
        marked = both.digest.with_entries(e.with_summary(old) for e in both.digest.entries)
        redo = summarize_run(marked, template="zh-4part", router=router, overwrite=True)
    assert redo.count("kept") == 0
    for before, after in zip(both.digest.entries, redo.digest.entries, strict=True):
        assert after.summary_for("ja-8q") == before.summary_for("ja-8q") == after.summary
        new = after.summary_for("zh-4part")
        assert new is not None and new.raw != "OLD" and new.language == "zh"
    assert redo.digest.entries[0].meta("faithfulness.template") == "zh-4part@1"


def test_offline_keep_mode_writes_two_summaries(tmp_path: Path) -> None:
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text('[summarize]\non_language_mismatch = "keep"\n', encoding="utf-8")
    out = summarize(summarize(make_digest(1), template="ja-8q", config=cfg), template="en-tldr")
    e = out.entries[0]
    assert [s.template for s in e.all_summaries()] == ["ja-8q@1", "en-tldr@1"]


def test_failed_template_keeps_the_other_summaries() -> None:
    en = summarize(make_digest(2), template="en-tldr")
    # The offline backend cannot write Chinese: every paper fails for zh-4part.
    run = summarize_run(en, template="zh-4part", store=Store(":memory:"))
    assert run.failed == 2
    for before, after in zip(en.entries, run.digest.entries, strict=True):
        assert after.all_summaries() == before.all_summaries() != ()
        assert after.meta("summary_error")


def test_a_held_summary_of_one_template_stays_held_when_another_is_added() -> None:
    from digestkit.summarizer import _faithfulness

    held_ja = (("faithfulness.status", "held"), ("faithfulness.template", "ja-8q@1"))
    ok = (("faithfulness.status", "ok"),)
    assert _faithfulness(held_ja, "zh-4part@1", ok) == held_ja
    assert _faithfulness(held_ja, "ja-8q@1", ok) == (*ok, ("faithfulness.template", "ja-8q@1"))
    assert _faithfulness(held_ja, "zh-4part@1", ()) == held_ja
    e = dataclasses.replace(_both(), metadata=held_ja)
    d = Digest(entries=(e,))
    assert publishable(d).entries[0].all_summaries() == (ZH,)
    assert decide(d, reject=["2602.04870"]).entries[0].all_summaries() == (ZH,)
    assert decide(d, approve=["2602.04870"]).entries[0].all_summaries() == (JA, ZH)
    both_held = dataclasses.replace(
        e, metadata=_faithfulness(held_ja, "zh-4part@1", (("faithfulness.status", "held"),))
    )
    assert [x.key for x in held(Digest(entries=(both_held,)))] == ["2602.04870"]
    assert publishable(Digest(entries=(both_held,))).entries[0].summary is None
    # A file from before faithfulness.template: the held status covers every summary.
    old = dataclasses.replace(e, metadata=held_ja[:1])
    assert publishable(Digest(entries=(old,))).entries[0].all_summaries() == ()


# --- renderers ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_renderer_takes_an_entry_with_two_summaries(fmt: str) -> None:
    d = Digest(title="multi", entries=(_both(), Entry(arxiv_id="2602.00001", title="Plain")))
    out = render(d, fmt)
    assert out
    if fmt in ("md-ja-8q", "md-survey", "md-checklist"):
        return  # one-template formats: they show the primary summary (checked below)
    for text in ("日本語の要約本文です。", "中文摘要正文。"):
        assert text in out, fmt


def test_one_template_formats_show_their_templates_summary() -> None:
    zh_first = Digest(title="multi", entries=(Entry(arxiv_id="1", title="T", summaries=(ZH, JA)),))
    ja8q = render(zh_first, "md-ja-8q")
    assert "日本語の要約本文です。" in ja8q and "中文摘要正文。" not in ja8q
    # No summary of the format's own template: the primary one is shown.
    survey = render(zh_first, "md-survey")
    assert "中文摘要正文。" in survey and "日本語の要約本文です。" not in survey
    checklist = Summary(
        template="checklist@1", language="ja", sections=(("A: 概要", "- [x] 要点"),)
    )
    d = Digest(entries=(Entry(arxiv_id="1", title="T", summaries=(JA, checklist)),))
    out = render(d, "md-checklist")
    assert "- [x] 要点" in out and "日本語の要約本文です。" not in out


def test_html_has_one_block_per_summary_in_its_language() -> None:
    out = render(Digest(entries=(_both(),)), "html")
    assert '<div class="summary" lang="ja"><h3 class="summary-of">ja-8q · ja</h3>' in out
    assert '<div class="summary" lang="zh"><h3 class="summary-of">zh-4part · zh</h3>' in out
    single = render(Digest(entries=(Entry(arxiv_id="1", summary=JA),)), "html")
    assert '<div class="summary" lang="ja">' in single and 'class="summary-of"' not in single


def test_md_bot_writes_each_summary_and_reads_them_back() -> None:
    out = render(Digest(title="multi", entries=(_both(),)), "md-bot")
    assert "🤖 AI Summary [ja-8q · ja] (by m-ja)" in out
    assert "🤖 AI Summary [zh-4part · zh] (by m-zh)" in out
    back = parse_digest(out, "bot-readme").digest.entries[0]
    assert [(s.model, s.language) for s in back.all_summaries()] == [("m-ja", "ja"), ("m-zh", "zh")]
    assert [s.raw.strip() for s in back.all_summaries()] == [JA.raw, ZH.raw]


def test_feeds_and_jsonl_carry_all_summaries() -> None:
    d = Digest(title="multi", entries=(_both(),))
    atom = render(d, "atom")
    assert "ja-8q · ja" in atom and "zh-4part · zh" in atom
    record = json.loads(render(d, "jsonl"))
    assert [s["language"] for s in record["summaries"]] == ["ja", "zh"]


# --- CLI ---------------------------------------------------------------------------------


def test_cli_reads_a_v1_file_and_summarize_adds_a_second_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from digestkit.cli import main

    v1 = tmp_path / "v1.json"
    entry = Entry(arxiv_id="2501.00001", title="P", abstract="We propose X. X is fast.").to_dict()
    entry.pop("summaries")
    entry["summary"] = JA.to_dict()
    v1.write_text(json.dumps({"schema_version": 1, "entries": [entry]}), encoding="utf-8")
    assert main(["render", str(v1), "--to", "html", "-o", str(tmp_path / "p.html")]) == 0
    assert 'lang="ja"' in (tmp_path / "p.html").read_text("utf-8")
    out = tmp_path / "both.json"
    assert main(["summarize", str(v1), "-t", "en-tldr", "-q", "-o", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    assert doc["schema_version"] == 2
    assert [s["template"] for s in doc["entries"][0]["summaries"]] == ["ja-8q@1", "en-tldr@1"]
    assert json.loads(v1.read_text("utf-8"))["schema_version"] == 1  # the input is untouched
