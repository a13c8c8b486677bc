"""The curated public API: everything in ``__all__`` exists, and nothing private leaks."""

import pickle

import pytest

import digestkit
from digestkit import errors
from digestkit.cli import main


def test_all_names_exist() -> None:
    for name in digestkit.__all__:
        assert hasattr(digestkit, name), name


def test_all_is_sorted_and_public() -> None:
    names = [n for n in digestkit.__all__ if n != "__version__"]
    assert names == sorted(names)
    assert not [n for n in names if n.startswith("_")]


@pytest.mark.parametrize("cls", [getattr(errors, n) for n in errors.__all__])
def test_errors_pickle_with_context(cls: type[errors.DigestkitError]) -> None:
    err = (
        cls("boom", url="http://x", status=500)
        if issubclass(cls, errors.NetworkError)
        else cls("boom")
    )
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
