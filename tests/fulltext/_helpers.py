"""Shared by the full-text fetch tests: documents that sniff as each format, a stand-in
extractor and an injected clock."""

from __future__ import annotations

import gzip

from digestkit.errors import InputError
from digestkit.fulltext.model import FullText, Section

HTML = b"<!DOCTYPE html><html><body><h1>HTML rendering</h1></body></html>"
TEX = gzip.compress(b"\\documentclass{article}\\begin{document}LaTeX body\\end{document}")
PDF = b"%PDF-1.7\n" + b"pdf body " * 50


class StandIn:
    """A tiny extractor: records each call; bytes containing BROKEN are unreadable."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str, int | None]] = []

    def __call__(
        self,
        data: bytes,
        kind: str | None = None,
        *,
        arxiv_id: str = "",
        version: int | None = None,
    ) -> FullText:
        self.calls.append((kind, arxiv_id, version))
        if b"BROKEN" in data:
            raise InputError("broken test document")
        body = data.decode("latin-1")[:60]
        return FullText(
            arxiv_id=arxiv_id,
            version=version,
            source=kind or "",
            title=f"{kind} title",
            sections=(Section("1", "Introduction", 1, body),),
        )


class FakeTime:
    """Injected clock and sleep: sleeping advances the clock, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
