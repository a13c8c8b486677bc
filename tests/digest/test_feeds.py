"""Feeds readers can trust: every feed validated, dates never the epoch, the summaries'
language, a chosen title and link, and no character that can break the XML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.cli import EXIT_OK, EXIT_USAGE, main
from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.parse._base import ParseResult
from digestkit.digest.render import render
from tests.conftest import seed_path
from tests.digest.feedcheck import ATOM, XML_LANG, check_feed

KINDS = ["atom", "rss"]
NOW = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", range(5))
def test_every_seed_feed_is_valid(parsed_seeds: dict[int, ParseResult], n: int, kind: str) -> None:
    out = render(parsed_seeds[n].digest, kind)
    check_feed(out, kind)
    assert "1970" not in out


def test_undated_entries_take_the_digest_date() -> None:
    d = Digest(title="t", date=dt.date(2026, 2, 5), entries=(Entry(arxiv_id="2401.00001"),))
    atom = check_feed(render(d, "atom"), "atom")
    entry = atom.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}updated") == "2026-02-05T00:00:00+00:00"
    assert entry.findtext(f"{ATOM}published") == "2026-02-05T00:00:00+00:00"
    channel = check_feed(render(d, "rss"), "rss")
    assert channel.findtext("item/pubDate") == "Thu, 05 Feb 2026 00:00:00 +0000"


def test_without_any_date_atom_says_now_and_rss_omits_pubdate() -> None:
    d = Digest(title="t", entries=(Entry(arxiv_id="2401.00001"),))
    atom = check_feed(render(d, "atom", now=NOW), "atom")
    assert atom.findtext(f"{ATOM}entry/{ATOM}updated") == NOW.isoformat()
    channel = check_feed(render(d, "rss", now=NOW), "rss")
    assert channel.find("item/pubDate") is None
    assert "2030" in (channel.findtext("lastBuildDate") or "")


def test_seed_001_has_no_date_and_no_epoch(parsed_seeds: dict[int, ParseResult]) -> None:
    out = render(parsed_seeds[1].digest, "atom", now=NOW)
    assert out.count("1970") == 0 and out.count("2030-01-02T03:04:05") >= 23


def test_language_follows_the_summaries(parsed_seeds: dict[int, ParseResult]) -> None:
    digest = parsed_seeds[4].digest  # English abstracts, Chinese summaries
    atom = check_feed(render(digest, "atom"), "atom")
    assert atom.get(XML_LANG) == "zh"
    channel = check_feed(render(digest, "rss"), "rss")
    assert channel.findtext("language") == "zh"
    assert '<html lang="zh">' in render(digest, "html")


def test_an_entry_in_another_language_carries_its_own() -> None:
    zh, en = Summary(language="zh", raw="中文"), Summary(language="en", raw="English")
    entries = tuple(
        Entry(arxiv_id=f"2401.0000{i}", title=str(i), summary=s)
        for i, s in enumerate((zh, zh, en), 1)
    )
    atom = check_feed(render(Digest(title="t", entries=entries), "atom", now=NOW), "atom")
    assert atom.get(XML_LANG) == "zh"
    assert [e.get(XML_LANG) for e in atom.findall(f"{ATOM}entry")] == [None, None, "en"]


@pytest.mark.parametrize("kind", KINDS)
def test_title_and_link_options(kind: str) -> None:
    d = Digest(title="parsed", date=dt.date(2026, 2, 5), entries=(Entry(arxiv_id="2401.00001"),))
    out = render(d, kind, title="Lab <papers>", link="https://lab.example/")
    root = check_feed(out, kind)
    if kind == "atom":
        assert root.findtext(f"{ATOM}title") == "Lab <papers>"
        assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://lab.example/"  # type: ignore[union-attr]
    else:
        assert root.findtext("title") == "Lab <papers>"
        assert root.findtext("link") == "https://lab.example/"


CONTROL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0xFFFE])


@pytest.mark.parametrize("kind", [*KINDS, "html"])
def test_control_characters_are_removed_not_fatal(kind: str) -> None:
    e = Entry(
        arxiv_id="2401.00001",
        title=f"Ti{CONTROL}tle",
        authors=(f"A{CONTROL}B",),
        abstract=f"abs{CONTROL}tract",
        summary=Summary(language="en", sections=((f"H{CONTROL}", f"body{CONTROL}"),)),
    )
    out = render(Digest(title=f"D{CONTROL}", date=dt.date(2026, 2, 5), entries=(e,)), kind)
    if kind != "html":
        check_feed(out, kind)
    assert "Title" in out and "AB" in out and "abstract" in out
    assert not any(ch in out for ch in CONTROL)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=40, deadline=None)
@given(title=_TEXT, author=_TEXT, body=_TEXT, kind=st.sampled_from(KINDS))
def test_any_text_gives_a_valid_feed(title: str, author: str, body: str, kind: str) -> None:
    e = Entry(
        arxiv_id="2401.00001",
        title=title,
        authors=(author,) if author.strip() else (),
        abstract=body,
        summary=Summary(language="en", raw=body),
    )
    check_feed(render(Digest(title=title, entries=(e,)), kind, now=NOW), kind)


def test_convert_rss_with_a_control_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Used to fail as "Invalid value for --to: All strings must be XML compatible"."""
    src = tmp_path / "d.md"
    src.write_text(
        "# T\x01itle\n\n[View Paper](http://arxiv.org/abs/2503.04504v1)\n\n## 1. Q\n\nA\x0b\n",
        encoding="utf-8",
    )
    assert main(["convert", str(src), "--to", "rss"]) == EXIT_OK
    check_feed(capsys.readouterr().out, "rss")


def test_cli_title_link_and_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text('[output]\ntitle = "From config"\nsite_url = "https://cfg.example"\n')
    src = str(seed_path(2))
    assert main(["convert", src, "--to", "atom", "--config", str(cfg)]) == EXIT_OK
    root = check_feed(capsys.readouterr().out, "atom")
    assert root.findtext(f"{ATOM}title") == "From config"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://cfg.example/"  # type: ignore[union-attr]
    args = ["convert", src, "--to", "html", "--config", str(cfg), "--title", "Option wins"]
    assert main([*args, "--link", "https://opt.example/"]) == EXIT_OK
    page = capsys.readouterr().out
    assert "<title>Option wins</title>" in page and 'href="https://opt.example/"' in page


def test_unknown_to_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(seed_path(2)), "--to", "pdf"]) == EXIT_USAGE
    assert "choose from" in capsys.readouterr().err
