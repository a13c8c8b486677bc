"""Stub paper APIs on 127.0.0.1: arXiv (Atom), Hugging Face Daily Papers and Semantic Scholar.

Why: paper bots break when a feed pages, throttles or returns a broken entry, and none of
that can be tested against the real services (no test touches the internet). This stub
speaks enough of each API for the real clients to run against it unchanged: the ``arxiv``
package's ``Client`` (pointed at :attr:`SourcesStub.arxiv_url`) and digestkit's HTTP
sources. It pages, filters by category and date, and can be told to fail.

Use it from a test, or to try a bot's config offline::

    with SourcesStub(papers) as stub:
        stub.fail_next("/api/query", 2, status=503)   # two 503s, then success
        ...point [sources.arxiv] url at stub.arxiv_url...
        stub.requests                                  # what the clients asked for

Endpoints (all GET): ``/api/query`` (arXiv: ``search_query`` with ``cat:`` terms and a
``lastUpdatedDate:[A TO B]`` or ``submittedDate:[A TO B]`` window, or ``id_list``;
``start``, ``max_results``); ``/rss/CAT+CAT`` (the announcement feed: the papers whose
``announced`` evening is :attr:`SourcesStub.feed_batch`, with ``arxiv:announce_type``;
leave ``feed_batch`` behind to serve a stale feed); ``/api/daily_papers`` (HF: ``date``, ``limit``, ``p``);
``/graph/v1/paper/search`` (S2: ``query``, ``offset``, ``limit``,
``publicationDateOrYear=A:B``; ``x-api-key`` is recorded as present/absent, never its value).

Full text, for papers given ``html``/``eprint``/``pdf`` bytes, with versioned or versionless
ids like arXiv: ``/html/ID`` (404 with arXiv's "No HTML for 'IDvN'" page when the paper has
none), ``/e-print/ID`` (301 to ``/src/ID``), ``/src/ID`` (403 when the source is private,
i.e. ``eprint`` is ``None``) and ``/pdf/ID``. Faults for any path prefix: ``fail_next``
(a status), ``slow_next`` (headers, then a bounded pause before the body) and
``truncate_next`` (a Content-Length larger than the bytes sent, then the connection closes).

>>> p = StubPaper("2602.00001", title="RL agents", hf_date=dt.date(2026, 2, 20))
>>> with SourcesStub([p]) as stub:
...     import urllib.request
...     body = urllib.request.urlopen(stub.hf_url + "?date=2026-02-20").read()
>>> json.loads(body)[0]["paper"]["id"]
'2602.00001'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

__all__ = ["StubPaper", "SourcesStub"]


@dataclass(frozen=True)
class StubPaper:
    """One paper the stub serves. ``hf_date``/``in_s2`` say which other APIs list it.

    ``malformed=True`` serves it broken: no ``<published>`` in Atom, no id in HF, no title
    and a non-string id in S2 — clients must skip it and keep going.
    """

    arxiv_id: str
    version: int = 1
    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ("A. Author",)
    categories: tuple[str, ...] = ("cs.CL",)
    published: dt.date = dt.date(2026, 2, 20)
    updated: dt.date | None = None
    hf_date: dt.date | None = None
    upvotes: int = 0
    in_s2: bool = False
    citations: int = 0
    malformed: bool = False
    html: bytes | None = None
    eprint: bytes | None = None
    pdf: bytes | None = None
    announced: dt.date | None = None  # the evening arXiv announced it (the RSS batch)

    @property
    def last_updated(self) -> dt.date:
        return self.updated or self.published


# A slow reply never pauses longer than this: a stub must not hang a test run.
MAX_SLOW_SECONDS = 5.0


@dataclass
class _Fault:
    prefix: str
    remaining: int
    status: int
    after: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "status"  # "status" | "slow" | "truncate"
    seconds: float = 0.0


def _atom_entry(p: StubPaper) -> str:
    base = f"http://arxiv.org/abs/{p.arxiv_id}v{p.version}"
    published = "" if p.malformed else f"<published>{p.published}T12:00:00Z</published>"
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p.authors)
    cats = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p.categories
    )
    return (
        f"<entry><id>{base}</id><updated>{p.last_updated}T12:00:00Z</updated>{published}"
        f"<title>{escape(p.title)}</title><summary>{escape(p.abstract)}</summary>{authors}"
        f'<link href="{base}" rel="alternate" type="text/html"/>'
        f'<link title="pdf" href="http://arxiv.org/pdf/{p.arxiv_id}v{p.version}" '
        f'rel="related" type="application/pdf"/>'
        f'<arxiv:primary_category term="{p.categories[0] if p.categories else ""}" '
        f'scheme="http://arxiv.org/schemas/atom"/>{cats}</entry>'
    )


def atom_feed(papers: list[StubPaper], *, total: int, start: int) -> bytes:
    """An arXiv API response page."""
    entries = "".join(_atom_entry(p) for p in papers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "<title>arXiv Query</title><id>http://arxiv.org/api/stub</id>"
        f"<opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>"
        f"{entries}</feed>"
    ).encode()


def _rss_item(p: StubPaper, query: set[str]) -> str:
    primary = p.categories[0] if p.categories else ""
    cross = primary not in query
    kind = ("replace-cross" if cross else "replace") if p.version > 1 else (
        "cross" if cross else "new")  # fmt: skip
    cats = "".join(f"<category>{c}</category>" for c in p.categories)
    return (
        f"<item><title>{escape(p.title)}</title>"
        f"<link>https://arxiv.org/abs/{p.arxiv_id}</link>"
        f"<description>arXiv:{p.arxiv_id}v{p.version} Announce Type: {kind} \n"
        f"Abstract: {escape(p.abstract)}</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{p.arxiv_id}v{p.version}</guid>{cats}'
        f"<pubDate>{_rfc822(p.announced)}</pubDate>"
        f"<arxiv:announce_type>{kind}</arxiv:announce_type>"
        f"<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
        f"<dc:creator>{escape(', '.join(p.authors))}</dc:creator></item>"
    )


def _rfc822(evening: dt.date | None) -> str:
    """The Eastern midnight after ``evening`` (when the feed switches to that batch)."""
    import email.utils
    from zoneinfo import ZoneInfo

    day = (evening or dt.date(2026, 1, 1)) + dt.timedelta(days=1)
    when = dt.datetime.combine(day, dt.time(0, 0), ZoneInfo("America/New_York"))
    return email.utils.format_datetime(when)


def rss_feed(papers: list[StubPaper], query: set[str], batch: dt.date | None) -> bytes:
    """An rss.arxiv.org feed for the categories ``query``, holding the batch of ``batch``."""
    items = "".join(_rss_item(p, query) for p in papers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        f"<title>{'+'.join(sorted(query))} updates on arXiv.org</title>"
        "<link>http://rss.arxiv.org/rss/</link><description>stub</description>"
        f"<pubDate>{_rfc822(batch)}</pubDate><lastBuildDate>{_rfc822(batch)}</lastBuildDate>"
        "<skipDays><day>Sunday</day><day>Saturday</day></skipDays>"
        f"{items}</channel></rss>"
    ).encode()


def _hf_item(p: StubPaper) -> dict[str, Any]:
    paper: dict[str, Any] = {
        "id": p.arxiv_id,
        "authors": [{"name": a, "hidden": False} for a in p.authors],
        "publishedAt": f"{p.published}T12:00:00.000Z",
        "title": p.title,
        "summary": p.abstract,
        "upvotes": p.upvotes,
    }
    if p.malformed:
        del paper["id"]
    return {"paper": paper, "publishedAt": f"{p.hf_date}T08:00:00.000Z", "title": p.title}


def _s2_item(p: StubPaper) -> dict[str, Any]:
    return {
        "paperId": f"s2-{p.arxiv_id}",
        "externalIds": {"ArXiv": 12345 if p.malformed else p.arxiv_id},
        "title": None if p.malformed else p.title,
        "abstract": p.abstract,
        "authors": [{"authorId": str(i), "name": a} for i, a in enumerate(p.authors)],
        "publicationDate": p.published.isoformat(),
        "url": f"https://www.semanticscholar.org/paper/s2-{p.arxiv_id}",
        "citationCount": p.citations,
    }


_VERSIONED = re.compile(r"^(?P<base>.+?)(?:v(?P<version>\d+))?$")


def _no_html_page(label: str) -> bytes:
    """arXiv's 404 page for a paper without an HTML rendering (the heading is what matters)."""
    return (
        "<!DOCTYPE html><html><head><title>No HTML</title></head><body>"
        f"<h1>No HTML for '{escape(label)}'</h1>"
        "<p>HTML is not available for the source.</p></body></html>"
    ).encode()


