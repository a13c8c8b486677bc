"""The daily run: fetch -> merge -> forget what was shown -> select -> summarize -> publish.

Why one module: the order of these steps is where paper bots lose papers or show them twice.
The rules kept here:

* Every source is tried; one that fails (after its own retries) is reported and the run
  goes on with the others. Only when every source fails does the run stop.
* Papers already shown are removed *before* selection, so yesterday's papers do not take
  today's ``max_papers`` slots.
* One run at a time: the whole run holds an OS lock next to the state store
  (:mod:`digestkit.sources.lock`), so overlapping runs take turns instead of overwriting
  each other's pages.
* The chosen papers are *claimed* in the state store before the (slow, paid) summaries; the
  claim becomes "shown" only after the archive JSON, README, feed and HTML page are written
  (atomically); a failure before writing releases it.
* A run killed at any point is settled by the next one (:func:`recover`): claims whose
  papers are in the archive become shown (and the pages are rendered again), the others
  are released and selected again, so each paper is published exactly once.
* An empty day (weekends, holidays) writes nothing and shows nothing: yesterday's page stays.
* A second run on the same day adds its new papers to that day's digest (nothing is lost
  from the pages or the archive).

Each published digest is also archived as ``digests/DATE.json`` in the output directory;
the feed is built from the most recent archived digests, so feed readers keep a history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.errors import DigestkitError, NetworkError
from digestkit.sources.base import Fetched
from digestkit.sources.config import SourcesConfig
from digestkit.sources.merge import merge
from digestkit.sources.select import Selection, select
from digestkit.sources.state import State

__all__ = ["FetchReport", "Published", "Recovered", "fetch_all", "plan", "publish", "recover"]

log = logging.getLogger(__name__)

FEED_ENTRIES = 50  # papers kept in the feed, newest digests first


@dataclass(frozen=True)
class FetchReport:
    """What the sources returned, what failed, and the merged, unseen, selected papers."""

    day: dt.date
    fetched: tuple[Fetched, ...] = ()
    errors: tuple[str, ...] = ()
    merged: int = 0
    unseen: int = 0
    selection: Selection = field(default_factory=lambda: Selection((), ()))
    recovered: int = 0  # papers an interrupted run published and this run recorded

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(s for f in self.fetched for s in f.skipped)

    def summary_line(self) -> str:
        per = ", ".join(f"{f.source} {len(f.entries)}" for f in self.fetched)
        failed = f"; {len(self.errors)} source(s) failed" if self.errors else ""
        return (
            f"{self.day}: fetched {self.merged} papers ({per or 'no source'}){failed}; "
            f"{self.unseen} not shown before; selected {len(self.selection.entries)}"
        )


Fetcher = Callable[[SourcesConfig, dt.date], Fetched]


def _fetchers(cfg: SourcesConfig) -> list[tuple[str, Fetcher]]:
    from digestkit.sources.arxiv import fetch_arxiv
    from digestkit.sources.hf_daily import fetch_hf_daily
    from digestkit.sources.semantic_scholar import fetch_semantic_scholar

    out: list[tuple[str, Fetcher]] = []
    if cfg.arxiv:
        a = cfg.arxiv
        out.append(("arxiv", lambda c, d: fetch_arxiv(a, d)))
    if cfg.hf_daily:
        h = cfg.hf_daily
        out.append(("hf_daily", lambda c, d: fetch_hf_daily(h, d)))
    if cfg.semantic_scholar:
        s = cfg.semantic_scholar
        out.append(("semantic_scholar", lambda c, d: fetch_semantic_scholar(s, d)))
    return out


def fetch_all(cfg: SourcesConfig, day: dt.date) -> tuple[list[Fetched], list[str]]:
    """Run every configured source; a failed source becomes an error line, not an exception.

    Raises the last error when every source failed (or a ``ConfigError``/``MissingKeyError``
    at once: those will not fix themselves on the next run either).
    """
    fetchers = _fetchers(cfg)
    if not fetchers:
        raise DigestkitError(
            "no sources configured: add [sources.arxiv], [sources.hf_daily] or "
            f"[sources.semantic_scholar] to {cfg.path or 'digestkit.toml'}"
        )
    fetched: list[Fetched] = []
    errors: list[str] = []
    last: NetworkError | None = None
    for name, fetch in fetchers:
        try:
            got = fetch(cfg, day)
            fetched.append(got)
            if got.incomplete:
                errors.append(f"{name}: incomplete: {got.incomplete}")
        except NetworkError as err:
            log.warning("%s failed: %s", name, err)
            errors.append(f"{name}: {err}")
            last = err
    if last is not None and not fetched:
        raise last
    return fetched, errors


def _state(cfg: SourcesConfig, *, readonly: bool) -> State | None:
    path = cfg.state_path()
    if readonly and not path.exists():
        return None
    return State(
        path,
        show_new_versions=cfg.state.show_new_versions,
        lease_seconds=cfg.state.lease_hours * 3600,
        readonly=readonly,
    )


def plan(cfg: SourcesConfig, day: dt.date, *, use_state: bool = True) -> FetchReport:
    """Fetch, merge, drop papers already shown (read-only) and select. Writes nothing."""
    fetched, errors = fetch_all(cfg, day)
    merged = merge(*(f.entries for f in fetched))
    unseen: list[Entry] = merged
    state = _state(cfg, readonly=True) if use_state else None
    if state is not None:
        with state:
            unseen = state.unseen(merged)
    selection = select(unseen, cfg.selection)
    return FetchReport(day, tuple(fetched), tuple(errors), len(merged), len(unseen), selection)


def make_digest(cfg: SourcesConfig, day: dt.date, entries: tuple[Entry, ...]) -> Digest:
    """The Digest value for ``entries`` with the ``[output]`` title and language."""
    names = [n for n, on in _SOURCE_NAMES if getattr(cfg, on) is not None]
    metadata = [("Sources", ", ".join(names))] if names else []
    if cfg.arxiv is not None and cfg.arxiv.categories:
        metadata.insert(0, ("Categories Monitored", ", ".join(cfg.arxiv.categories)))
    return Digest(
        title=f"{cfg.output.title} {day.isoformat()}",
        date=day,
        source="digestkit",
        language=cfg.output.language,
        entries=entries,
        metadata=tuple(metadata),
    )


_SOURCE_NAMES = (("arXiv", "arxiv"), ("Hugging Face Daily Papers", "hf_daily"),
                 ("Semantic Scholar", "semantic_scholar"))  # fmt: skip


NO_SUMMARY_NOTE = "No summary yet; the abstract is shown."
_INTERNAL = ("summary_error", "summary_warning")


def for_readers(digest: Digest) -> Digest:
    """``digest`` without the run's bookkeeping (``summarize.*``: template, run id, counts;
    an entry's ``summary_error``), which belongs in the archived JSON, not on the README,
    page or feed people read. A paper without a summary gets a neutral note instead of
    the error text (a backend's message is for the operator, not the reader).

    >>> d = Digest(metadata=(("Sources", "arXiv"), ("summarize.run", "b795")),
    ...            entries=(Entry(arxiv_id="1", metadata=(("summary_error", "HTTP 500"),)),))
    >>> shown = for_readers(d)
    >>> shown.metadata, shown.entries[0].metadata
    ((('Sources', 'arXiv'),), (('Note', 'No summary yet; the abstract is shown.'),))
    """
    from digestkit.faithfulness.review import publishable  # held summaries stay unpublished

    kept = tuple((k, v) for k, v in digest.metadata if not k.startswith("summarize."))
    shown = publishable(digest)
    return shown.replace(metadata=kept, entries=tuple(_reader_entry(e) for e in shown.entries))


def _reader_entry(e: Entry) -> Entry:
    meta = tuple((k, v) for k, v in e.metadata if k not in _INTERNAL)
    unsummarized = any(k == "summary_error" for k, _ in e.metadata)
    held = e.meta("faithfulness.status") == "held"
    if e.summary is None and (unsummarized or held):
        meta += (("Note", NO_SUMMARY_NOTE),)
    return dataclasses.replace(e, metadata=meta)


@dataclass(frozen=True)
class Published:
    """What :func:`publish` did: the report, the papers shown and the files written."""

    report: FetchReport
    digest: Digest | None
    files: tuple[Path, ...] = ()
    recorded: int = 0
    held: int = 0  # papers kept back without a summary ([output] unsummarized = "hold")

    @property
    def unsummarized(self) -> int:
        """Papers whose summary failed in this run (published with the abstract, or held)."""
        shown = sum(1 for e in self.digest.entries if e.summary is None) if self.digest else 0
        return shown + self.held


def _archive(out: Path) -> list[Digest]:
    """The archived digests in ``out/digests``, newest first (unreadable ones are skipped)."""
    found = []
    for path in sorted((out / "digests").glob("*.json"), reverse=True):
        try:
            found.append(Digest.from_json(path.read_text(encoding="utf-8"), path=str(path)))
        except (OSError, DigestkitError) as exc:
            log.warning("ignoring archived digest %s: %s", path, exc)
    return found


def _same_day(digest: Digest, archived: list[Digest]) -> tuple[Digest, list[Digest]]:
    """A second run on the same day adds to that day's digest instead of replacing it."""
    earlier = [d for d in archived if d.date == digest.date]
    others = [d for d in archived if d.date != digest.date]
    if not earlier:
        return digest, others
    new_keys = {e.key for e in digest.entries}
    kept = [e for e in earlier[0].entries if e.key not in new_keys]
    return digest.with_entries([*kept, *digest.entries]), others


def feed_digest(digest: Digest, previous: list[Digest], limit: int = FEED_ENTRIES) -> Digest:
    """Today's entries followed by earlier digests' entries, at most ``limit``, no repeats."""
    seen: set[str] = set()
    entries: list[Entry] = []
    for d in [digest, *previous]:
        for e in d.entries:
            if e.key not in seen and len(entries) < limit:
                seen.add(e.key)
                entries.append(e)
    return digest.with_entries(entries)


Renderer = Callable[..., str]  # render(digest, fmt, **options) -> str
Checkpoint = Callable[[str], None]  # called after each step of a run (crash tests)


def _default_render(digest: Digest, fmt: str, **options: Any) -> str:
    from digestkit.digest.render import render

    return render(digest, fmt, **options)


def _feed_options(cfg: SourcesConfig) -> dict[str, str]:
    site = cfg.output.site_url.rstrip("/")
    if not site:
        return {}
    self_url = f"{site}/{cfg.output.feed}"
    return {"link": site + "/", "self_url": self_url, "feed_id": self_url}


def _write_outputs(
    cfg: SourcesConfig, digest: Digest, render: Renderer, checkpoint: Checkpoint | None = None
) -> list[Path]:
    """Write the day's archive JSON, then the README, HTML page and feed rendered from it.

    The archive goes first because it is the record :func:`recover` trusts: a run killed
    after it is on disk has published its papers (the pages are rendered again from it);
    a run killed before has published nothing. Rendering happens before any write, so a
    render error leaves every file as it was.
    """
    from digestkit.fileio import Backup, write_atomic

    out = cfg.output_dir()
    archived = _archive(out)
    # Once the archive holds a digest, the pages are digestkit's own: rewrite them without
    # a backup. Before that, a README the user had there is kept once as README.md.orig.
    backup: Backup = "none" if archived else "first"
    (out / "digests").mkdir(parents=True, exist_ok=True)
    digest, previous = _same_day(digest, archived)
    feed = feed_digest(digest, previous).replace(title=cfg.output.title)
    shown, feed = for_readers(digest), for_readers(feed)
    assert digest.date is not None
    archive = out / "digests" / f"{digest.date.isoformat()}.json"
    targets = [
        (archive, digest.to_json()),
        (out / cfg.output.readme, render(shown, "md-bot")),
        (out / cfg.output.html, render(shown, "html")),
        (out / cfg.output.feed, render(feed, cfg.output.feed_format, **_feed_options(cfg))),
    ]
    for path, text in targets:
        write_atomic(path, text, backup=backup)
        if checkpoint is not None:
            checkpoint(f"wrote {path.name}")
    return [p for p, _ in targets]


def _no_checkpoint(step: str) -> None:
    return None


@dataclass(frozen=True)
class Recovered:
    """What :func:`recover` found of runs that died: papers published but not recorded
    (now recorded, pages rendered again) and claims never published (released)."""

    shown: int = 0
    released: int = 0


def recover(cfg: SourcesConfig, render: Renderer = _default_render) -> Recovered:
    """Settle the claims left by runs that died (call it holding the run lock).

    A claimed paper that is in an archived digest was published: it is marked shown and
    the pages are rendered again from the newest archive (a run killed between the archive
    and the pages). Any other claim is released, so this run selects the paper again.
    """
    path = cfg.state_path()
    if not path.exists():
        return Recovered()
    state = _state(cfg, readonly=False)
    assert state is not None
    with state:
        if not state.pending():
            return Recovered()
        archived = _archive(cfg.output_dir())
        published: dict[str, dt.date | None] = {}
        for d in archived:  # newest first: a paper's first appearance wins
            for e in d.entries:
                published.setdefault(e.key, d.date)
        marked, released = state.settle(published)
    if marked and archived:
        _write_outputs(cfg, archived[0], render)
    if marked or released:
        log.warning(
            "recovered from an interrupted run: %d papers recorded, %d released", marked, released
        )
    return Recovered(marked, released)


def publish(
    cfg: SourcesConfig,
    day: dt.date,
    *,
    summarize: Callable[[Digest], Digest] | None = None,
    render: Renderer = _default_render,
    on_wait: Callable[[str], None] | None = None,
    checkpoint: Checkpoint = _no_checkpoint,
) -> Published:
    """The whole daily run; see the module docstring for the order and the guarantees.

    ``summarize`` defaults to :func:`digestkit.summarizer.summarize` with the backends
    configured in the same digestkit.toml; ``render(digest, fmt)`` to
    :func:`digestkit.digest.render.render` (formats ``md-bot``, ``html``, ``atom``/``rss``).
    The whole run holds the state store's lock (:mod:`digestkit.sources.lock`);
    ``on_wait`` is told when another run holds it. ``checkpoint(step)`` is called after
    each step (``locked``, ``claimed``, ``summarized``, ``wrote FILE`` for each file,
    ``written``, ``committed``): the crash tests kill the process there.
    """
    from digestkit.sources.lock import lock_path, run_lock

    lock = lock_path(cfg.state_path())
    with run_lock(lock, timeout=cfg.state.lock_timeout, on_wait=on_wait):
        checkpoint("locked")
        recovered = recover(cfg, render)
        report = plan(cfg, day)
        report = dataclasses.replace(report, recovered=recovered.shown)
        if not report.selection.entries:
            return Published(report, None)
        return _publish_locked(cfg, day, report, summarize, render, checkpoint)


def _publish_locked(
    cfg: SourcesConfig,
    day: dt.date,
    report: FetchReport,
    summarize: Callable[[Digest], Digest] | None,
    render: Renderer,
    checkpoint: Checkpoint,
) -> Published:
    run_id = f"digest-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
    state = _state(cfg, readonly=False)
    assert state is not None
    with state:
        claimed = state.claim(report.selection.entries, run_id)
        if not claimed:
            return Published(report, None)
        checkpoint("claimed")
        writing = False
        try:
            digest = make_digest(cfg, day, tuple(claimed))
            digest = (summarize or _default_summarize(cfg))(digest)
            checkpoint("summarized")
            digest, held = _hold_back(cfg, digest)
            if held:  # not published: free them, the next run summarizes them again
                state.release_keys(run_id, held)
            if not digest.entries:
                state.release(run_id)
                return Published(report, None, held=len(held))
            writing = True
            files = _write_outputs(cfg, digest, render, checkpoint)
            checkpoint("written")
        except BaseException:
            # Nothing on disk shows them yet: free them now. Once writing began, the claims
            # stay for the next run's recover(), which looks at the archive to decide.
            if not writing:
                state.release(run_id)
            raise
        recorded = state.commit(run_id, day)
        checkpoint("committed")
    return Published(report, digest, tuple(files), recorded, len(held))


def _hold_back(cfg: SourcesConfig, digest: Digest) -> tuple[Digest, list[str]]:
    """With ``[output] unsummarized = "hold"``, the papers whose summary failed are kept
    out of the pages (and their keys returned); by default they are shown with the abstract."""
    if cfg.output.unsummarized != "hold":
        return digest, []
    held = [e.key for e in digest.entries if e.summary is None]
    return digest.with_entries([e for e in digest.entries if e.summary is not None]), held


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during the summaries; ``summary`` counts what got done (for the CLI line)."""

    def __init__(self, summary: str) -> None:
        super().__init__(summary)
        self.summary = summary


def _default_summarize(cfg: SourcesConfig) -> Callable[[Digest], Digest]:
    from digestkit.summarizer import PaperResult, summarize_run

    def run(digest: Digest) -> Digest:
        seen: list[str] = []

        def tally(result: PaperResult, _so_far: Digest) -> None:
            seen.append(result.status)

        try:
            return summarize_run(digest, config=cfg.path, on_result=tally).digest
        except KeyboardInterrupt:
            raise RunInterrupted(interrupted_line(seen, len(digest.entries))) from None

    return run


def interrupted_line(statuses: list[str], total: int) -> str:
    """What an interrupted run got done, by paper.

    >>> interrupted_line(["done", "cached", "failed", "done"], 9)
    'interrupted: 2 done, 1 cached, 1 failed, 5 not started; answers received are cached'
    """
    done = statuses.count("done")
    cached = statuses.count("cached") + statuses.count("kept")
    failed = statuses.count("failed")
    return (
        f"interrupted: {done} done, {cached} cached, {failed} failed, "
        f"{total - len(statuses)} not started; answers received are cached"
    )
