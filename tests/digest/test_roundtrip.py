"""parse(render(d, fmt), fmt) == d for every Markdown format, on generated ja/zh/en digests.

Each format carries only some fields (documented in each parser's module docstring and in
``fixtures/parse/README.md``); the strategies below generate digests *within* those
fields. ``language`` is never carried by the Markdown formats: parsers detect it, so the
comparison clears it on both sides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.parse import parse_digest
from digestkit.digest.parse._md import join_sections
from digestkit.digest.parse.checklist import derive
from digestkit.digest.render import PARSE_FORMAT, render

# Words per language, with Markdown-special characters mixed in so escaping is exercised.
WORDS = {
    "ja": ["論文", "モデル", "提案", "手法", "精度", "学習", "推論", "実験", "データ", "評価"],
    "zh": ["论文", "模型", "提出", "方法", "精度", "训练", "推理", "实验", "数据", "评估"],
    "en": ["model", "attention", "sparse", "training", "reasoning", "data", "agent", "LLM"],
}
SPECIAL = ["*", "_", "[x]", "<b>", "&", "`", "#", "1.", "-", "!", "|", "~", "(a)", "GPT-4o", "$k$"]


def words(lang: str, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[str]:
    pool = st.sampled_from(WORDS[lang] + SPECIAL)
    sep = "" if lang in ("ja", "zh") else " "
    return (
        st.lists(pool, min_size=min_size, max_size=max_size)
        .map(lambda ws: (sep.join(ws) if sep else " ".join(ws)).strip())
        .filter(lambda s: any(ch.isalnum() for ch in s))
    )


def paragraph(lang: str) -> st.SearchStrategy[str]:
    """A plain Markdown paragraph: never starts a block, never a heading or a rule."""
    return words(lang, 2, 12).map(lambda s: "本文 " + s if lang != "en" else "Text " + s)


def body(lang: str) -> st.SearchStrategy[str]:
    item = st.one_of(paragraph(lang), paragraph(lang).map(lambda s: "- " + s + "\n- " + s))
    return st.lists(item, min_size=1, max_size=3).map("\n\n".join)


ids = st.builds(
    lambda yymm, n: f"{yymm}.{n:05d}",
    st.sampled_from(["2401", "2503", "2602", "1706"]),
    st.integers(0, 99999),
)
versions = st.one_of(st.none(), st.integers(1, 9))
dates = st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31))
langs = st.sampled_from(["ja", "zh", "en"])
author = st.sampled_from(["Ana Li", "Bo Wang", "山田 太郎", "李 明", "J. Smith", "O'Neil"])


def strip_derived(d: Digest) -> Digest:
    def entry(e: Entry) -> Entry:
        if e.summary is None:
            return e
        return dataclasses.replace(e, summary=dataclasses.replace(e.summary, language=""))

    return dataclasses.replace(d, language="", entries=tuple(entry(e) for e in d.entries))


def roundtrip(d: Digest, fmt: str) -> None:
    text = render(d, fmt)
    result = parse_digest(text, PARSE_FORMAT[fmt])
    assert result.warnings == (), (result.warnings, text)
    assert strip_derived(result.digest) == strip_derived(d), text


# --- ja-8q: title, url/id/version, summary sections; metadata preamble ----------------


@st.composite
def ja8q_digest(draw: st.DrawFn) -> Digest:
    lang = draw(langs)
    entries = []
    for _ in range(draw(st.integers(1, 4))):
        ident, version = draw(ids), draw(st.integers(1, 9))
        heads = draw(st.lists(words(lang, 1, 5), min_size=1, max_size=8))
        sections = tuple((f"{n}. {h}", draw(body(lang))) for n, h in enumerate(heads, 1))
        entries.append(
            Entry(
                arxiv_id=ident,
                version=version,
                title=draw(words(lang)),
                url=f"http://arxiv.org/abs/{ident}v{version}",
                summary=Summary(template="ja-8q", sections=sections),
            )
        )
    preamble = draw(st.one_of(st.just(""), paragraph(lang)))
    return Digest(entries=tuple(entries), metadata=(("preamble", preamble),) if preamble else ())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ja8q_digest())
def test_ja_8q_roundtrip(d: Digest) -> None:
    roundtrip(d, "md-ja-8q")


# --- md-bot: title, date, stats, preamble/footer; all entry fields; summary raw ------


@st.composite
def bot_digest(draw: st.DrawFn) -> Digest:
    lang = draw(langs)
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        ident = draw(ids)
        summary = None
        if draw(st.booleans()):
            heads = draw(st.lists(words(lang, 1, 4), min_size=1, max_size=4))
            sections = tuple((h, draw(body(lang))) for h in heads)
            raw = join_sections(sections)
            summary = Summary(
                model=draw(st.sampled_from(["qwen-long", "gpt-4o"])), sections=sections, raw=raw
            )
        entries.append(
            Entry(
                arxiv_id=ident,
                version=draw(versions),
                title=draw(words(lang)),
                url=f"https://arxiv.org/abs/{ident}",
                authors=tuple(draw(st.lists(author, max_size=4))),
                categories=tuple(
                    draw(
                        st.lists(
                            st.sampled_from(["cs.AI", "cs.CL", "cs.LG"]), max_size=2, unique=True
                        )
                    )
                ),
                published=(published := draw(st.one_of(st.none(), dates))),
                # carried only when it differs from published (md-bot never repeats a date)
                updated=draw(st.one_of(st.none(), dates.filter(lambda d: d != published))),
                score=draw(
                    st.one_of(
                        st.none(), st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 2))
                    )
                ),
                announce_type=draw(st.sampled_from([None, "new", "cross", "replace"])),
                abstract=draw(st.one_of(st.just(""), paragraph(lang))),
                summary=summary,
            )
        )
    meta = []
    if draw(st.booleans()):
        meta.append(("preamble", draw(paragraph(lang))))
    if draw(st.booleans()):
        meta.append(("Keywords", draw(words("en"))))
    if draw(st.booleans()):
        meta.append(("footer", "## Configuration\n\n" + draw(paragraph(lang))))
    return Digest(
        title=draw(words(lang)),
        date=draw(st.one_of(st.none(), dates)),
        entries=tuple(entries),
        metadata=tuple(meta),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bot_digest())
def test_md_bot_roundtrip(d: Digest) -> None:
    roundtrip(d, "md-bot")


# --- survey: title (+date), mark/intro/footer; authors, date, sources, id, 要約, abstract


@st.composite
def survey_digest(draw: st.DrawFn) -> Digest:
    lang = draw(langs)
    day = draw(dates)
    title = f"{draw(words(lang))} ({day.isoformat()})"
    entries = []
    for _ in range(draw(st.integers(1, 4))):
        summary_text = draw(
            st.one_of(st.none(), st.lists(paragraph(lang), min_size=1, max_size=2).map("\n\n".join))
        )
        abstract = (
            draw(paragraph("en"))
            if summary_text is None
            else draw(st.one_of(st.just(""), paragraph("en")))
        )
        more = draw(st.booleans())
        entries.append(
            Entry(
                arxiv_id=draw(ids),
                version=draw(versions),
                title=draw(words(lang)),
                authors=tuple(draw(st.lists(author, min_size=1, max_size=4))),
                published=draw(st.one_of(st.none(), dates)),
                sources=tuple(
                    draw(
                        st.lists(st.sampled_from(["arxiv", "huggingface"]), max_size=2, unique=True)
                    )
                ),
                abstract=abstract,
                summary=Summary(sections=(("要約", summary_text),))
                if summary_text is not None
                else None,
                metadata=(("authors_more", "ほか"),) if more else (),
            )
        )
    meta = [("mark", "📝")] if draw(st.booleans()) else []
    if draw(st.booleans()):
        meta.append(("intro", draw(paragraph(lang))))
    if draw(st.booleans()):
        meta.append(("footer", draw(paragraph(lang))))
    return Digest(title=title, date=day, entries=tuple(entries), metadata=tuple(meta))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(survey_digest())
def test_survey_roundtrip(d: Digest) -> None:
    roundtrip(d, "md-survey")


# --- checklist: title; sections verbatim; id/url/links/published derived from them ---


@st.composite
def checklist_digest(draw: st.DrawFn) -> Digest:
    lang = draw(langs)
    entries = []
    for _ in range(draw(st.integers(1, 4))):
        ident = draw(ids)
        day = draw(st.one_of(st.none(), dates))
        lines = [f"- [x] この論文の貢献: {draw(words(lang))}"]
        if day:
            lines.append(f"- [x] 公開日: {day:%Y/%m/%d}")
        lines.append(f"- [x] 論文リンク: https://arxiv.org/abs/{ident}")
        sections = [("A: Contribution", "\n".join(lines))]
        sections += [
            (f"{c}: {draw(words('en', 1, 3))}", draw(body(lang)))
            for c in "BCD"[: draw(st.integers(0, 3))]
        ]
        fields = derive(tuple(sections))
        entries.append(
            Entry(
                title=draw(words(lang)),
                summary=Summary(template="checklist", sections=tuple(sections)),
                **fields,
            )  # type: ignore[arg-type]
        )
    return Digest(title=draw(words(lang)), entries=tuple(entries))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(checklist_digest())
def test_checklist_roundtrip(d: Digest) -> None:
    roundtrip(d, "md-checklist")


# --- json carries everything ----------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.one_of(bot_digest(), survey_digest(), ja8q_digest()))
def test_json_roundtrip_is_exact(d: Digest) -> None:
    assert parse_digest(render(d, "json"), "json").digest == d


# --- escaping: any one-line title or heading survives the Markdown formats -----------

_LINE = (
    (
        st.text(
            st.characters(
                blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs"),
            ),
            min_size=1,
            max_size=30,
        )
        | st.lists(st.sampled_from(SPECIAL + ["a", "論文", " "]), min_size=1, max_size=8).map(
            "".join
        )
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=150, deadline=None)
@given(_LINE, _LINE, st.sampled_from(["md-ja-8q", "md-bot", "md-checklist"]))
def test_any_title_and_heading_survive(title: str, heading: str, fmt: str) -> None:
    """Escaping only (the parser is called directly: the repair step is not under test)."""
    from digestkit.digest.parse import PARSERS

    link = "https://arxiv.org/abs/2401.00001"
    sections: tuple[tuple[str, str], ...] = ((heading, f"- [x] 論文リンク: {link}"),)
    if fmt == "md-ja-8q":
        entry = Entry(arxiv_id="2401.00001", version=1, title=title, url=link + "v1",
                      summary=Summary(template="ja-8q", sections=sections))  # fmt: skip
    elif fmt == "md-bot":
        entry = Entry(arxiv_id="2401.00001", version=1, title=title, url=link, abstract=heading)
    else:
        entry = Entry(title=title, summary=Summary(template="checklist", sections=sections),
                      **derive(sections))  # type: ignore[arg-type]  # fmt: skip
    d = Digest(title="" if fmt == "md-ja-8q" else title, entries=(entry,))
    got = PARSERS[PARSE_FORMAT[fmt]](render(d, fmt)).digest
    assert strip_derived(got) == strip_derived(d)
