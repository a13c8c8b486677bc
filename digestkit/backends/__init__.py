"""LLM backends behind one protocol, and the router that makes their failures survivable.

Public API::

    from digestkit.backends import Backend, Completion, Prompt, Usage, get_backend, Router
    from digestkit.backends import load_settings, Settings

- :class:`Backend` (``base``): one method, ``complete(prompt) -> Completion``.
- :func:`get_backend` (``registry``): builds a backend from a ``[backends.NAME]`` section;
  built-ins (``anthropic``, ``openai-compatible``, ``offline``) and plugins share the
  ``digestkit.backends`` entry point group.
- :class:`Router` (``router``): fallback, retries, cooldowns, budget, cache and ledger;
  ``Router(settings, route=...).complete(prompt)`` is the one-prompt API.
- :func:`load_settings` (``config``): validated ``digestkit.toml`` sections.
"""

from digestkit.backends.base import Backend, Completion, Prompt, Usage
from digestkit.backends.cache import Store
from digestkit.backends.config import BackendConfig, Settings, load_settings, settings_from_dict
from digestkit.backends.registry import available_kinds, get_backend, register
from digestkit.backends.router import Budget, Router

__all__ = [
    "Backend",
    "BackendConfig",
    "Budget",
    "Completion",
    "Prompt",
    "Router",
    "Settings",
    "Store",
    "Usage",
    "available_kinds",
    "get_backend",
    "load_settings",
    "register",
    "settings_from_dict",
]
