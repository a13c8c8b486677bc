"""Bounded fuzzing of the CLI: whatever the input file holds, every command answers with an
exit code (0 ok, 1 findings, 3 one-line error), never an unexpected exception.

``make fuzz`` runs the same properties longer (``DIGESTKIT_FUZZ_EXAMPLES``, default 1,000).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.cli import main

EXAMPLES = int(os.environ.get("DIGESTKIT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE_JSON = [
    '{"entries": [{"arxiv_id": "1", "version": ' + "9" * 5000 + "}]}",
    '{"title": "\\ud800", "entries": []}',
    "[" * 5000 + "]" * 5000,
    '{"entries": 5}',
    '{"entries": [{"title": 5, "authors": 7}]}',
    '{"entries": [{"summary": {"sections": 3}}]}',
    '{"schema_version": 99, "entries": []}',
    '{"entries": [{"published": "not a date"}]}',
    "\ufeff{}",
    "null",
    "",
    '{"source": "x", "summary": "y", "lang": 3}',
    '{"source": "x", "summary": "y", "fulltext": "/nonexistent.json"}',
]


def digest_like() -> st.SearchStrategy[str]:
    """Digest-shaped JSON with fields of random types."""
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
    value = st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=8)  # fmt: skip
    keys = st.sampled_from(["title", "arxiv_id", "version", "authors", "summary", "metadata",
                            "published", "abstract", "categories", "sections", "score"])  # fmt: skip
    entry = st.dictionaries(keys, value, max_size=6)
    return st.builds(
        lambda entries, title: json.dumps({"title": title, "entries": entries}),
        st.lists(entry, max_size=3),
        value,
    )


def inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=2000),
        st.sampled_from(EDGE_JSON).map(lambda s: s.encode("utf-8", "surrogatepass")),
        digest_like().map(str.encode),
        st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
        digest_like().map(lambda s: s.encode()[: len(s) // 2]),  # truncated
    )


COMMANDS = [
    ["parse", "{f}"],
    ["convert", "{f}", "--to", "md-bot"],
    ["convert", "{f}", "--to", "atom"],
    ["render", "{f}", "--to", "html"],
    ["faithfulness", "{f}"],
    ["repair", "{f}", "-o", "{out}"],
    ["summarize", "{f}", "--estimate"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@FUZZ
@given(data=inputs())
def test_no_command_raises_on_any_input(
    command: list[str], data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    f = folder / "input.json"
    f.write_bytes(data)
    args = [a.format(f=f, out=folder / "out.md") for a in command]
    code = main(args)  # an unexpected exception fails the test with its traceback
    assert code in (0, 1, 3), (args, code)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.mkdir(),
        lambda p: p.symlink_to(p.parent / "missing"),
    ],
    ids=["directory", "dangling-symlink"],
)
@pytest.mark.parametrize("command", COMMANDS[:5], ids=lambda c: " ".join(c[:2]))
def test_odd_paths_are_one_line(command: list[str], make: object, tmp_path: Path) -> None:
    target = tmp_path / "input.json"
    make(target)  # type: ignore[operator]
    assert main([a.format(f=target, out=tmp_path / "o") for a in command]) == 3
