"""One data model for every digest: :class:`Digest` holds :class:`Entry` items, each with
optional LLM :class:`Summary` values (one per template/language: a ja and a zh summary of
the same paper live side by side on one entry).

Why one model: every bot writes its own format and none can read another's. Parsers turn
any format into these values; renderers turn them back into any format. The classes are
frozen (hashable, safe to share between threads) and serialize to JSON with a versioned
schema, documented in ``SCHEMA`` below.

>>> e = Entry(arxiv_id="2503.04504", version=1, title="AnyAnomaly")
>>> d = Digest(title="t", entries=(e,))
>>> Digest.from_dict(d.to_dict()) == d
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from digestkit.errors import InputError

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Digest", "Entry", "Summary", "split_arxiv_id"]

SCHEMA_VERSION = 2

SCHEMA = """digestkit digest JSON, schema_version 2

{
  "schema_version": 2,
  "title": str, "date": "YYYY-MM-DD" | null, "source": str, "language": str (BCP-47, "" unknown),
  "format": str (the format it was parsed from, "" if built in code),
  "metadata": {str: str},
  "entries": [{
      "arxiv_id": "2503.04504" (no version; "" when the entry has no arXiv paper),
      "version": int | null, "title": str, "url": str,
      "authors": [str], "categories": [str],
      "published": "YYYY-MM-DD" | null, "updated": "YYYY-MM-DD" | null,
      "score": float | null, "announce_type": "new" | "cross" | "replace" | ... | null,
      "abstract": str, "sources": [str], "metadata": {str: str},
      "summaries": [{"language": str, "backend": str, "model": str, "template": str,
                     "sections": [[heading, markdown], ...], "raw": str,
                     "source": "fulltext:html" | "fulltext:latex" | "fulltext:pdf" |
                               "abstract" | "" (what it was written from; optional)}, ...]
                   (one per template; the first is the primary summary; [] for none)
  }],
  "warnings": [{"line": int, "message": str, "text": str}]  (optional, written by
              `digestkit parse`: text the parser could not place; ignored on load)
}
Unknown keys are ignored on load; a larger schema_version is refused.
Version 1 files (each entry with one "summary": null | {...} instead of "summaries") are
still read: the summary becomes the entry's only one, and the file is written back as
version 2.
"""

_ARXIV_ID = re.compile(r"^(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?$")


def split_arxiv_id(text: str) -> tuple[str, int | None]:
    """Split ``2503.04504v2`` into ``("2503.04504", 2)``; old-style ids work too.

    >>> split_arxiv_id("2503.04504v2")
    ('2503.04504', 2)
    >>> split_arxiv_id("hep-th/9901001")
    ('hep-th/9901001', None)
    """
    m = _ARXIV_ID.match(text.strip())
    if not m:
        raise ValueError(f"not an arXiv id: {text!r}")
    return m.group("id"), int(m.group("v")) if m.group("v") else None


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _str(d: Mapping[str, Any], key: str) -> str:
    """A string field (missing or null -> ""); any other type is an error naming the key."""
    value = d.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _strs(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = d.get(key)
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{key}: expected a list of strings")
    return tuple(value)


def _int(d: Mapping[str, Any], key: str) -> int | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{key}: expected an integer, got {type(value).__name__}")
    return value


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not value:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    if not isinstance(value, Mapping) and not (
        isinstance(value, list | tuple)
        and all(isinstance(x, list | tuple) and len(x) == 2 for x in value)
    ):
        raise TypeError("metadata: expected an object of strings")
    return tuple((str(k), str(v)) for k, v in items)


@dataclass(frozen=True)
class Summary:
    """An LLM (or offline) summary of one paper.

    ``sections`` keeps the template's order: ``(("1. 既存研究…", "markdown"), ...)``.
    ``raw`` is the text as the backend returned it (or as found in the document).
    ``source`` is what it was written from: ``"fulltext:html"`` / ``"fulltext:latex"`` /
    ``"fulltext:pdf"`` (the paper's full text, read from that format), ``"abstract"``, or
    ``""`` when unknown (a summary parsed from a published digest).
    """

    language: str = ""
    backend: str = ""
    model: str = ""
    template: str = ""
    sections: tuple[tuple[str, str], ...] = ()
    raw: str = ""
    source: str = ""

    def text(self) -> str:
        """What the summary asserts: its non-empty section bodies, one per line (headings are
        template wording), or :attr:`raw` when it has no sections. Faithfulness checks read
        this, in the pipeline and in the evaluation alike.

        >>> Summary(sections=(("要約", "X は速い。"), ("結果", "- 20% 向上"))).text()
        'X は速い。\\n- 20% 向上'
        """
        bodies = [body.strip() for _head, body in self.sections if body.strip()]
        return "\n".join(bodies) if bodies else self.raw

    def section(self, heading: str) -> str | None:
        """The body of the first section whose heading contains ``heading``."""
        for head, body in self.sections:
            if heading in head:
                return body
        return None

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["sections"] = [list(s) for s in self.sections]
        if not self.source:  # optional key: files written before it existed stay identical
            del d["source"]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Summary:
        if not isinstance(d, Mapping):
            raise TypeError("summary: expected an object")
        sections = d.get("sections") or ()
        if not isinstance(sections, list | tuple) or not all(
            isinstance(x, list | tuple) and len(x) == 2 for x in sections
        ):
            raise TypeError("summary.sections: expected a list of [heading, text] pairs")
        return cls(
            language=_str(d, "language"),
            backend=_str(d, "backend"),
            model=_str(d, "model"),
            template=_str(d, "template"),
            sections=tuple((str(h), str(b)) for h, b in sections),
            raw=_str(d, "raw"),
            source=_str(d, "source"),
        )


def _template_name(template: str) -> str:
    """``ja-8q@1`` -> ``ja-8q``: summaries are one per template name, whatever its version."""
    return template.partition("@")[0]


def _summaries(d: Mapping[str, Any]) -> tuple[Summary, ...]:
    """The summaries of an entry object: ``"summaries"`` (version 2), else the version 1
    ``"summary"`` (one or null), migrated to a list of one."""
    if "summaries" in d and d["summaries"] is not None:
        value = d["summaries"]
        if not isinstance(value, list | tuple):
            raise TypeError("summaries: expected a list of summary objects")
        return tuple(Summary.from_dict(s) for s in value)
    return (Summary.from_dict(d["summary"]),) if d.get("summary") else ()


@dataclass(frozen=True)
class Entry:
    """One paper (or, in a checklist, one section) of a digest.

    ``summary`` is the primary summary (the first one written, or the one a bot
    published); ``summaries`` holds the others, one per template (e.g. a zh summary next
    to a ja one). Code that knows of one summary keeps working with ``summary``; an entry
    built with only ``summaries`` gets the first of them as ``summary``. Use
    :meth:`all_summaries`, :meth:`summary_for`, :meth:`with_summary` and
    :meth:`without_summary` rather than the two fields.

    >>> ja, zh = Summary(template="ja-8q", language="ja"), Summary(template="zh", language="zh")
    >>> e = Entry(summary=ja).with_summary(zh)
    >>> [s.language for s in e.all_summaries()], e.summary_for("zh") == zh
    (['ja', 'zh'], True)
    >>> e.without_summary("ja-8q").summary == zh
    True
    """

    arxiv_id: str = ""
    version: int | None = None
    title: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published: dt.date | None = None
    updated: dt.date | None = None
    score: float | None = None
    announce_type: str | None = None
    abstract: str = ""
    summary: Summary | None = None
    sources: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    summaries: tuple[Summary, ...] = ()

    def __post_init__(self) -> None:
        if self.summary is None and self.summaries:  # the first one is the primary summary
            object.__setattr__(self, "summary", self.summaries[0])
            object.__setattr__(self, "summaries", tuple(self.summaries[1:]))

    def all_summaries(self) -> tuple[Summary, ...]:
        """Every summary, the primary one first."""
        return ((self.summary,) if self.summary else ()) + tuple(self.summaries)

    def summary_for(self, template: str) -> Summary | None:
        """The summary written with ``template``, or None. Templates are compared by name:
        ``ja-8q``, ``ja-8q@1`` and ``ja-8q@2`` are one template (a new version of a
        template replaces its summary, it does not add a second one in the same language)."""
        name = _template_name(template)
        return next((s for s in self.all_summaries() if _template_name(s.template) == name), None)

    def with_summary(self, summary: Summary) -> Entry:
        """This entry with ``summary`` added, or replacing the one of the same template
        (in its place: the primary summary stays first). A summary without a template
        (parsed from a published digest) is what a digestkit summary replaces: it is
        dropped when a templated summary arrives."""
        name = _template_name(summary.template)
        kept = [s for s in self.all_summaries() if s.template]
        if not any(_template_name(s.template) == name for s in kept):
            kept.append(summary)
        else:
            kept = [summary if _template_name(s.template) == name else s for s in kept]
        return self._summarized(kept)

    def without_summary(self, template: str) -> Entry:
        """This entry without the summary of ``template`` (the next one becomes primary)."""
        name = _template_name(template)
        rest = [s for s in self.all_summaries() if _template_name(s.template) != name]
        return self._summarized(rest)

    def _summarized(self, summaries: list[Summary]) -> Entry:
        first = summaries[0] if summaries else None
        return dataclasses.replace(self, summary=first, summaries=tuple(summaries[1:]))

    @property
    def key(self) -> str:
        """A stable identity: the arXiv id when there is one, else the URL, else the title."""
        return self.arxiv_id or self.url or self.title

    def meta(self, name: str, default: str | None = None) -> str | None:
        return dict(self.metadata).get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "url": self.url,
            "authors": list(self.authors),
            "categories": list(self.categories),
            "published": self.published.isoformat() if self.published else None,
            "updated": self.updated.isoformat() if self.updated else None,
            "score": self.score,
            "announce_type": self.announce_type,
            "abstract": self.abstract,
            "summaries": [s.to_dict() for s in self.all_summaries()],
            "sources": list(self.sources),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Entry:
        if not isinstance(d, Mapping):
            raise TypeError("expected an object")
        score = d.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise TypeError(f"score: expected a number, got {type(score).__name__}")
        return cls(
            arxiv_id=_str(d, "arxiv_id"),
            version=_int(d, "version"),
            title=_str(d, "title"),
            url=_str(d, "url"),
            authors=_strs(d, "authors"),
            categories=_strs(d, "categories"),
            published=_date(d.get("published")),
            updated=_date(d.get("updated")),
            score=float(score) if score is not None else None,
            announce_type=_str(d, "announce_type") or None,
            abstract=_str(d, "abstract"),
            summaries=_summaries(d),
            sources=_strs(d, "sources"),
            metadata=_pairs(d.get("metadata")),
        )


@dataclass(frozen=True)
class Digest:
    """A digest: a titled, dated list of entries, plus where it came from."""

    title: str = ""
    date: dt.date | None = None
    source: str = ""
    language: str = ""
    entries: tuple[Entry, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    format: str = field(default="", compare=False)

    def replace(self, **changes: Any) -> Digest:
        return dataclasses.replace(self, **changes)

    def with_entries(self, entries: Iterable[Entry]) -> Digest:
        return dataclasses.replace(self, entries=tuple(entries))

    def meta(self, name: str, default: str | None = None) -> str | None:
        return dict(self.metadata).get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "language": self.language,
            "format": self.format,
            "metadata": dict(self.metadata),
            "entries": [e.to_dict() for e in self.entries],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, path: str | None = None) -> Digest:
        version = d.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise InputError(
                f"digest schema_version {version!r} is newer than this digestkit "
                f"understands ({SCHEMA_VERSION}); upgrade digestkit",
                path=path,
            )
        entries = d.get("entries") or []
        if not isinstance(entries, list):
            raise InputError("not a digest JSON document: entries: expected a list", path=path)
        parsed = []
        for i, e in enumerate(entries):
            try:
                parsed.append(Entry.from_dict(e))
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                raise InputError(
                    f"not a digest JSON document: entries[{i}]: {exc}", path=path
                ) from None
        try:
            return cls(
                title=_str(d, "title"),
                date=_date(d.get("date")),
                source=_str(d, "source"),
                language=_str(d, "language"),
                entries=tuple(parsed),
                metadata=_pairs(d.get("metadata")),
                format=_str(d, "format"),
            )
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise InputError(f"not a digest JSON document: {exc}", path=path) from None

    @classmethod
    def from_json(cls, text: str, *, path: str | None = None) -> Digest:
        from digestkit.jsonio import load_json

        data = load_json(text, path=path)
        if not isinstance(data, Mapping):
            raise InputError("a digest JSON document must be an object", path=path, line=1)
        return cls.from_dict(data, path=path)
