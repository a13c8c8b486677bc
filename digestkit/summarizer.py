"""The summarization pipeline: papers -> prompts -> router -> checked summaries -> Digest.

Why one orchestrator: a run of hundreds of papers must end with every paper either
summarized or *explicitly* failed (with the reason), survive being killed (every accepted
answer is in the cache the moment it arrives, so a re-run pays nothing for it) and never
pass off an abstract or a wrong-language answer as a summary.

Two entry points:

- :func:`summarize` returns the :class:`~digestkit.digest.model.Digest` with the template's
  summary added on every entry that succeeded (:meth:`Entry.with_summary`: next to the
  summaries of other templates, replacing one of the same template; a parsed bot summary,
  which has no template, is replaced). A failed entry gets ``metadata["summary_error"]``
  (the reason) and keeps every summary it came with; a summary kept in another language
  than the template's (``on_language_mismatch = "keep"``) gets
  ``metadata["summary_warning"]``. The ``faithfulness.*`` marks of the offline check are
  per entry: they describe the summary of the template last summarized, named by
  ``metadata["faithfulness.template"]`` (a summary of another template held for review
  stays held, see :func:`_faithfulness`). The digest's metadata records
  ``summarize.template``, ``summarize.run`` (the ledger's run id), ``summarize.done`` and
  ``summarize.failed``.
- :func:`summarize_run` does the same and also returns the :class:`SummaryRun` report
  (per-paper results, calls, tokens, cost); ``on_result`` is called as each paper finishes
  (the CLI uses it for its progress bar and to save the output as it goes).

Per paper: the template's prompt (paper text delimited as data) goes through the
:class:`~digestkit.backends.router.Router`; the answer is checked (sections, language,
not a copy of the source); a rejected answer gets one corrective retry with the problems
spelled out (not for deterministic backends, which would repeat themselves); then the
paper is marked failed.

>>> from digestkit.digest.model import Entry
>>> from digestkit.backends.cache import Store
>>> d = Digest(entries=(Entry(arxiv_id="2501.00001", abstract="We propose X. X is fast."),))
>>> run = summarize_run(d, template="en-tldr", store=Store(":memory:"))
>>> run.digest.entries[0].summary.sections[0][0], run.done, run.failed
('TL;DR', 1, 0)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from digestkit.backends.base import Completion, Prompt, Usage
from digestkit.backends.cache import Store
from digestkit.backends.checks import CheckResult, check_answer
from digestkit.backends.config import Settings, load_settings
from digestkit.backends.router import Router
from digestkit.digest.model import Digest, Entry, Summary
from digestkit.errors import BudgetExceeded, NetworkError, OutputCheckError
from digestkit.fulltext.source import Material, PaperSource
from digestkit.templates import (
    Template,
    build_prompt,
    corrective_prompt,
    load_template,
    source_text,
)

__all__ = [
    "CostEstimate",
    "PaperResult",
    "SummaryRun",
    "estimate_cost",
    "fulltext_budget",
    "paper_source",
    "resolve_source",
    "summarize",
    "summarize_run",
]

log = logging.getLogger(__name__)

# The templates whose summaries the entry's ``faithfulness.*`` marks describe (space-separated).
FAITHFULNESS_TEMPLATE = "faithfulness.template"
_STATUS = "faithfulness.status"


@dataclass(frozen=True)
class PaperResult:
    """The outcome for one entry. ``status``: ``done`` (new call), ``cached`` (free),
    ``kept`` (already had a summary of this template), ``failed`` (see ``error``)."""

    index: int
    key: str
    status: str
    summary: Summary | None = None
    error: str = ""
    backend: str = ""
    cost: float = 0.0
    usage: Usage = field(default_factory=Usage)
    warning: str = ""
    faithfulness: tuple[tuple[str, str], ...] = ()  # metadata from the offline check
    material: Material | None = field(default=None, compare=False, repr=False)


@dataclass
class SummaryRun:
    """The report of one run."""

    digest: Digest
    template: str
    run_id: str
    results: list[PaperResult]
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def done(self) -> int:
        return self.count("done")

    @property
    def cached(self) -> int:
        return self.count("cached") + self.count("kept")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def from_fulltext(self) -> int:
        """Summaries of this run written from the paper's full text."""
        return sum(
            r.summary is not None and r.summary.source.startswith("fulltext")
            for r in self.results
            if r.status != "failed"
        )

    def summary_line(self) -> str:
        u = self.usage
        written = self.done + self.count("cached")
        tried = any(r.material and (r.material.fulltext or r.material.error) for r in self.results)
        source = f" ({self.from_fulltext} of {written} from full text)" if tried else ""
        return (
            f"{self.done} done, {self.cached} cached, {self.failed} failed{source}; "
            f"{self.calls} calls, "
            f"{u.input_tokens} in / {u.output_tokens} out tokens "
            f"(cache read {u.cache_read_tokens}, write {u.cache_write_tokens}), "
            f"${self.cost:.4f}; run {self.run_id}"
        )


