"""A paper's full text as data: :class:`FullText` with its sections, tables, captions,
footnotes and references, whatever format it was read from (arXiv HTML, LaTeX source, PDF).

Why one model: summaries are written from it, faithfulness checks search it and cite where
support was found (``4.2 Results, Table 3``), and the fetch cache stores it; three
extractors with three shapes would give three of everything downstream. The classes are
frozen and serialize to JSON with a versioned schema (``SCHEMA``), like the digest model.

Section text is plain text with light Markdown (paragraphs separated by blank lines, lists
as ``- ``), math kept as TeX between ``$...$`` (``$$...$$`` for display math). References
never appear inside section text; footnotes are moved out of it into ``footnotes``.

>>> ft = FullText(arxiv_id="2501.00001", version=2, source="latex", title="X",
...               sections=(Section("1", "Introduction", 1, "We study $x$."),))
>>> FullText.from_json(ft.to_json()) == ft
True
>>> ft.sections[0].label
'1 Introduction'
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from digestkit.digest.model import split_arxiv_id
from digestkit.errors import InputError

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "SOURCE_KINDS",
    "FullText",
    "Section",
    "Table",
    "split_id",
]

SCHEMA_VERSION = 1
SOURCE_KINDS = ("html", "latex", "pdf")

SCHEMA = """digestkit full-text JSON, schema_version 1

