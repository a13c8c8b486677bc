"""digestkit: repair, parse, summarize, evaluate and publish research-paper digests.

The curated public API. Everything here is importable from ``digestkit`` directly; the
heavier parts (markdown-it-py, the LLM SDKs, the repair model) load on first use, so
``import digestkit`` stays cheap for a bot that only needs the model or ``repair_text``::

    from digestkit import repair_text, parse_digest, render, summarize, score_faithfulness

    fixed = repair_text("è®ºæ–‡æ€»ç»“").text                 # '论文总结'
    digest = parse_digest(open("README.md", "rb").read()).digest
    digest = summarize(digest, template="zh-4part")           # offline backend by default
    html = render(digest, "html")

Subpackages: :mod:`digestkit.repair`, :mod:`digestkit.digest`, :mod:`digestkit.sources`,
:mod:`digestkit.backends`, :mod:`digestkit.faithfulness`, :mod:`digestkit.evaluation`.

>>> from digestkit import repair_text
>>> repair_text("cafÃ©").text
'café'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from digestkit.errors import (
    AuthError,
    BudgetExceeded,
    ConfigError,
    DecodeError,
    DigestkitError,
    InputError,
    LimitExceeded,
    MissingKeyError,
    NetworkError,
    OutputCheckError,
    ParseError,
    RateLimitError,
    RemoteError,
)

if TYPE_CHECKING:  # the lazy names, for type checkers and IDEs
    from digestkit.backends import Completion, Prompt, Router
    from digestkit.digest.model import Digest, Entry, Summary
    from digestkit.digest.parse import ParseResult, ParseWarning, detect_format, parse_digest
    from digestkit.digest.render import RENDERERS, render
    from digestkit.faithfulness import (
        FaithfulnessResult,
        score_faithfulness,
        token_overlap_baseline,
    )
    from digestkit.lang import detect_language
    from digestkit.repair import (
        RepairConfig,
        Repaired,
        RepairSpan,
        apply_plan,
        repair_bytes,
        repair_text,
    )
    from digestkit.repair.decode import Decoded, decode_bytes
    from digestkit.sources.select import explain as explain_selection
    from digestkit.sources.select import select as select_papers
    from digestkit.summarizer import SummaryRun, summarize, summarize_run

__version__ = "0.1.0"

# name -> (module, attribute): imported on first access.
_LAZY: dict[str, tuple[str, str]] = {
    "Completion": ("digestkit.backends", "Completion"),
    "Decoded": ("digestkit.repair.decode", "Decoded"),
    "Digest": ("digestkit.digest.model", "Digest"),
    "Entry": ("digestkit.digest.model", "Entry"),
    "FaithfulnessResult": ("digestkit.faithfulness", "FaithfulnessResult"),
    "ParseResult": ("digestkit.digest.parse", "ParseResult"),
    "ParseWarning": ("digestkit.digest.parse", "ParseWarning"),
    "Prompt": ("digestkit.backends", "Prompt"),
    "RENDERERS": ("digestkit.digest.render", "RENDERERS"),
    "RepairConfig": ("digestkit.repair", "RepairConfig"),
    "RepairSpan": ("digestkit.repair", "RepairSpan"),
    "Repaired": ("digestkit.repair", "Repaired"),
    "Router": ("digestkit.backends", "Router"),
    "Summary": ("digestkit.digest.model", "Summary"),
    "SummaryRun": ("digestkit.summarizer", "SummaryRun"),
    "apply_plan": ("digestkit.repair", "apply_plan"),
    "decode_bytes": ("digestkit.repair.decode", "decode_bytes"),
    "detect_format": ("digestkit.digest.parse", "detect_format"),
    "detect_language": ("digestkit.lang", "detect_language"),
    "explain_selection": ("digestkit.sources.select", "explain"),
    "parse_digest": ("digestkit.digest.parse", "parse_digest"),
    "render": ("digestkit.digest.render", "render"),
    "repair_bytes": ("digestkit.repair", "repair_bytes"),
    "repair_text": ("digestkit.repair", "repair_text"),
    "score_faithfulness": ("digestkit.faithfulness", "score_faithfulness"),
    "select_papers": ("digestkit.sources.select", "select"),
    "summarize": ("digestkit.summarizer", "summarize"),
    "summarize_run": ("digestkit.summarizer", "summarize_run"),
    "token_overlap_baseline": ("digestkit.faithfulness", "token_overlap_baseline"),
}

__all__ = [
    "RENDERERS",
    "AuthError",
    "BudgetExceeded",
    "Completion",
    "ConfigError",
    "DecodeError",
    "Decoded",
    "Digest",
    "DigestkitError",
    "Entry",
    "FaithfulnessResult",
    "InputError",
    "LimitExceeded",
    "MissingKeyError",
    "NetworkError",
    "OutputCheckError",
    "ParseError",
    "ParseResult",
    "ParseWarning",
    "Prompt",
    "RateLimitError",
    "RemoteError",
    "RepairConfig",
    "RepairSpan",
    "Repaired",
    "Router",
    "Summary",
    "SummaryRun",
    "__version__",
    "apply_plan",
    "decode_bytes",
    "detect_format",
    "detect_language",
    "explain_selection",
    "parse_digest",
    "render",
    "repair_bytes",
    "repair_text",
    "score_faithfulness",
    "select_papers",
    "summarize",
    "summarize_run",
    "token_overlap_baseline",
]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
