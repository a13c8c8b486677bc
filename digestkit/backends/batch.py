"""Bulk runs through a batch API (Anthropic Message Batches): half price, hours of latency.

Why the care: a batch can take up to a day, and the process that submitted it may not be
the one that collects it. The batch id and the request map (``custom_id`` -> cache key) are
written to the SQLite store right after submission and *before* any polling; a later run
finds pending batches there, polls them instead of submitting again, and files each result
into the ledger and the cache. Afterwards the normal pipeline runs: batch answers are
cache hits, and whatever the batch did not deliver (errors, rejected answers) goes through
the router with its retries, fallbacks and corrective retry.

A backend supports batches when it has ``submit_batch``, ``batch_status`` and
``batch_results`` (the ``anthropic`` backend does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from digestkit.backends.base import Completion, Prompt
from digestkit.backends.router import Router, Validator, estimate_tokens
from digestkit.errors import ConfigError

__all__ = ["BatchReport", "run_batch", "supports_batch"]

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    submitted: int = 0
    resumed_batches: int = 0
    accepted: int = 0
    not_accepted: int = 0
    accepted_keys: set[str] = field(default_factory=set)  # entry keys


def supports_batch(backend: object) -> bool:
    return all(hasattr(backend, m) for m in ("submit_batch", "batch_status", "batch_results"))


def _collect(
    router: Router,
    name: str,
    batch_id: str,
    prompts: dict[str, Prompt],
    validate: Callable[[Prompt], Validator],
    report: BatchReport,
    poll: Callable[[], None],
) -> None:
    backend = router.slots[name].backend
    factor = 1.0 - router.slots[name].config.price.batch_discount
    while backend.batch_status(batch_id) != "ended":  # type: ignore[attr-defined]
        poll()
    for custom_id, result in backend.batch_results(batch_id):  # type: ignore[attr-defined]
        prompt = prompts.get(custom_id)
        if prompt is None:
            continue
        accepted = router.ingest(
            name, prompt, result, validate=validate(prompt), price_factor=factor
        )
        if isinstance(accepted, Completion):
            report.accepted += 1
            report.accepted_keys.add(prompt.entry_key)
        else:
            report.not_accepted += 1
    router.store.finish_batch(batch_id)


def run_batch(
    router: Router,
    prompts: Sequence[Prompt],
    *,
    validate: Callable[[Prompt], Validator],
    poll: Callable[[], None],
) -> BatchReport:
    """Fill the cache for ``prompts`` through the first backend of the route's batch API.

    Pending batches of that backend (from a run that died) are collected first; only
    prompts neither cached nor pending are submitted. ``validate(prompt)`` gives the
    validator for a prompt; ``poll()`` waits between status checks.
    """
    name = router.chain[0]
    if not supports_batch(router.slots[name].backend):
        raise ConfigError(
            f"backend {name!r} has no batch API (use an anthropic backend or drop --batch)",
            key=f"backends.{name}.kind",
        )
    report = BatchReport()
    by_key = {router.key(name, p): p for p in prompts}
    for batch_id, request_map in router.store.pending_batches(name):
        mine = {cid: by_key[k] for cid, k in request_map.items() if k in by_key}
        log.info("collecting batch %s from an earlier run (%d requests)", batch_id, len(mine))
        report.resumed_batches += 1
        _collect(router, name, batch_id, mine, validate, report, poll)
    todo = {f"r{i}": p for i, p in enumerate(prompts) if router.cached(p, validate(p)) is None}
    if not todo:
        return report
    cfg = router.slots[name].config
    worst = sum(
        cfg.price.cost(estimate_tokens(p.system + p.user), cfg.output_tokens(p.max_tokens))
        for p in todo.values()
    ) * (1.0 - cfg.price.batch_discount)
    router.budget.reserve(worst)
    router.budget.settle(worst, 0.0)
    batch_id = router.slots[name].backend.submit_batch(todo)  # type: ignore[attr-defined]
    router.store.save_batch(batch_id, name, {cid: router.key(name, p) for cid, p in todo.items()})
    report.submitted = len(todo)
    log.info("submitted batch %s with %d requests", batch_id, len(todo))
    _collect(router, name, batch_id, todo, validate, report, poll)
    return report
