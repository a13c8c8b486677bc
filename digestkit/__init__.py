"""digestkit: repair, parse, summarize, evaluate and publish research-paper digests.

The curated public API; everything else is reachable from its subpackage.
"""

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.errors import (
    ConfigError,
    DigestkitError,
    InputError,
    NetworkError,
    ParseError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Digest",
    "DigestkitError",
    "Entry",
    "InputError",
    "NetworkError",
    "ParseError",
    "Summary",
    "__version__",
]
