"""The registry: built-ins and plugins through the same entry points; a fake backend
registered through the real registry drives the real router."""

from __future__ import annotations

import pytest

from digestkit.backends import registry
from digestkit.backends.base import Backend, Completion, Prompt, Usage
from digestkit.backends.cache import Store
from digestkit.backends.config import BackendConfig, settings_from_dict
from digestkit.backends.router import Router
from digestkit.errors import ConfigError


class Echo:
    network = True
    deterministic = False

    def __init__(self, config: BackendConfig) -> None:
        self.name, self.model = config.name, config.model
        self.prompts: list[Prompt] = []

    def complete(self, prompt: Prompt) -> Completion:
        self.prompts.append(prompt)
        return Completion(text=prompt.user.upper(), usage=Usage(10, 5), model=self.model)


def test_builtins_are_entry_points() -> None:
    kinds = registry.available_kinds()
    assert {"anthropic", "openai-compatible", "offline"} <= set(kinds)
    for ep in registry._BUILTINS:
        assert ep.group == registry.ENTRY_POINT_GROUP
        assert callable(ep.load())


def test_plugin_through_registry_drives_router() -> None:
    made: list[Echo] = []

    def factory(config: BackendConfig) -> Backend:
        made.append(Echo(config))
        return made[-1]

    registry.register("echo", factory)
    try:
        settings = settings_from_dict(
            {"backends": {"e": {"kind": "echo", "model": "e1"}}, "routes": {"default": ["e"]}}
        )
        router = Router(settings, store=Store(":memory:"))
        c = router.complete(Prompt(system="s", user="hello"))
        assert (c.text, c.backend, c.model) == ("HELLO", "e", "e1")
        assert isinstance(made[0], Backend)
        assert router.stats.calls == 1
    finally:
        registry.register("echo", None)
    assert "echo" not in registry.available_kinds()


def test_unknown_kind_lists_available() -> None:
    with pytest.raises(ConfigError, match="unknown backend kind 'nope'.*offline"):
        registry.get_backend(BackendConfig(name="x", kind="nope", model="m"))


def test_a_crashing_plugin_fails_its_papers_not_the_run() -> None:
    from digestkit.summarizer import summarize_run

    from .helpers import make_digest

    class Broken(Echo):
        def complete(self, prompt: Prompt) -> Completion:
            raise ZeroDivisionError("plugin bug")

    registry.register("broken", Broken)
    try:
        settings = settings_from_dict(
            {"backends": {"b": {"kind": "broken", "model": "x"}}, "routes": {"default": ["b"]}}
        )
        run = summarize_run(
            make_digest(3), template="en-tldr", config=settings, store=Store(":memory:")
        )
    finally:
        registry.register("broken", None)
    assert run.failed == 3
    assert all(r.error == "ZeroDivisionError: plugin bug" for r in run.results)
