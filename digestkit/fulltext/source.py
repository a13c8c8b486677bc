"""What a summary is written from: the paper's full text (fetched, fitted to the context)
or its abstract, decided per paper, and recorded.

Why a module between the summarizer and the fetcher: the summarizer must not know about
HTTP, caches or formats, and the fetcher must not know about context windows or
templates. This module turns an :class:`~digestkit.digest.model.Entry` into the text to
send plus what to record (``Summary.source``, what was left out, why there was no full
text), under one of three modes:

- ``"abstract"``: never fetch;
- ``"auto"``: the full text when it can be had, else the abstract (the entry says why);
- ``"fulltext"``: the full text or the paper fails with the reason (nothing is passed off
  as a full-text summary).

Fetching is serialized (one paper at a time through one fetcher): arXiv asks for one
connection and seconds between requests, and the fetcher's per-host delay does the rest.

>>> from digestkit.digest.model import Entry
>>> src = PaperSource("abstract")
>>> m = src.material(Entry(arxiv_id="2501.00001", abstract="We propose X."))
>>> (m.text, m.kind, m.label, m.failed)
(None, 'abstract', 'abstract', '')
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from digestkit.digest.model import Entry
from digestkit.fulltext.fit import fit_fulltext
from digestkit.fulltext.model import FullText

__all__ = ["MODES", "Material", "PaperSource"]

log = logging.getLogger(__name__)

MODES = ("fulltext", "auto", "abstract")


class _Fetcher(Protocol):
    def fetch(self, arxiv_id: str) -> Any: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Material:
    """The text for one paper's prompt and what to record about it.

    ``text`` ``None`` means the prompt's default (the abstract); ``kind`` is what the
    prompt tells the model (``"full text"`` / ``"abstract"``); ``label`` goes to
    ``Summary.source``; ``note`` says what was left out to fit the context; ``error`` why
    there is no full text (``auto`` fell back); ``failed`` non-empty means the paper
    cannot be summarized in this mode.
    """

    text: str | None
    kind: str
    label: str
    fulltext: FullText | None = None
    note: str = ""
    error: str = ""
    failed: str = ""
    tokens: int = 0
    fetched_from: str = ""

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Entry metadata recording it (``fulltext.*`` keys; none for a plain abstract)."""
        meta: list[tuple[str, str]] = []
        if self.fulltext is not None:
            meta.append(("fulltext.source", self.fetched_from))
            meta.append(("fulltext.tokens", str(self.tokens)))
            if self.note:
                meta.append(("fulltext.left_out", self.note))
        if self.error:
            meta.append(("fulltext.error", self.error))
        return tuple(meta)


def _versioned(entry: Entry) -> str:
    return f"{entry.arxiv_id}v{entry.version}" if entry.version else entry.arxiv_id


class PaperSource:
    """Decides and fetches what each paper's summary is written from (thread-safe).

    ``fetcher``: anything with ``fetch(arxiv_id) -> Fetched`` (see
    :class:`digestkit.fulltext.fetch.FulltextFetcher`); ``budget``: tokens a full text may
    take in the prompt; ``owns_fetcher``: close it with this object.
    """

    def __init__(
        self,
        mode: str,
        fetcher: _Fetcher | None = None,
        *,
        budget: int = 100_000,
        owns_fetcher: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown source mode {mode!r} (expected one of {MODES})")
        self.mode, self.fetcher, self.budget = mode, fetcher, budget
        self._owns = owns_fetcher
        self._lock = threading.Lock()
        self._memo: dict[str, Material] = {}

    def close(self) -> None:
        if self._owns and self.fetcher is not None:
            self.fetcher.close()

    def __enter__(self) -> PaperSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def material(self, entry: Entry) -> Material:
        """The material for ``entry`` (fetched once per run, then remembered)."""
        if self.mode == "abstract" or self.fetcher is None:
            return Material(None, "abstract", "abstract")
        if not entry.arxiv_id:
            return self._fallback(entry, "no arXiv id to fetch the full text by")
        key = _versioned(entry)
        with self._lock:
            if key not in self._memo:
                self._memo[key] = self._fetch(entry, key)
            return self._memo[key]

    def _fetch(self, entry: Entry, key: str) -> Material:
        assert self.fetcher is not None
        try:
            fetched = self.fetcher.fetch(key)
        except (
            Exception
        ) as err:  # the fetcher reports problems in attempts; a bug must not sink the run
            log.exception("%s: full-text fetch failed", key)
            return self._fallback(entry, f"full text not fetched: {type(err).__name__}: {err}")
        ft = getattr(fetched, "fulltext", None)
        if ft is None or not (ft.sections or ft.abstract):
            reason = getattr(fetched, "error", "") or "the full text has no readable text"
            return self._fallback(entry, f"no full text: {reason}")
        if not ft.title and entry.title:
            ft = ft.replace(title=entry.title)
        if not ft.abstract and entry.abstract:
            ft = ft.replace(abstract=entry.abstract)
        fitted = fit_fulltext(ft, self.budget)
        version = f"v{ft.version}" if ft.version else ""
        where = f"{ft.source} {ft.arxiv_id or entry.arxiv_id}{version}".strip()
        return Material(
            fitted.text,
            "full text",
            f"fulltext:{ft.source}" if ft.source else "fulltext",
            ft,
            fitted.note(),
            tokens=fitted.tokens,
            fetched_from=where,
        )

    def _fallback(self, entry: Entry, reason: str) -> Material:
        if self.mode == "fulltext":
            return Material(None, "abstract", "abstract", error=reason, failed=reason)
        log.info("%s: summarized from the abstract (%s)", entry.key, reason)
        return Material(None, "abstract", "abstract", error=reason)