def _settings(config: Settings | str | os.PathLike[str] | None) -> Settings:
    return config if isinstance(config, Settings) else load_settings(config)


class _Paper:
    """Summarizes one entry (a small object so each step stays a short method)."""

    def __init__(
        self,
        router: Router,
        template: Template,
        keep_language: bool,
        source: PaperSource | None = None,
        faithfulness: str = "mark",
    ) -> None:
        self.router, self.template, self.keep_language = router, template, keep_language
        self.source = source or PaperSource("abstract")
        self.faithfulness = faithfulness  # [summarize] faithfulness: off | mark | hold
        self.bought: set[str] = set()  # answered by this run's batch: "done", not "cached"

    def prompt(self, entry: Entry, material: Material | None = None) -> tuple[Prompt, Material]:
        """The prompt for ``entry`` and the material it was built from."""
        material = material or self.source.material(entry)
        prompt = build_prompt(
            self.template,
            entry,
            max_chars=self.router.settings.summarize.max_source_chars,
            text=material.text,
            kind=material.kind,
        )
        return prompt, material

    def check(self, text: str, source: str = "") -> CheckResult:
        return check_answer(self.template, text, source=source)

    def validator(self, source: str) -> Callable[[Completion], list[str]]:
        def validate(c: Completion) -> list[str]:
            slot = self.router.slots.get(c.backend)
            extractive = slot is not None and not slot.backend.network
            r = self.check(c.text, "" if extractive else source)
            if self.keep_language and r.language_only:
                return []
            if extractive and r.language_only:
                return [*r.problems, "the offline backend quotes, it does not translate: use an "
                        'LLM route, or [summarize] on_language_mismatch = "keep"']  # fmt: skip
            if r.problems and c.finish_reason in ("max_tokens", "length"):
                return [*r.problems, f"answer cut at the output limit: raise "
                        f"backends.{c.backend}.max_output_tokens"]  # fmt: skip
            return r.problems

        return validate

    def complete(self, entry: Entry, material: Material) -> Completion:
        prompt, _ = self.prompt(entry, material)
        validate = self.validator(prompt.source)
        try:
            return self.router.complete(prompt, validate=validate)
        except OutputCheckError as err:
            slot = self.router.slots.get(err.context.get("backend", ""))
            if not self.router.policy.corrective_retry or (slot and slot.backend.deterministic):
                raise
            log.info("%s: corrective retry after: %s", entry.key, err)
            fixed = self.router.complete(
                corrective_prompt(prompt, list(err.context.get("problems", []))),
                validate=validate,
            )
            self.router.remember(prompt, fixed)
            return fixed

    def run(self, index: int, entry: Entry) -> PaperResult:
        material = self.source.material(entry)
        if material.failed:
            return PaperResult(index, entry.key, "failed", error=material.failed, material=material)
        if material.text is None and not source_text(entry):
            return PaperResult(index, entry.key, "failed", error="no abstract or text to summarize")
        try:
            c = self.complete(entry, material)
        except (OutputCheckError, NetworkError) as err:
            return PaperResult(index, entry.key, "failed", error=str(err), material=material)
        check = self.check(c.text)
        summary = Summary(
            language=check.language,
            backend=c.backend,
            model=c.model,
            template=self.template.id,
            sections=check.sections,
            raw=c.text,
            source=material.label,
        )
        status = "cached" if c.cached and entry.key not in self.bought else "done"
        usage = Usage() if c.cached else c.usage
        warning = ""
        if check.language != self.template.language:  # kept with on_language_mismatch = "keep"
            warning = f"summary is in {check.language}, template {self.template.id} wants "
            warning += self.template.language
        marks = self.check_faithfulness(summary, entry, material)
        return PaperResult(
            index, entry.key, status, summary, "", c.backend, c.cost, usage, warning,
            faithfulness=marks, material=material,
        )  # fmt: skip

    def check_faithfulness(
        self, summary: Summary, entry: Entry, material: Material | None = None
    ) -> tuple[tuple[str, str], ...]:
        """Score the accepted summary, offline, against the text it was written from: the
        full text when it was written from one (support is found anywhere in the paper),
        else the abstract."""
        if self.faithfulness == "off":
            return ()
        from digestkit.faithfulness import check_summary, metadata_of

        text = summary.text()
        source = material.fulltext if material and material.fulltext else source_text(entry)
        result = check_summary(text, source, lang=summary.language)
        return metadata_of(result, hold=self.faithfulness == "hold")


