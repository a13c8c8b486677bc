"""digestkit.cli.values reads command-line values as typer's pydantic coercion does: for
every parameter of every command and a spread of values (ordinary, odd, wrong), the same
value of the same type, or the same error message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from digestkit.cli import app, values

pytestmark = pytest.mark.skipif(not values._COERCION, reason="typer without _coercion")

STRINGS = ["", "x", "-", "0", "1", "7", "007", "+5", " 5", "5_0", "-1", "1.5", "0.9", "1e3",
           "abc", "٣", "a/b/", "./x", "a//b", "out.md", "/tmp", "sub/dir/file.md", "\udcff"]  # fmt: skip
OTHERS: list[Any] = [None, True, False, 0, 1, 2**40, 0.5, ("a", "b"), ("-",), (), ["x"], ("1",)]


def _params() -> Iterator[tuple[str, Any, Any]]:
    """(command path, click command, parameter) for every parameter of every command."""

    def walk(name: str, command: Any) -> Iterator[tuple[str, Any, Any]]:
        ctx = command.make_context(name, [], resilient_parsing=True)
        for param in command.get_params(ctx):
            yield name, command, param
        for sub_name, sub in getattr(command, "commands", {}).items():
            yield from walk(f"{name} {sub_name}", sub)

    yield from walk("digestkit", typer.main.get_command(app))


def _outcome(coerce: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        result = coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # the message the user would read
        return type(exc).__name__, str(exc)
    return type(result).__name__, result


PARAMS = list(_params())


@pytest.mark.parametrize(
    ("command", "param"),
    [(c, p) for _, c, p in PARAMS],
    ids=[f"{name}:{p.name}" for name, _, p in PARAMS],
)
def test_same_values_and_errors_as_typer(command: Any, param: Any, tmp_path: Path) -> None:
    from typer._coercion import build_runtime_param

    assert isinstance(param._runtime_param, values._Direct)
    ours = param._runtime_param
    theirs = build_runtime_param(param.type_descriptor)
    ctx = command.make_context(command.name or "digestkit", [], resilient_parsing=True)
    existing = [str(tmp_path), str(tmp_path) + "/", __file__, __file__ + "/", "./" + __file__]
    for value in STRINGS + existing + OTHERS:
        assert _outcome(ours.coerce, value, param, ctx) == _outcome(
            theirs.coerce, value, param, ctx
        ), value


def test_every_parameter_type_is_covered() -> None:
    """The common types are read directly (a new type still works, through typer)."""
    kinds = {p.type_descriptor.annotation for _, _, p in PARAMS}
    assert {str, int, Path, list[str]} <= kinds
