"""The sources stub's full-text endpoints, as arXiv answers them (plain urllib client)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from digestkit.testing.sources_stub import SourcesStub, StubPaper


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    papers = [
        StubPaper("2602.00001", version=2, html=b"<html>h</html>", eprint=b"src", pdf=b"%PDF"),
        StubPaper("2602.00002"),
    ]
    with SourcesStub(papers) as s:
        yield s


def get(stub: SourcesStub, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(stub.base_url + path) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize("ident", ["2602.00001", "2602.00001v1", "2602.00001v2"])
def test_versioned_and_versionless_ids(stub: SourcesStub, ident: str) -> None:
    assert get(stub, f"/html/{ident}") == (200, b"<html>h</html>")
    assert get(stub, f"/e-print/{ident}") == (200, b"src")
    assert get(stub, f"/pdf/{ident}") == (200, b"%PDF")
    assert [r["path"] for r in stub.requests][1:3] == [f"/e-print/{ident}", f"/src/{ident}"]


def test_what_is_missing_answers_like_arxiv(stub: SourcesStub) -> None:
    status, body = get(stub, "/html/2602.00002")
    assert status == 404 and b"No HTML for '2602.00002v1'" in body
    assert get(stub, "/src/2602.00002")[0] == 403
    assert get(stub, "/pdf/2602.00002")[0] == 404
    assert get(stub, "/pdf/2602.00001v3")[0] == 404  # no such version
    assert get(stub, "/html/2602.09999")[0] == 404


def test_faults_apply_to_the_fulltext_paths(stub: SourcesStub) -> None:
    stub.fail_next("/pdf/", 1, status=503)
    assert get(stub, "/pdf/2602.00001")[0] == 503
    assert get(stub, "/pdf/2602.00001")[0] == 200
    stub.truncate_next("/pdf/", 1)
    with pytest.raises(Exception, match="IncompleteRead|incomplete"):
        get(stub, "/pdf/2602.00001")
    stub.slow_next("/html/", 1, seconds=0.05)
    assert get(stub, "/html/2602.00001") == (200, b"<html>h</html>")