_WINDOW = re.compile(r"(submittedDate|lastUpdatedDate):\[(\d{8})\d*\s+TO\s+(\d{8})\d*\]")


def _day(yyyymmdd: str) -> dt.date:
    return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))


def _arxiv_matches(p: StubPaper, query: str) -> bool:
    cats = re.findall(r"cat:([\w.\-]+)", query)
    if cats and not set(cats) & set(p.categories):
        return False
    # ti:"x" / abs:"x" prefilter: a case-insensitive substring, coarse like arXiv's own search
    words = re.findall(r'(?:ti|abs):"([^"]*)"', query)
    text = f"{p.title} {p.abstract}".lower()
    if words and not any(w.lower() in text for w in words):
        return False
    m = _WINDOW.search(query)
    if m:
        when = p.published if m.group(1) == "submittedDate" else p.last_updated
        return _day(m.group(2)) <= when <= _day(m.group(3))
    return True


class SourcesStub:
    """A threaded HTTP server on an ephemeral 127.0.0.1 port serving the three APIs."""

    def __init__(self, papers: Iterable[StubPaper] = ()) -> None:
        self.papers: list[StubPaper] = list(papers)
        self.requests: list[dict[str, Any]] = []
        self.empty_pages: set[int] = set()  # arXiv `start` offsets that come back empty once
        self._short: dict[int, list[int]] = {}  # start -> [entries dropped, times left]
        self.feed_batch: dt.date | None = None  # the announcement the RSS feed holds
        self._s2_short: dict[int, list[int]] = {}  # S2 offset -> [dropped, times left]
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()  # wakes slow replies when the stub shuts down
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> SourcesStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def arxiv_url(self) -> str:
        return self.base_url + "/api/query"

    @property
    def rss_url(self) -> str:
        """The announcement feeds' root: ``rss_url + "/cs.CL+cs.LG"``."""
        return self.base_url + "/rss"

    @property
    def hf_url(self) -> str:
        return self.base_url + "/api/daily_papers"

    @property
    def s2_url(self) -> str:
        return self.base_url + "/graph/v1"

    def fail_next(
        self,
        prefix: str,
        times: int = 1,
        *,
        status: int = 503,
        retry_after: float | None = None,
        after: int = 0,
    ) -> None:
        """Answer ``times`` requests whose path starts with ``prefix`` with ``status``,
        after letting the next ``after`` such requests through (a failure mid-pagination)."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        with self._lock:
            self._faults.append(_Fault(prefix, times, status, after, "stub failure", headers))

    def slow_next(self, prefix: str, times: int = 1, *, seconds: float = 1.0) -> None:
        """Send the headers of the next ``times`` replies under ``prefix`` at once, then
        pause ``seconds`` (at most :data:`MAX_SLOW_SECONDS`) before the body."""
        pause = min(max(seconds, 0.0), MAX_SLOW_SECONDS)
        with self._lock:
            self._faults.append(_Fault(prefix, times, 200, kind="slow", seconds=pause))

    def truncate_next(self, prefix: str, times: int = 1) -> None:
        """Declare the full Content-Length on the next ``times`` replies under ``prefix``
        but send only half the body, then close the connection (a dropped download)."""
        with self._lock:
            self._faults.append(_Fault(prefix, times, 200, kind="truncate"))

    def short_page(self, start: int, *, drop: int = 0, times: int = 1) -> None:
        """Serve the arXiv API page at ``start`` ``times`` times with its last ``drop``
        entries missing (``drop=0``: all of them, an empty page) while ``totalResults``
        still announces every match -- the API's known fault under load."""
        with self._lock:
            self._short[start] = [drop, times]

    def s2_short_page(self, offset: int, *, drop: int = 0, times: int = 1) -> None:
        """Like :meth:`short_page`, for the Semantic Scholar search page at ``offset``."""
        with self._lock:
            self._s2_short[offset] = [drop, times]

    def requests_to(self, prefix: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].startswith(prefix)]

    # ------------------------------------------------------------ responses
    def _fault_for(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.prefix) and fault.remaining > 0:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.remaining -= 1
                    return fault
        return None

    def _arxiv(self, q: dict[str, str]) -> tuple[int, str, bytes]:
        start, size = int(q.get("start", "0")), int(q.get("max_results", "10"))
        found = [p for p in self.papers if _arxiv_matches(p, q.get("search_query", ""))]
        found.sort(key=lambda p: (p.last_updated, p.arxiv_id), reverse=True)
        if q.get("id_list"):
            wanted = [i.split("v")[0] for i in q["id_list"].split(",")]
            found = [p for i in wanted for p in self.papers if p.arxiv_id == i]
        with self._lock:
            if start in self.empty_pages:
                self.empty_pages.discard(start)
                return 200, "application/atom+xml", atom_feed([], total=len(found), start=start)
        page = found[start : start + size]
        with self._lock:
            fault = self._short.get(start)
            if fault is not None and fault[1] > 0:
                fault[1] -= 1
                page = page[: len(page) - fault[0]] if fault[0] else []
        return 200, "application/atom+xml", atom_feed(page, total=len(found), start=start)

    def _hf(self, q: dict[str, str]) -> tuple[int, str, bytes]:
        day = dt.date.fromisoformat(q["date"]) if "date" in q else None
        limit, page = int(q.get("limit", "50")), int(q.get("p", "0"))
        found = [
            p for p in self.papers if p.hf_date is not None and (day is None or p.hf_date == day)
        ]
        found.sort(key=lambda p: (-p.upvotes, p.arxiv_id))
        items = [_hf_item(p) for p in found[page * limit : (page + 1) * limit]]
        return 200, "application/json", json.dumps(items).encode()

    def _s2(self, q: dict[str, str]) -> tuple[int, str, bytes]:
        offset, limit = int(q.get("offset", "0")), int(q.get("limit", "100"))
        found = [p for p in self.papers if p.in_s2]
        if ":" in q.get("publicationDateOrYear", ""):
            lo, hi = q["publicationDateOrYear"].split(":", 1)
            found = [
                p
                for p in found
                if (not lo or p.published >= dt.date.fromisoformat(lo))
                and (not hi or p.published <= dt.date.fromisoformat(hi))
            ]
        found.sort(key=lambda p: p.arxiv_id)
        body: dict[str, Any] = {"total": len(found), "offset": offset}
        page = found[offset : offset + limit]
        with self._lock:
            fault = self._s2_short.get(offset)
            if fault is not None and fault[1] > 0:
                fault[1] -= 1
                page = page[: len(page) - fault[0]] if fault[0] else []
        body["data"] = [_s2_item(p) for p in page]
        if offset + limit < len(found):
            body["next"] = offset + limit
        return 200, "application/json", json.dumps(body).encode()

    def _paper(self, ident: str) -> tuple[StubPaper | None, str]:
        """The paper for a versioned or versionless id (a version up to the paper's own),
        and the ``IDvN`` label arXiv shows."""
        m = _VERSIONED.match(ident)
        base, version = (m.group("base"), m.group("version")) if m else (ident, None)
        for p in self.papers:
            if p.arxiv_id == base and (version is None or 1 <= int(version) <= p.version):
                return p, f"{base}v{version or p.version}"
        return None, ident

    def _fulltext(self, path: str) -> tuple[int, str, bytes, dict[str, str]] | None:
        kind, _, ident = path.lstrip("/").partition("/")
        if kind not in ("html", "e-print", "src", "pdf") or not ident:
            return None
        paper, label = self._paper(ident)
        if paper is None:
            return 404, "text/plain", b"not found", {}
        if kind == "e-print":
            return 301, "text/plain", b"moved", {"Location": f"/src/{ident}"}
        if kind == "html":
            if paper.html is None:
                return 404, "text/html; charset=utf-8", _no_html_page(label), {}
            return 200, "text/html; charset=utf-8", paper.html, {}
        if kind == "src":
            if paper.eprint is None:
                return 403, "text/plain", b"Access to this source is restricted", {}
            return 200, "application/gzip", paper.eprint, {}
        if paper.pdf is None:
            return 404, "text/plain", b"not found", {}
        return 200, "application/pdf", paper.pdf, {}

    def _rss(self, path: str) -> tuple[int, str, bytes]:
        query = set(path.removeprefix("/rss/").split("+"))
        batch = self.feed_batch
        items = [
            p
            for p in self.papers
            if batch is not None and p.announced == batch and query & set(p.categories)
        ]
        items.sort(key=lambda p: p.arxiv_id)
        return 200, "application/rss+xml", rss_feed(items, query, batch)

    def _respond(self, path: str, q: dict[str, str]) -> tuple[int, str, bytes]:
        if path == "/api/query":
            return self._arxiv(q)
        if path.startswith("/rss/"):
            return self._rss(path)
        if path == "/api/daily_papers":
            return self._hf(q)
        if path == "/graph/v1/paper/search":
            return self._s2(q)
        return 404, "text/plain", b"not found"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                with stub._lock:
                    stub.requests.append(
                        {
                            "path": url.path,
                            "query": q,
                            "has_api_key": "x-api-key" in {k.lower() for k in self.headers},
                            "user_agent": self.headers.get("User-Agent", ""),
                        }
                    )
                fault = stub._fault_for(url.path)
                headers: dict[str, str] = {}
                if fault is not None and fault.kind == "status":
                    status, ctype, body = fault.status, "text/plain", fault.body.encode()
                    headers = fault.headers
                else:
                    found = stub._fulltext(url.path)
                    if found is not None:
                        status, ctype, body, headers = found
                    else:
                        status, ctype, body = stub._respond(url.path, q)
                # A client that gave up (a timeout test) closed the socket: nothing to report.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(status, ctype, body, headers, fault)

            def _send(
                self,
                status: int,
                ctype: str,
                body: bytes,
                headers: dict[str, str],
                fault: _Fault | None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if fault is not None and fault.kind == "slow":
                    self.wfile.flush()
                    stub._closing.wait(fault.seconds)
                if fault is not None and fault.kind == "truncate":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def load_papers(path: str) -> list[StubPaper]:
    """Papers from a JSON list of objects with :class:`StubPaper`'s fields (dates as strings)."""
    with open(path, encoding="utf-8") as fh:
        items = json.load(fh)
    papers = []
    for item in items:
        for key in ("published", "updated", "hf_date"):
            if item.get(key):
                item[key] = dt.date.fromisoformat(item[key])
        for key in ("authors", "categories"):
            if key in item:
                item[key] = tuple(item[key])
        papers.append(StubPaper(**item))
    return papers


def main(argv: list[str] | None = None) -> None:
    """``python -m digestkit.testing.sources_stub [papers.json]``: serve until Ctrl-C."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    papers = (
        load_papers(args[0])
        if args
        else [
            StubPaper(
                "2602.00001",
                title="Scaling RL for LLM agents",
                abstract="We train LLM agents with RL.",
                published=dt.datetime.now(dt.UTC).date(),
                hf_date=dt.datetime.now(dt.UTC).date(),
                in_s2=True,
            )
        ]
    )
    with SourcesStub(papers) as stub:
        sys.stdout.write(
            f"arxiv url = {stub.arxiv_url!r}\nhf_daily url = {stub.hf_url!r}\n"
            f"semantic_scholar url = {stub.s2_url!r}\nserving {len(papers)} papers; Ctrl-C stops\n"
        )
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