{
  "schema_version": 1,
  "arxiv_id": "2501.00001" (no version; "" for a local file without one),
  "version": int | null,
  "source": "html" | "latex" | "pdf",
  "title": str, "abstract": str,
  "sections": [{"number": "4.2" | "" , "heading": str, "level": int (1 = section),
                "text": str (plain text / light Markdown, math as $TeX$),
                "appendix": bool}],
  "tables": [{"label": "Table 3" | "", "caption": str, "rows": [[str, ...], ...],
              "section": int | null (index into sections)}],
  "captions": [str]  (figure and table captions, "Figure 1: ..." in document order),
  "footnotes": [str],
  "references": [str],
  "license": str (URL, "" unknown),
  "warnings": [str]  (unresolved macro, missing \\input file, no text layer, ...)
}
Unknown keys are ignored on load; a larger schema_version is refused.
"""


def split_id(arxiv_id: str) -> tuple[str, int | None]:
    """``"2501.00001v2"`` -> ``("2501.00001", 2)``; anything that is not an arXiv id is
    returned as it is (:func:`digestkit.digest.model.split_arxiv_id`, which raises, is the
    rule both follow).

    >>> split_id("2501.00001v2"), split_id("hep-th/9901001"), split_id("x")
    (('2501.00001', 2), ('hep-th/9901001', None), ('x', None))
    """
    try:
        return split_arxiv_id(arxiv_id)
    except ValueError:
        return arxiv_id, None


@dataclass(frozen=True)
class Section:
    """One section (or subsection, paragraph heading) in document order.

    ``level`` is 1 for a section, 2 for a subsection, 3 below; ``number`` is what the paper
    prints (``"4.2"``, ``"A"``, ``"IV-B"``), ``""`` when unnumbered.
    """

    number: str = ""
    heading: str = ""
    level: int = 1
    text: str = ""
    appendix: bool = False

    @property
    def label(self) -> str:
        """``"4.2 Results"``: how a citation of this section reads."""
        return f"{self.number} {self.heading}".strip()


@dataclass(frozen=True)
class Table:
    """A table: its caption and its grid (header rows included, as printed)."""

    label: str = ""
    caption: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    section: int | None = None

    def text(self) -> str:
        """The table as tab-separated lines (what a prompt or a search sees)."""
        return "\n".join("\t".join(r) for r in self.rows)


@dataclass(frozen=True)
class FullText:
    """The whole paper. See the module docstring and ``SCHEMA``."""

    arxiv_id: str = ""
    version: int | None = None
    source: str = ""
    title: str = ""
    abstract: str = ""
    sections: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = ()
    captions: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    license: str = ""
    warnings: tuple[str, ...] = field(default=())

    def replace(self, **changes: Any) -> FullText:
        return replace(self, **changes)

    # -- views -----------------------------------------------------------------------------

    def body(self) -> Iterator[tuple[str, str]]:
        """``(where, text)`` pieces of the paper in reading order: the abstract, every
        section, every table (as tab-separated rows), captions and footnotes. ``where`` is
        what a citation shows: ``"Abstract"``, ``"4.2 Results"``, ``"Table 3"``.
        References are not part of the body."""
        if self.abstract:
            yield "Abstract", self.abstract
        for s in self.sections:
            if s.text or s.heading:
                yield s.label or "(untitled section)", s.text
        for i, t in enumerate(self.tables):
            where = t.label or f"Table {i + 1}"
            if t.section is not None and 0 <= t.section < len(self.sections):
                where = f"{self.sections[t.section].label}, {where}"
            yield where, "\n".join(x for x in (t.caption, t.text()) if x)
        for c in self.captions:
            yield _caption_label(c), c
        for f in self.footnotes:
            yield "Footnote", f

    def plain_text(self) -> str:
        """The body as one text (headings as lines of their own), without references."""
        parts = []
        for where, text in self.body():
            parts.append(f"{where}\n{text}".strip())
        return "\n\n".join(parts)

    def to_markdown(self) -> str:
        """The paper as Markdown: title, abstract, sections with ``#`` headings by level,
        tables as pipe tables, footnotes and references at the end."""
        out = [f"# {self.title}".rstrip()] if self.title else []
        if self.abstract:
            out += ["## Abstract", self.abstract]
        for s in self.sections:
            out.append("#" * min(6, s.level + 1) + " " + (s.label or "(untitled)"))
            if s.text:
                out.append(s.text)
        for t in self.tables:
            out.append(f"**{t.label or 'Table'}**: {t.caption}".rstrip(": "))
            out.append(_pipe_table(t.rows))
        if self.footnotes:
            out += ["## Footnotes", "\n".join(f"- {f}" for f in self.footnotes)]
        if self.references:
            out += ["## References", "\n".join(f"- {r}" for r in self.references)]
        return "\n\n".join(x for x in out if x) + "\n"

    # -- JSON ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "source": self.source,
            "title": self.title,
            "abstract": self.abstract,
            "sections": [asdict(s) for s in self.sections],
            "tables": [
                {
                    "label": t.label,
                    "caption": t.caption,
                    "rows": [list(r) for r in t.rows],
                    "section": t.section,
                }  # fmt: skip
                for t in self.tables
            ],
            "captions": list(self.captions),
            "footnotes": list(self.footnotes),
            "references": list(self.references),
            "license": self.license,
            "warnings": list(self.warnings),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, path: str | None = None) -> FullText:
        try:
            return cls._from_dict(d, path)
        except InputError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise InputError(f"not a digestkit full-text object: {exc}", path=path) from exc

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any], path: str | None) -> FullText:
        if not isinstance(d, Mapping):
            raise InputError("not a digestkit full-text object (expected a JSON object)", path=path)
        version = d.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise InputError(
                f"full-text schema_version {version!r} is newer than this digestkit "
                f"understands ({SCHEMA_VERSION}); upgrade digestkit",
                path=path,
            )
        v = d.get("version")
        return cls(
            arxiv_id=str(d.get("arxiv_id") or ""),
            version=int(v) if v is not None else None,
            source=str(d.get("source") or ""),
            title=str(d.get("title") or ""),
            abstract=str(d.get("abstract") or ""),
            sections=tuple(
                Section(
                    number=str(s.get("number") or ""),
                    heading=str(s.get("heading") or ""),
                    level=int(s.get("level") or 1),
                    text=str(s.get("text") or ""),
                    appendix=bool(s.get("appendix", False)),
                )
                for s in d.get("sections") or ()
            ),
            tables=tuple(
                Table(
                    label=str(t.get("label") or ""),
                    caption=str(t.get("caption") or ""),
                    rows=tuple(tuple(str(c) for c in r) for r in t.get("rows") or ()),
                    section=int(t["section"]) if t.get("section") is not None else None,
                )
                for t in d.get("tables") or ()
            ),
            captions=tuple(str(c) for c in d.get("captions") or ()),
            footnotes=tuple(str(c) for c in d.get("footnotes") or ()),
            references=tuple(str(c) for c in d.get("references") or ()),
            license=str(d.get("license") or ""),
            warnings=tuple(str(c) for c in d.get("warnings") or ()),
        )

    @classmethod
    def from_json(cls, text: str, *, path: str | None = None) -> FullText:
        from digestkit.jsonio import load_json

        return cls.from_dict(load_json(text, path=path), path=path)


def _caption_label(caption: str) -> str:
    head = caption.split(":", 1)[0].strip()
    return head if 0 < len(head) <= 20 else "Caption"


def _pipe_table(rows: tuple[tuple[str, ...], ...]) -> str:
    if not rows:
        return ""
    width = max(len(r) for r in rows)

    def line(r: tuple[str, ...]) -> str:
        cells = [c.replace("|", "\\|").replace("\n", " ") for c in r] + [""] * (width - len(r))
        return "| " + " | ".join(cells) + " |"

    return "\n".join([line(rows[0]), "|" + "---|" * width, *(line(r) for r in rows[1:])])