def _apply(entry: Entry, result: PaperResult) -> Entry:
    drop = ("summary_error", "summary_warning")
    meta = tuple(
        (k, v) for k, v in entry.metadata if k not in drop and not k.startswith("fulltext.")
    )
    if result.material is not None:
        meta += result.material.metadata()
    if result.warning:
        meta += (("summary_warning", result.warning),)
    if result.status == "failed":
        return dataclasses.replace(entry, metadata=(*meta, ("summary_error", result.error)))
    if result.summary is None:
        return entry
    marks = _faithfulness(meta, result.summary.template, result.faithfulness)
    meta = tuple((k, v) for k, v in meta if not k.startswith("faithfulness."))
    summarized = entry.with_summary(result.summary)
    return dataclasses.replace(summarized, metadata=meta + marks)


def _faithfulness(
    meta: tuple[tuple[str, str], ...], template: str, new: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """The entry's ``faithfulness.*`` marks after a summary of ``template`` got ``new``.

    The marks are per entry and describe the template last summarized, named (with any
    other template whose summary is still held) in ``faithfulness.template``. A summary of
    another template that waits for review stays held: its marks are kept when the new
    summary is not held, and both are held together when it is.

    >>> held = (("faithfulness.status", "held"), ("faithfulness.template", "ja-8q@1"))
    >>> _faithfulness(held, "zh-4part@1", (("faithfulness.status", "ok"),)) == held
    True
    >>> dict(_faithfulness(held, "zh-4part@1", (("faithfulness.status", "held"),)))
    {'faithfulness.status': 'held', 'faithfulness.template': 'ja-8q@1 zh-4part@1'}
    """
    old = {k: v for k, v in meta if k.startswith("faithfulness.")}
    name = template.partition("@")[0]
    others = [t for t in old.get(FAITHFULNESS_TEMPLATE, "").split() if t.partition("@")[0] != name]
    if old.get(_STATUS) == "held" and others:
        if dict(new).get(_STATUS) != "held":
            return tuple(old.items())
        return (*new, (FAITHFULNESS_TEMPLATE, " ".join([*others, template])))
    return (*new, (FAITHFULNESS_TEMPLATE, template)) if new else ()


def _finish(digest: Digest, entries: list[Entry], run: SummaryRun) -> Digest:
    drop = {"summarize.template", "summarize.run", "summarize.done", "summarize.failed"}
    meta = [(k, v) for k, v in digest.metadata if k not in drop]
    meta += [
        ("summarize.template", run.template),
        ("summarize.run", run.run_id),
        ("summarize.done", str(len(run.results) - run.failed)),
        ("summarize.failed", str(run.failed)),
    ]
    return digest.replace(entries=tuple(entries), metadata=tuple(meta))


class _Pool:
    """Runs papers on worker threads; results are handled in the calling thread."""

    _STOPPED = "run stopped before this paper: "

    def __init__(
        self,
        worker: _Paper,
        digest: Digest,
        entries: list[Entry],
        results: list[PaperResult],
        on_result: Callable[[PaperResult, Digest], None] | None,
    ) -> None:
        self.worker, self.digest, self.entries = worker, digest, entries
        self.results, self.on_result = results, on_result
        self.stop = threading.Event()
        self.reason = ""

    def task(self, i: int, entry: Entry) -> PaperResult:
        if self.stop.is_set():
            return PaperResult(i, entry.key, "failed", error=self._STOPPED + self.reason)
        try:
            return self.worker.run(i, entry)
        except BudgetExceeded as err:
            self.reason = "budget reached"
            self.stop.set()
            return PaperResult(i, entry.key, "failed", error=str(err))
        except Exception as err:  # a plugin's bug must not sink the other papers
            log.exception("%s: unexpected error", entry.key)
            return PaperResult(i, entry.key, "failed", error=f"{type(err).__name__}: {err}")

    def handle(self, result: PaperResult) -> None:
        self.results.append(result)
        self.entries[result.index] = _apply(self.entries[result.index], result)
        if self.on_result:
            self.on_result(result, self.digest.replace(entries=tuple(self.entries)))

    def run(self, todo: list[tuple[int, Entry]], workers: int) -> None:
        pool = ThreadPoolExecutor(workers, thread_name_prefix="digestkit-summarize")
        futures = [pool.submit(self.task, i, e) for i, e in todo]
        handled: set[int] = set()
        try:
            for fut in as_completed(futures):
                self.handle(fut.result())
                handled.add(id(fut))
        except BaseException:
            # Interrupted: start no new call and do not wait for calls in flight (a reply
            # that never comes would hold Ctrl-C for the whole timeout); the answers
            # already received are in the cache and handed on, so the saved output has them.
            self.reason = "interrupted"
            self.stop.set()
            self.worker.router.interrupt()
            pool.shutdown(wait=False, cancel_futures=True)
            for f in futures:
                if id(f) not in handled and f.done() and not f.cancelled() and not f.exception():
                    r = f.result()
                    if not r.error.startswith(self._STOPPED):
                        self.handle(r)
            raise
        pool.shutdown()


def summarize_run(
    digest: Digest,
    *,
    template: str | None = None,
    config: Settings | str | os.PathLike[str] | None = None,
    route: str | None = None,
    store: Store | None = None,
    router: Router | None = None,
    overwrite: bool = False,
    on_result: Callable[[PaperResult, Digest], None] | None = None,
    batch: bool = False,
    poll: Callable[[], None] | None = None,
    source: str | None = None,
    fulltext: Any = None,
) -> SummaryRun:
    """Summarize every entry of ``digest``; see the module docstring for what is returned.

    ``source`` (default ``[summarize] source``): ``"fulltext"``, ``"auto"`` or
    ``"abstract"``, see :mod:`digestkit.fulltext.source`. ``fulltext``: a
    :class:`~digestkit.fulltext.fetch.FulltextConfig` or a fetcher (anything with
    ``fetch(arxiv_id)``); by default the config file's ``[fulltext]`` section, or arXiv
    with the default settings when a full text is asked for and none is configured.

    ``template`` defaults to ``[summarize] template``; ``route`` to ``[summarize] route``.
    Entries that already carry a summary of the same template are kept unless
    ``overwrite`` (which replaces that one only; summaries of other templates stay).
    ``on_result(result, digest_so_far)`` runs in the calling thread.
    ``batch``: first send the papers through the first backend's batch API (see
    :mod:`digestkit.backends.batch`; ``poll()`` waits between status checks, default 30 s).
    Raises :class:`~digestkit.errors.ConfigError` / ``MissingKeyError`` before any call.
    """
    settings = router.settings if router else _settings(config)
    tpl = load_template(template or settings.summarize.template)
    if router is None:
        with (
            Router(settings, route=route, store=store) as own,
            paper_source(own, tpl, source, fulltext) as papers,
        ):
            return _run(digest, tpl, own, papers, overwrite, on_result, batch, poll)
    with paper_source(router, tpl, source, fulltext) as papers:
        return _run(digest, tpl, router, papers, overwrite, on_result, batch, poll)


def fulltext_budget(router: Router, template: Template) -> int:
    """Tokens a full text may take in a prompt of ``template`` on ``router``'s route: the
    smallest context window of the route (a fallback must fit it too), minus the answer,
    the instructions and a margin; capped by ``[summarize] max_fulltext_tokens``."""
    from digestkit.backends.limits import estimate_tokens

    windows = [router.slots[n].config for n in router.chain if n in router.slots]
    window = min((c.context_window() for c in windows), default=200_000)
    answer = max((c.output_tokens(template.max_tokens) for c in windows), default=4096)
    overhead = estimate_tokens(template.system + template.task) + 1_000
    budget = max(1_000, int((window - answer - overhead) * 0.95))
    cap = router.settings.summarize.max_fulltext_tokens
    return min(budget, cap) if cap else budget


def resolve_source(settings: Settings, source: str | None) -> str:
    """The source mode in force: the argument, ``[summarize] source``, else ``"auto"``
    when the config has a ``[fulltext]`` section and ``"abstract"`` when it has none."""
    return source or settings.summarize.source or ("auto" if _configured(settings) else "abstract")


def _configured(settings: Settings) -> Any:
    """The config file's ``[fulltext]`` section (``None`` when it has none)."""
    if not settings.path:
        return None
    from digestkit.fulltext.fetch import load_fulltext_config

    return load_fulltext_config(settings.path)


def paper_source(
    router: Router, template: Template, source: str | None = None, fulltext: Any = None
) -> PaperSource:
    """The :class:`PaperSource` for a run (close it after the run)."""
    chosen = source or router.settings.summarize.source
    # The config file's [fulltext] is read once, and only when something needs it.
    in_file = None if chosen and fulltext is not None else _configured(router.settings)
    mode = chosen or ("auto" if in_file else "abstract")
    if mode == "abstract":
        return PaperSource("abstract")
    budget = fulltext_budget(router, template)
    if fulltext is not None and hasattr(fulltext, "fetch"):
        return PaperSource(mode, fulltext, budget=budget)
    from digestkit.fulltext.fetch import FulltextConfig, FulltextFetcher

    cfg = fulltext if fulltext is not None else in_file
    fetcher = FulltextFetcher(cfg or FulltextConfig())
    return PaperSource(mode, fetcher, budget=budget, owns_fetcher=True)


def _run(
    digest: Digest,
    tpl: Template,
    router: Router,
    papers: PaperSource,
    overwrite: bool,
    on_result: Callable[[PaperResult, Digest], None] | None,
    batch: bool,
    poll: Callable[[], None] | None,
) -> SummaryRun:
    settings = router.settings
    router.begin_run()  # the [summarize] deadline counts from here
    worker = _Paper(
        router,
        tpl,
        settings.summarize.on_language_mismatch == "keep",
        papers,
        settings.summarize.faithfulness,
    )
    entries = list(digest.entries)
    results: list[PaperResult] = []
    todo = []
    for i, e in enumerate(entries):
        # An entry holds one summary per template: this template's summary is added next
        # to the others (a ja and a zh summary of one paper), and one already written is
        # kept unless --overwrite, which replaces only this template's.
        same = e.summary_for(tpl.id)
        if not overwrite and same is not None:
            results.append(PaperResult(i, e.key, "kept", same, backend=same.backend))
        else:
            todo.append((i, e))
    if batch:
        worker.bought = _batch_phase(worker, [e for _, e in todo], poll or (lambda: time.sleep(30)))
    pool = _Pool(worker, digest, entries, results, on_result)
    pool.run(todo, max(1, min(64, sum(s.config.concurrency for s in router.slots.values()))))
    results.sort(key=lambda r: r.index)
    s = router.stats
    run = SummaryRun(digest, tpl.id, router.run_id, results, s.calls, s.usage, s.cost)
    run.digest = _finish(digest, entries, run)
    return run


def _batch_phase(worker: _Paper, entries: list[Entry], poll: Callable[[], None]) -> set[str]:
    """Run the batch; the entry keys whose answers it bought in this run."""
    from digestkit.backends.batch import run_batch

    prompts = []
    for e in entries:
        prompt, material = worker.prompt(e)
        if not material.failed and (material.text is not None or source_text(e)):
            prompts.append(prompt)
    report = run_batch(
        worker.router, prompts, validate=lambda p: worker.validator(p.source), poll=poll
    )
    log.info("batch: %s", report)
    return report.accepted_keys


def summarize(
    digest: Digest,
    *,
    template: str | None = None,
    config: Settings | str | os.PathLike[str] | None = None,
    route: str | None = None,
    store: Store | None = None,
    overwrite: bool = False,
) -> Digest:
    """Summarize every entry; failures are marked on the entries (see module docstring)."""
    return summarize_run(
        digest, template=template, config=config, route=route, store=store, overwrite=overwrite
    ).digest


@dataclass(frozen=True)
class CostEstimate:
    """What a run would cost at most on the route's first backend (cache hits are free).
    ``fulltext_papers`` / ``fulltext_tokens``: papers whose prompt holds their full text,
    and the estimated tokens of those full texts (fetched, or read from the disk cache)."""

    backend: str
    papers: int
    cached: int
    input_tokens: int
    output_tokens: int
    worst_cost: float
    fulltext_papers: int = 0
    fulltext_tokens: int = 0

    def summary_line(self) -> str:
        todo = self.papers - self.cached
        source = ""
        if self.fulltext_papers:
            source = (
                f"; {self.fulltext_papers} from full text ({self.fulltext_tokens} tokens of "
                f"paper), {self.papers - self.fulltext_papers} from abstracts"
            )
        return (
            f"{todo} papers to summarize on {self.backend} ({self.cached} cached): at most "
            f"{self.input_tokens} input + {self.output_tokens} output tokens, "
            f"${self.worst_cost:.4f} before retries and corrective calls{source}"
        )


def estimate_cost(
    digest: Digest,
    *,
    template: str | None = None,
    config: Settings | str | os.PathLike[str] | None = None,
    route: str | None = None,
    router: Router | None = None,
    source: str | None = None,
    fulltext: Any = None,
) -> CostEstimate:
    """The worst-case cost of summarizing ``digest`` (no LLM calls are made; with a full
    text source the papers are fetched, into the disk cache the run then reads).

    >>> from digestkit.backends.cache import Store
    >>> d = Digest(entries=(Entry(arxiv_id="1", abstract="We propose X."),))
    >>> router = Router(Settings(), store=Store(":memory:"))
    >>> e = estimate_cost(d, template="en-tldr", router=router)
    >>> (e.backend, e.papers, e.cached, e.output_tokens, e.worst_cost)
    ('offline', 1, 0, 512, 0.0)
    """
    from digestkit.backends.limits import estimate_tokens

    router = router or Router(_settings(config), route=route)
    tpl = load_template(template or router.settings.summarize.template)
    name = router.chain[0]
    cfg = router.slots[name].config
    prompts: list[Prompt] = []
    ft_papers = ft_tokens = 0
    with paper_source(router, tpl, source, fulltext) as papers:
        worker = _Paper(router, tpl, False, papers)
        for e in digest.entries:
            prompt, material = worker.prompt(e)
            if material.failed or (material.text is None and not source_text(e)):
                continue
            prompts.append(prompt)
            if material.fulltext is not None:
                ft_papers, ft_tokens = ft_papers + 1, ft_tokens + material.tokens
    todo = [p for p in prompts if router.cached(p) is None]
    t_in = sum(estimate_tokens(p.system + p.user) for p in todo)
    t_out = sum(cfg.output_tokens(p.max_tokens) for p in todo)
    cost = cfg.price.cost(t_in, t_out)
    done = len(prompts) - len(todo)
    return CostEstimate(name, len(prompts), done, t_in, t_out, cost, ft_papers, ft_tokens)
