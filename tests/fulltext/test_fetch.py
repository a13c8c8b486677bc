"""Fetching full text over real HTTP against the sources stub on 127.0.0.1 (no internet).

The mechanics (fallback order, retries, politeness, cache) are tested with a small
stand-in extractor passed to the fetcher, so they do not depend on the real extractors;
the end-to-end tests with the real ones are in ``test_fetch_e2e.py``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from digestkit.errors import ConfigError, InputError
from digestkit.fulltext.cache import FulltextCache
from digestkit.fulltext.fetch import (
    FulltextConfig,
    FulltextFetcher,
    load_fulltext_config,
    read_local,
)
from digestkit.fulltext.model import FullText
from digestkit.testing.sources_stub import SourcesStub, StubPaper
from tests.fulltext._helpers import HTML, PDF, TEX, FakeTime, StandIn


def paper(n: int = 1, **kw: Any) -> StubPaper:
    base: dict[str, Any] = {"arxiv_id": f"2602.{n:05d}", "html": HTML, "eprint": TEX, "pdf": PDF}
    base.update(kw)
    return StubPaper(**base)


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    with SourcesStub() as s:
        yield s


def config(stub: SourcesStub, tmp_path: Path, **kw: Any) -> FulltextConfig:
    base: dict[str, Any] = {
        "html_url": stub.base_url + "/html/{id}",
        "latex_url": stub.base_url + "/e-print/{id}",
        "pdf_url": stub.base_url + "/pdf/{id}",
        "retries": 2,
        "timeout": 10.0,
        "cache_dir": str(tmp_path / "cache"),
    }
    base.update(kw)
    return FulltextConfig(**base)


def fetcher(
    stub: SourcesStub,
    tmp_path: Path,
    clock: FakeTime | None = None,
    extract: StandIn | None = None,
    **kw: Any,
) -> FulltextFetcher:
    t = clock or FakeTime()
    return FulltextFetcher(
        config(stub, tmp_path, **kw),
        sleep=t.sleep,
        clock=t.clock,
        extract=extract or StandIn(),
    )


def outcomes(got: Any) -> list[tuple[str, str]]:
    return [(a.source, a.outcome) for a in got.attempts]


# ---------------------------------------------------------------- fallback order


def test_html_first_and_the_others_are_not_fetched(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    assert got.ok and got.error == ""
    assert got.fulltext is not None and got.fulltext.source == "html"
    assert outcomes(got) == [("html", "ok"), ("latex", "skipped"), ("pdf", "skipped")]
    assert "not needed: html gave the paper" in got.explain()
    assert [r["path"] for r in stub.requests] == ["/html/2602.00001"]
    assert stub.requests[0]["user_agent"].startswith("digestkit/")


def test_no_html_falls_back_to_the_source_through_the_redirect(
    stub: SourcesStub, tmp_path: Path
) -> None:
    stub.papers.append(paper(html=None))
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    assert got.fulltext is not None and got.fulltext.source == "latex"
    assert got.attempts[0].outcome == "missing" and got.attempts[0].detail == "404 no HTML"
    assert [r["path"] for r in stub.requests] == [
        "/html/2602.00001",
        "/e-print/2602.00001",
        "/src/2602.00001",
    ]


def test_private_source_falls_back_to_the_pdf(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None, eprint=None))
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    assert outcomes(got) == [("html", "missing"), ("latex", "missing"), ("pdf", "ok")]
    assert got.attempts[1].detail.startswith("403")
    assert got.fulltext is not None and got.fulltext.source == "pdf"


def test_an_eprint_that_is_a_pdf_is_read_as_pdf(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None, eprint=PDF, pdf=None))
    extract = StandIn()
    with fetcher(stub, tmp_path, extract=extract) as f:
        got = f.fetch("2602.00001")
    assert outcomes(got) == [("html", "missing"), ("latex", "ok"), ("pdf", "skipped")]
    assert "PDF-only submission -> used as pdf" in got.attempts[1].detail
    assert got.fulltext is not None and got.fulltext.source == "pdf"
    assert extract.calls == [("pdf", "2602.00001", None)]


def test_versioned_ids_go_into_the_urls_and_the_version_is_recorded(
    stub: SourcesStub, tmp_path: Path
) -> None:
    stub.papers.append(paper(version=2, html=None))
    extract = StandIn()
    with fetcher(stub, tmp_path, extract=extract) as f:
        got = f.fetch("2602.00001v2")
    assert got.attempts[0].url.endswith("/html/2602.00001v2")
    assert got.attempts[0].detail == "404 no HTML"
    assert extract.calls == [("latex", "2602.00001", 2)]
    assert got.fulltext is not None and got.fulltext.version == 2


def test_an_unreadable_document_fails_with_the_extractor_message_and_falls_back(
    stub: SourcesStub, tmp_path: Path
) -> None:
    stub.papers.append(paper(html=HTML + b"BROKEN"))
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    assert outcomes(got)[:2] == [("html", "failed"), ("latex", "ok")]
    assert "broken test document" in got.attempts[0].detail


def test_nothing_found_is_a_value_naming_every_source(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None, eprint=None, pdf=None))
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
        unknown = f.fetch("2602.09999")
        bad = f.fetch("../../etc/passwd")
    assert not got.ok and got.fulltext is None
    assert "html: missing" in got.error and "latex: missing" in got.error
    assert "pdf: missing" in got.error
    assert len(got.explain().splitlines()) == 3
    assert not unknown.ok and "404" in unknown.error
    assert not bad.ok and "not an arXiv id" in bad.error
    assert not any("etc" in r["path"] for r in stub.requests)


def test_fetch_many_keeps_the_order(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.extend([paper(1), paper(2, html=None)])
    with fetcher(stub, tmp_path) as f:
        got = f.fetch_many(["2602.00002", "2602.00001"])
    assert [g.arxiv_id for g in got] == ["2602.00002", "2602.00001"]
    assert [g.fulltext.source for g in got if g.fulltext] == ["latex", "html"]


# ---------------------------------------------------------------- faults


def test_503_then_success(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    stub.fail_next("/html/", 2, status=503)
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    assert outcomes(got)[0] == ("html", "ok")
    assert len(stub.requests_to("/html/")) == 3


def test_503_forever_gives_up_after_the_retries_and_falls_back(
    stub: SourcesStub, tmp_path: Path
) -> None:
    stub.papers.append(paper())
    stub.fail_next("/html/", 100, status=503)
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    assert got.attempts[0].outcome == "failed" and got.attempts[0].detail == "503 x3"
    assert outcomes(got)[1] == ("latex", "ok")
    assert len(stub.requests_to("/html/")) == 3


def test_retries_back_off_from_the_delay(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    stub.fail_next("/html/", 3, status=502)
    t = FakeTime()
    with fetcher(stub, tmp_path, clock=t, retries=3, delay=3.0) as f:
        assert f.fetch("2602.00001").attempts[0].outcome == "ok"
    assert t.sleeps == [3.0, 6.0, 12.0]


def test_retry_after_is_honoured(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    stub.fail_next("/html/", 1, status=429, retry_after=7)
    t = FakeTime()
    with fetcher(stub, tmp_path, clock=t) as f:
        assert f.fetch("2602.00001").ok
    assert t.sleeps == [7.0]


def test_a_slow_reply_within_the_timeout_is_read(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    stub.slow_next("/html/", 1, seconds=0.3)
    with fetcher(stub, tmp_path, timeout=10.0) as f:
        got = f.fetch("2602.00001")
    assert outcomes(got)[0] == ("html", "ok")
    assert len(stub.requests_to("/html/")) == 1


def test_a_timeout_is_retried_then_the_next_source_is_tried(
    stub: SourcesStub, tmp_path: Path
) -> None:
    stub.papers.append(paper())
    stub.slow_next("/html/", 5, seconds=3.0)
    with fetcher(stub, tmp_path, timeout=0.2, retries=1) as f:
        got = f.fetch("2602.00001")
    assert got.attempts[0].outcome == "failed" and got.attempts[0].detail == "timeout x2"
    assert outcomes(got)[1] == ("latex", "ok")


def test_a_truncated_body_is_retried(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None, eprint=None))
    stub.truncate_next("/pdf/", 1)
    extract = StandIn()
    with fetcher(stub, tmp_path, extract=extract) as f:
        got = f.fetch("2602.00001")
    assert outcomes(got)[2] == ("pdf", "ok")
    assert len(stub.requests_to("/pdf/")) == 2
    assert got.fulltext is not None and got.fulltext.sections[0].text == PDF.decode()[:60]


def test_a_body_truncated_every_time_fails(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    stub.truncate_next("/html/", 10)
    with fetcher(stub, tmp_path, retries=1) as f:
        got = f.fetch("2602.00001")
    assert got.attempts[0].outcome == "failed" and got.attempts[0].detail == "truncated x2"
    assert outcomes(got)[1] == ("latex", "ok")


def test_an_oversize_body_is_refused_without_retrying(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None, eprint=None))
    with fetcher(stub, tmp_path, max_download_bytes=100) as f:
        got = f.fetch("2602.00001")
    assert got.attempts[2].outcome == "failed"
    assert "larger than max_download_bytes" in got.attempts[2].detail
    assert len(stub.requests_to("/pdf/")) == 1


def test_an_oversize_stream_without_length_is_stopped_at_the_cap(tmp_path: Path) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):  # 1 MB offered; the reader must stop after ~1 KB
            sent.append(1)
            yield b"%PDF" + b"x" * 1020

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=chunks())  # streamed: no Content-Length

    cfg = FulltextConfig(sources=("pdf",), max_download_bytes=2000, cache=False)
    t = FakeTime()
    with FulltextFetcher(
        cfg, transport=httpx2.MockTransport(handler), sleep=t.sleep, clock=t.clock,
        extract=StandIn(),
    ) as f:  # fmt: skip
        got = f.fetch("2602.00001")
    assert got.attempts[0].outcome == "failed" and "stopped" in got.attempts[0].detail
    assert len(sent) < 10


# ---------------------------------------------------------------- politeness


def test_requests_to_one_host_are_at_least_delay_apart(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.extend([paper(1, html=None), paper(2), paper(3, html=None, eprint=None)])
    t = FakeTime()
    with fetcher(stub, tmp_path, clock=t, delay=3.0) as f:
        f.fetch_many(["2602.00001", "2602.00002", "2602.00003"])
        times = [at for at, _url in f.downloader.requests]
    assert len(times) == 8  # 404, 301 + src; html; 404, 301 + 403, pdf
    assert all(b - a >= 3.0 for a, b in zip(times, times[1:], strict=False))
    assert t.sleeps and all(s <= 3.0 for s in t.sleeps)


def test_different_hosts_do_not_wait_for_each_other(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None))
    port = stub.base_url.rsplit(":", 1)[1]
    t = FakeTime()
    with fetcher(
        stub, tmp_path, clock=t, delay=3.0, sources=("html", "pdf"),
        pdf_url=f"http://localhost:{port}/pdf/{{id}}",
    ) as f:  # fmt: skip
        got = f.fetch("2602.00001")
    assert outcomes(got) == [("html", "missing"), ("pdf", "ok")]
    assert t.sleeps == []


# ---------------------------------------------------------------- cache


def test_a_cache_hit_makes_no_request(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper(html=None))
    first, second = StandIn(), StandIn()
    with fetcher(stub, tmp_path, extract=first) as f:
        a = f.fetch("2602.00001")
    sent = len(stub.requests)
    with fetcher(stub, tmp_path, extract=second) as f:
        b = f.fetch("2602.00001")
    assert len(stub.requests) == sent  # the 404 is remembered too
    assert outcomes(b) == [("html", "missing"), ("latex", "cached"), ("pdf", "skipped")]
    assert "remembered" in b.attempts[0].detail
    assert a.fulltext is not None and b.fulltext is not None
    assert a.fulltext.sections == b.fulltext.sections
    assert len(second.calls) == 1  # another extractor: its own entry, but no download


def test_the_same_extractor_reads_from_the_text_cache(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    extract = StandIn()
    for _ in range(2):
        with fetcher(stub, tmp_path, extract=extract) as f:
            got = f.fetch("2602.00001")
    assert len(extract.calls) == 1 and got.attempts[0].outcome == "cached"


def test_cache_off_downloads_every_time(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    for _ in range(2):
        with fetcher(stub, tmp_path, cache=False) as f:
            assert f.fetch("2602.00001").ok
    assert len(stub.requests) == 2
    assert not (tmp_path / "cache").exists()


def test_corrupt_cache_files_are_ignored_and_replaced(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    with fetcher(stub, tmp_path) as f:
        f.fetch("2602.00001")
    files = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert {p.parent.parent.name for p in files} == {"urls", "blobs", "texts"}
    for p in files:
        p.write_bytes(b"\x00garbage{")
    extract = StandIn()
    with fetcher(stub, tmp_path, extract=extract) as f:
        got = f.fetch("2602.00001")
    assert got.ok and outcomes(got)[0] == ("html", "ok")
    assert len(stub.requests) == 2 and len(extract.calls) == 1
    blob = next((tmp_path / "cache" / "blobs").rglob("*"))
    assert next(iter(blob.iterdir())).read_bytes() == HTML
    with fetcher(stub, tmp_path) as f:
        assert outcomes(f.fetch("2602.00001"))[0] == ("html", "cached")


def test_a_damaged_blob_is_detected_by_its_hash(tmp_path: Path) -> None:
    cache = FulltextCache(tmp_path, max_bytes=10_000)
    sha = cache.put_blob("http://x/1", b"%PDF-1.7 original")
    (path,) = (tmp_path / "blobs").rglob(sha)
    path.write_bytes(b"%PDF-1.7 origina")  # one byte short: a torn write
    assert cache.get_blob(sha) is None
    assert not path.exists()


def test_lru_eviction_keeps_the_cache_under_its_cap(tmp_path: Path) -> None:
    cache = FulltextCache(tmp_path, max_bytes=3500)
    shas = [cache.put_blob(f"http://x/{n}", bytes([n]) * 1000) for n in range(3)]
    blob = {sha: next((tmp_path / "blobs").rglob(sha)) for sha in shas}
    for age, sha in enumerate(shas):  # 0 oldest; explicit times so the order is certain
        os.utime(blob[sha], (1000 + age, 1000 + age))
    for entry in (tmp_path / "urls").rglob("*"):
        if entry.is_file():
            os.utime(entry, (500, 500))
    assert cache.get_blob(shas[0]) is not None  # a hit makes it the most recent
    cache.put_blob("http://x/3", b"\x03" * 1000)
    assert cache.get_blob(shas[0]) is not None
    assert cache.get_blob(shas[1]) is None  # the least recently used went first
    total = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert total <= 3500


def test_fetching_with_a_small_cache_stays_under_its_cap(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.extend(paper(n) for n in range(1, 6))
    with fetcher(stub, tmp_path, cache_max_bytes=600) as f:
        assert all(g.ok for g in f.fetch_many([f"2602.{n:05d}" for n in range(1, 6)]))
    total = sum(p.stat().st_size for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert 0 < total <= 600


def test_two_fetchers_can_share_one_cache(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.extend(paper(n) for n in range(1, 5))
    ids = [f"2602.{n:05d}" for n in range(1, 5)]
    results: list[list[bool]] = []

    def run() -> None:
        with fetcher(stub, tmp_path, delay=0.0) as f:
            results.append([g.ok for g in f.fetch_many(ids)])

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [[True] * 4, [True] * 4]
    with fetcher(stub, tmp_path) as f:
        assert all(g.attempts[0].outcome == "cached" for g in f.fetch_many(ids))
    assert not list((tmp_path / "cache").rglob("*.tmp"))


# ---------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"sources": ["html", "docx"]}, "fulltext.sources"),
        ({"sources": "html"}, "fulltext.sources"),
        ({"sources": []}, "fulltext.sources"),
        ({"sources": ["pdf", "pdf"]}, "fulltext.sources"),
        ({"delay": float("nan")}, "fulltext.delay"),
        ({"delay": float("inf")}, "fulltext.delay"),
        ({"delay": -1}, "fulltext.delay"),
        ({"timeout": 0}, "fulltext.timeout"),
        ({"retries": -1}, "fulltext.retries"),
        ({"retries": 1.5}, "fulltext.retries"),
        ({"max_download_bytes": True}, "fulltext.max_download_bytes"),
        ({"cache_max_bytes": 0}, "fulltext.cache_max_bytes"),
        ({"cache": "yes"}, "fulltext.cache"),
        ({"html_url": "ftp://mirror/{id}"}, "fulltext.html_url"),
        ({"pdf_url": "https://mirror/pdf/"}, "fulltext.pdf_url"),
        ({"user_agent": ""}, "fulltext.user_agent"),
        ({"cache_dri": "/tmp"}, "fulltext.cache_dri"),
    ],
)
def test_config_errors_name_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        FulltextConfig.from_mapping(data, path="digestkit.toml")
    assert info.value.context["key"] == key
    assert str(info.value).startswith(f"digestkit.toml: {key}: ")


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError, match="did you mean 'cache_dir'"):
        FulltextConfig.from_mapping({"cache_dri": "x"})


def test_load_config_reads_the_section_and_resolves_the_cache_dir(tmp_path: Path) -> None:
    toml = tmp_path / "digestkit.toml"
    toml.write_text('[fulltext]\nsources = ["pdf"]\ncache_dir = "fc"\ndelay = 0\n')
    cfg = load_fulltext_config(toml)
    assert cfg is not None and cfg.sources == ("pdf",) and cfg.delay == 0.0
    assert Path(cfg.cache_dir) == tmp_path.resolve() / "fc"
    other = tmp_path / "other.toml"
    other.write_text("[selection]\nmin_score = 1\n")
    assert load_fulltext_config(other) is None
    bad = tmp_path / "bad.toml"
    bad.write_text("[fulltext]\nretries = 'many'\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: fulltext\.retries"):
        load_fulltext_config(bad)


def test_default_cache_dir_is_under_digestkit_home() -> None:
    assert FulltextConfig().cache_root() == Path(os.environ["DIGESTKIT_HOME"]) / "fulltext"


def test_a_whole_document_is_accepted_too() -> None:
    cfg = FulltextConfig.from_mapping({"fulltext": {"retries": 0}})
    assert cfg.retries == 0


# ---------------------------------------------------------------- local files and URLs


def test_read_local_file_and_file_url(tmp_path: Path) -> None:
    path = tmp_path / "2501.00001v3.html"
    path.write_bytes(HTML)
    extract = StandIn()
    a = read_local(str(path), extract=extract)
    b = read_local(path.as_uri(), extract=extract)
    assert a == b and a.source == "html"
    assert extract.calls[0] == ("html", "2501.00001", 3)


def test_read_local_http_url(stub: SourcesStub) -> None:
    stub.papers.append(paper())
    got = read_local(stub.base_url + "/pdf/2602.00001", extract=StandIn())
    assert got.source == "pdf" and got.arxiv_id == "2602.00001"


@pytest.mark.parametrize("name", ["missing.pdf", "notes.txt", "dir", "broken.html"])
def test_read_local_errors_name_the_target(tmp_path: Path, name: str) -> None:
    (tmp_path / "notes.txt").write_text("just some notes")
    (tmp_path / "dir").mkdir()
    (tmp_path / "broken.html").write_bytes(HTML + b"BROKEN")
    target = str(tmp_path / name)
    with pytest.raises(InputError) as info:
        read_local(target, extract=StandIn())
    assert str(info.value).startswith(target + ": ")


def test_read_local_refuses_a_file_over_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(PDF)
    with pytest.raises(InputError, match="larger than max_download_bytes"):
        read_local(str(path), config=FulltextConfig(max_download_bytes=10), extract=StandIn())


def test_read_local_url_failure_is_an_input_error(stub: SourcesStub) -> None:
    cfg = FulltextConfig(retries=0, delay=0)
    with pytest.raises(InputError, match="404"):
        read_local(stub.base_url + "/pdf/2602.09999", config=cfg, extract=StandIn())


def test_cached_json_is_the_fulltext_json(stub: SourcesStub, tmp_path: Path) -> None:
    stub.papers.append(paper())
    with fetcher(stub, tmp_path) as f:
        got = f.fetch("2602.00001")
    (text,) = (tmp_path / "cache" / "texts").rglob("*.json")
    assert got.fulltext == FullText.from_dict(json.loads(text.read_text()))


def test_a_short_body_is_caught_even_when_the_transport_does_not(tmp_path: Path) -> None:
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return httpx2.Response(200, headers={"Content-Length": "5000"}, content=PDF)

    cfg = FulltextConfig(sources=("pdf",), retries=1, cache=False)
    t = FakeTime()
    with FulltextFetcher(
        cfg, transport=httpx2.MockTransport(handler), sleep=t.sleep, clock=t.clock,
        extract=StandIn(),
    ) as f:  # fmt: skip
        got = f.fetch("2602.00001")
    assert got.attempts[0].detail == "truncated x2" and len(calls) == 2


def test_urls_read_through_one_fetcher_are_paced_and_cached(
    stub: SourcesStub, tmp_path: Path
) -> None:
    stub.papers.extend([paper(1), paper(2)])
    t = FakeTime()
    with fetcher(stub, tmp_path, clock=t, delay=3.0) as f:
        a = f.read(stub.base_url + "/pdf/2602.00001")
        b = f.read(stub.base_url + "/html/2602.00002")
        again = f.read(stub.base_url + "/pdf/2602.00001")
    assert (a.source, b.source, again.source) == ("pdf", "html", "pdf")
    assert t.sleeps == [3.0] and len(stub.requests) == 2
