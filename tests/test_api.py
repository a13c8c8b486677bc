"""The curated public API: everything in ``__all__`` exists, and nothing private leaks."""

import pickle
import subprocess
import sys

import pytest

import digestkit
from digestkit import errors
from digestkit.cli import main


def test_all_names_exist() -> None:
    for name in digestkit.__all__:
        assert getattr(digestkit, name) is not None, name


def test_all_is_sorted_and_public() -> None:
    names = [n for n in digestkit.__all__ if n != "__version__"]
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert not [n for n in names if n.startswith("_")]


def test_every_error_class_is_exported() -> None:
    assert set(errors.__all__) <= set(digestkit.__all__)


def test_lazy_names_are_the_real_objects() -> None:
    from digestkit.digest.render import render
    from digestkit.repair import repair_text
    from digestkit.summarizer import summarize

    assert digestkit.repair_text is repair_text
    assert digestkit.render is render
    assert digestkit.summarize is summarize


def test_submodule_import_does_not_shadow_functions() -> None:
    """Importing a submodule must never replace a function of the same public name."""
    code = (
        "import digestkit.summarizer, digestkit.digest.render, digestkit.repair; "
        "from digestkit import summarize, render, repair_text; "
        "print(callable(summarize), callable(render), callable(repair_text), "
        "type(summarize).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "function"]


def test_unknown_attribute_raises() -> None:
    with pytest.raises(AttributeError):
        digestkit.no_such_name  # noqa: B018


def test_import_is_cheap() -> None:
    """``import digestkit`` must not pull in the SDKs, markdown-it or matplotlib."""
    code = (
        "import sys, digestkit; "
        "print(sorted(m for m in ('anthropic', 'markdown_it', 'matplotlib', 'httpx2', 'arxiv')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("cls", [getattr(errors, n) for n in errors.__all__])
def test_errors_pickle_with_context(cls: type[errors.DigestkitError]) -> None:
    if issubclass(cls, errors.NetworkError):
        err = cls("boom", url="http://x", status=500)
    else:
        err = cls("boom")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert str(back) == str(err)
    assert back.context == err.context


def test_input_error_names_file_and_line() -> None:
    assert str(errors.ParseError("bad heading", path="x.md", line=7)) == "x.md:7: bad heading"


def test_cli_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "Exit codes" in capsys.readouterr().out


def test_cli_unknown_command_is_usage_error() -> None:
    assert main(["no-such-command"]) == 2


def test_cli_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])
    out = capsys.readouterr().out
    for command in (
        "repair",
        "parse",
        "render",
        "convert",
        "summarize",
        "cost",
        "config",
        "fetch",
        "digest",
        "faithfulness",
        "eval",
    ):
        assert command in out, command
