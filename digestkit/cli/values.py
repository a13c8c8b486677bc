"""Command-line values of the common types, read without pydantic.

Typer (0.29) turns every value that is not a bare flag into its Python type through a
pydantic ``TypeAdapter``: importing pydantic and building the adapters was ~80 ms of the
~330 ms a ``digestkit repair FILE`` took, more than the repair and its model. Most of
digestkit's parameters are ``str``, ``list[str]``, ``int`` and ``Path``, and for the values
people type typer's answer is plain: the string, a list of them, the number a run of
digits spells, ``Path(value)``. :class:`Command` gives each parameter a coercer that
returns those directly (``None``, an absent option, needs no coercer at all) and hands
every other value (a sign or an underscore in a number,
a number out of range, a path ``Path`` would rewrite, a float, a choice, ...) to typer's
own coercer, so those values, and the errors about them, stay typer's.
``tests/test_cli_values.py`` holds the two equal over every parameter of every command.

The layer is typer's private API: a typer without it (``typer._coercion``), or a release
other than those the tests were run against (0.29), keeps typer's own coercion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import DefaultPlaceholder

__all__ = ["Command", "Group", "direct_value", "use_direct_values"]

#: A value :func:`direct_value` leaves to typer.
TYPER: Any = object()

#: Digits read the same by ``int`` and pydantic; "+5", " 5", "5_0" and "-1" go to typer.
_DIGITS = re.compile(r"[0-9]+")

try:  # private to typer, hence the fallback
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
except ImportError:  # pragma: no cover - depends on the installed typer
    _COERCION = False
else:
    # Private API: only the releases tests/test_cli_values.py was run against take the
    # direct path; any other typer keeps its own (correct, ~80 ms slower to start).
    _COERCION = typer.__version__.startswith(("0.29.",))


def direct_value(annotation: Any, info: Any, value: Any) -> Any:
    """``value`` (from the command line) as typer would coerce it for a parameter of type
    ``annotation`` with options ``info`` (a ``typer.models.ParameterInfo``), or
    :data:`TYPER` when only typer can say (paths are read in :class:`_Direct`).

    >>> from typer.models import OptionInfo
    >>> direct_value(int, OptionInfo(min=0), "4"), direct_value(list[str], OptionInfo(), ("a",))
    (4, ['a'])
    >>> direct_value(int, OptionInfo(min=0), "-1") is TYPER  # typer says why not
    True
    """
    if info.parser is not None:
        return TYPER
    if annotation is str:
        return value if type(value) is str else TYPER
    if annotation == list[str]:
        if isinstance(value, list | tuple) and all(type(item) is str for item in value):
            return list(value)
        return TYPER
    if annotation is int:
        if type(value) is str and _DIGITS.fullmatch(value):
            value = int(value)
        if type(value) is not int:
            return TYPER
        low_ok = info.min is None or value >= info.min
        return value if low_ok and (info.max is None or value <= info.max) else TYPER
    return TYPER


if _COERCION:

    @dataclass(frozen=True)
    class _Direct(RuntimeParam):
        """One parameter's coercer: :func:`direct_value`, else typer's (built on demand,
        so pydantic is imported only for a value that needs it)."""

        descriptor: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            info = self.parameter_info
            if (
                self.annotation is Path
                and info.parser is None
                and info.path_type is None
                and type(value) is str
                and value
                and str(Path(value)) == value  # else Path changes it, and typer's messages
            ):  # typer's own path checks, given the Path pydantic would have made
                return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
            direct = direct_value(self.annotation, info, value)
            if direct is not TYPER:
                return direct
            typer_param = build_runtime_param(self.descriptor)
            return typer_param._coerce_value(value, param=param, ctx=ctx)


class _DirectValues:
    """Gives each parameter, the help option included, a :class:`_Direct` coercer."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        if _COERCION:
            for param in params:
                descriptor = getattr(param, "type_descriptor", None)
                if descriptor is not None and getattr(param, "_runtime_param", False) is None:
                    param._runtime_param = _Direct(
                        descriptor.parameter_info, descriptor.annotation, descriptor
                    )
        return params


class Command(_DirectValues, TyperCommand):
    """A typer command whose parameters read common values without pydantic."""


class Group(_DirectValues, TyperGroup):
    """A typer group whose own parameters (``--version``, ``--help``) read values without
    pydantic."""


def use_direct_values(app: typer.Typer) -> None:
    """Make ``app`` a :class:`Group`, its commands :class:`Command` and the same for its
    subgroups (a group or command that chose a class of its own keeps it)."""
    if app.info.cls in (None, TyperGroup) or isinstance(app.info.cls, DefaultPlaceholder):
        app.info.cls = Group
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer's default
            info.cls = Command
    for sub in app.registered_groups:
        if sub.typer_instance is not None:
            use_direct_values(sub.typer_instance)
