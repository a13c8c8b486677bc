"""A sentinel key through every error path: keys with CR/LF or non-ASCII characters, a 401,
a bad URL, a key pasted into the config where a name or a number belongs. The key must
appear in no output, no file and no table (issue 18, item 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from backends.helpers import ABSTRACT_EN, make_digest
from hypothesis import given
from hypothesis import strategies as st

from digestkit.cli import main
from digestkit.secrets import check_key, looks_like_secret, redact
from digestkit.testing.llm_stub import serve_stub

KEY = "sk-sentinel-7Qz4Lw0pX9aB3cD8eF"


def config(path: Path, base_url: str, **extra: str) -> Path:
    lines = [
        "[backends.stub]",
        'kind = "openai-compatible"',
        'model = "stub-model"',
        f'base_url = "{base_url}"',
        'api_key_env = "DK_SECRET_KEY"',
        "timeout = 0.5",
        *(f"{k} = {v}" for k, v in extra.items()),
        "[routes]",
        'default = ["stub"]',
        "[summarize]",
        'template = "en-tldr"',
        "backoff_base = 0.001",
        "backoff_max = 0.01",
        "cooldown = 0.01",
        "max_attempts = 1",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def everything_written(tmp_path: Path, captured: pytest.CaptureFixture[str]) -> str:
    """stdout, stderr, every file under tmp_path and DIGESTKIT_HOME, every SQLite row."""
    import os

    out = captured.readouterr()
    texts = [out.out, out.err]
    for root in (tmp_path, Path(os.environ["DIGESTKIT_HOME"])):
        for f in root.rglob("*"):
            if not f.is_file():
                continue
            data = f.read_bytes()
            texts.append(data.decode("utf-8", "replace"))
            if data.startswith(b"SQLite format 3"):
                with sqlite3.connect(f) as db:
                    for (table,) in db.execute("select name from sqlite_master where type='table'"):
                        texts += [repr(r) for r in db.execute(f"select * from {table}")]
    return "\n".join(texts)


def digest_file(tmp_path: Path) -> Path:
    path = tmp_path / "d.json"
    path.write_text(make_digest(2, ABSTRACT_EN).to_json(), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", ["\r\n", "\n", "\r", "  "])
def test_key_with_line_break_is_stripped_and_works(
    suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DK_SECRET_KEY", KEY + suffix)
    with serve_stub(api_key=KEY) as stub:
        cfg = config(tmp_path / "digestkit.toml", stub.base_url)
        out = tmp_path / "out.json"
        code = main(["summarize", str(digest_file(tmp_path)), "-c", str(cfg), "-o", str(out)])
    assert code == 0
    written = everything_written(tmp_path, capsys)
    assert KEY not in written and KEY[:20] not in written


@pytest.mark.parametrize("bad", [KEY[:10] + "\n" + KEY[10:], KEY + "é", KEY[:8] + " " + KEY[8:]])
def test_key_no_header_can_carry_is_one_line_naming_the_variable(
    bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DK_SECRET_KEY", bad)
    with serve_stub(api_key=KEY) as stub:
        cfg = config(tmp_path / "digestkit.toml", stub.base_url)
        assert main(["summarize", str(digest_file(tmp_path)), "-c", str(cfg)]) == 3
        assert stub.calls == []
    written = everything_written(tmp_path, capsys)
    assert "DK_SECRET_KEY" in written and "Traceback" not in written
    assert KEY not in written and KEY[12:] not in written and KEY[:10] + "\\n" not in written


def test_401_and_failures_never_carry_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DK_SECRET_KEY", KEY)
    with serve_stub(api_key="another-key") as stub:
        cfg = config(tmp_path / "digestkit.toml", stub.base_url)
        out = tmp_path / "out.json"
        code = main(["summarize", str(digest_file(tmp_path)), "-c", str(cfg), "-o", str(out)])
    assert code in (1, 3)
    assert KEY not in everything_written(tmp_path, capsys)


def test_config_errors_never_echo_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DK_SECRET_KEY", KEY)
    cfg = tmp_path / "digestkit.toml"
    cases = [
        config(cfg, "http://127.0.0.1:9/v1")
        .read_text()
        .replace('api_key_env = "DK_SECRET_KEY"', f'api_key_env = "{KEY}"'),
        config(cfg, "http://127.0.0.1:9/v1", concurrency=f'"{KEY}"').read_text(),
        config(cfg, "http://[::1").read_text(),
    ]
    for text in cases:
        cfg.write_text(text, encoding="utf-8")
        assert main(["config", "check", str(cfg)]) == 3
        err = capsys.readouterr().err
        assert KEY not in err and "Traceback" not in err and str(cfg) in err
        assert all(str(cfg) in line for line in err.strip().splitlines())  # each names the file


@given(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=6, max_size=40))
def test_redact_covers_escaped_forms(key: str) -> None:
    """Keys are printable ASCII without spaces (check_key); every escaped form goes."""
    import json
    from urllib.parse import quote

    for form in (key, repr(key), json.dumps(key), quote(key, safe=""), repr(key.encode())):
        out = redact(f"error: {form} here", key)
        assert "[redacted]" in out and key not in out and form not in out


def test_check_key_and_looks_like_secret() -> None:
    assert check_key(KEY + "\r\n", "V") == KEY
    with pytest.raises(ValueError, match="V contains non-ASCII"):
        check_key(KEY + "é", "V")
    assert looks_like_secret(KEY) and not looks_like_secret("ANTHROPIC_API_KEY")
