"""The ``hold`` queue: summaries the offline check flagged, kept back until a person decides.

With ``[summarize] faithfulness = "hold"`` a flagged summary's entry gets
``faithfulness.status = "held"``. A person lists them and approves (the summary may be
published) or rejects them (the summary is removed; the entry stays, with its other
summaries if it has some: ``faithfulness.template`` names the held ones). Pure
functions on a :class:`~digestkit.digest.model.Digest`; ``digestkit review`` is the CLI;
:func:`publishable` is what ``digestkit digest`` shows readers (no held summary).

>>> from digestkit.digest.model import Digest, Entry
>>> d = Digest(title="t", entries=(Entry(arxiv_id="1", title="A",
...            metadata=(("faithfulness.status", "held"),)),))
>>> [e.arxiv_id for e in held(d)]
['1']
>>> held(decide(d, approve=["1"])), decide(d, approve=["1"]).entries[0].meta("faithfulness.status")
([], 'approved')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from digestkit.digest.model import Digest, Entry
from digestkit.errors import InputError

__all__ = ["decide", "held", "publishable"]

STATUS = "faithfulness.status"
TEMPLATE = "faithfulness.template"  # the templates whose summaries STATUS is about


def held(digest: Digest) -> list[Entry]:
    """The entries waiting for a decision."""
    return [e for e in digest.entries if e.meta(STATUS) == "held"]


def decide(digest: Digest, *, approve: Iterable[str] = (), reject: Iterable[str] = ()) -> Digest:
    """``approve``/``reject`` held entries by key (arXiv id); an unknown or not-held key is
    an :class:`InputError`, so a typo never passes silently."""
    verdicts = {k: "approved" for k in approve} | {k: "rejected" for k in reject}
    waiting = {e.key for e in held(digest)} | {e.arxiv_id for e in held(digest)}
    unknown = sorted(k for k in verdicts if k not in waiting)
    if unknown:
        raise InputError(f"not held for review: {', '.join(unknown)}")
    entries = []
    for e in digest.entries:
        verdict = verdicts.get(e.key) or verdicts.get(e.arxiv_id)
        if verdict is None or e.meta(STATUS) != "held":
            entries.append(e)
            continue
        meta = tuple((k, v) for k, v in e.metadata if k != STATUS) + ((STATUS, verdict),)
        kept = e if verdict == "approved" else _without_held(e)
        entries.append(dataclasses.replace(kept, metadata=meta))
    return digest.replace(entries=tuple(entries))


def _without_held(e: Entry) -> Entry:
    """``e`` without its held summaries: those of the templates ``faithfulness.template``
    names (an entry can carry a ja and a zh summary, and only one may be held); every
    summary when it names none (files written before the key existed)."""
    templates = (e.meta(TEMPLATE) or "").split()
    if not templates:
        return dataclasses.replace(e, summary=None, summaries=())
    for template in templates:
        e = e.without_summary(template)
    return e


def publishable(digest: Digest) -> Digest:
    """What readers may see: a held summary is left out (its paper stays listed, as when a
    summary failed) until a person approves it.

    >>> from digestkit.digest.model import Entry, Summary
    >>> e = Entry(arxiv_id="1", title="A", summary=Summary(raw="x"),
    ...           metadata=(("faithfulness.status", "held"),))
    >>> publishable(Digest(entries=(e,))).entries[0].summary is None
    True
    """
    entries = tuple(_without_held(e) if e.meta(STATUS) == "held" else e for e in digest.entries)
    return digest.replace(entries=entries)
