"""Config validation: every error names the file and the dotted key; keys never in files."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestkit.backends.config import load_settings, settings_from_dict
from digestkit.errors import ConfigError, MissingKeyError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digestkit.toml"
    path.write_text(text, encoding="utf-8")
    return path


SAMPLE = """
[backends.claude]
kind = "anthropic"
model = "claude-sonnet-4-5"
api_key_env = "ANTHROPIC_API_KEY"
concurrency = 8
requests_per_minute = 50

[backends.qwen]
kind = "openai-compatible"
model = "qwen-plus"
base_url = "https://dashscope.aliyuncs.com/compatible-mode/v1"
api_key_env = "DASHSCOPE_API_KEY"
price = { input = 0.4, output = 1.2 }

[routes]
default = ["claude", "qwen", "offline"]
cheap = ["qwen"]

[budget]
max_cost = 2.5

[summarize]
template = "ja-8q"
max_attempts = 3
"""


def test_sample_config_loads(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, SAMPLE))
    assert s.route() == ("claude", "qwen", "offline")
    assert s.route("cheap") == ("qwen",)
    assert s.route("qwen") == ("qwen",)  # a backend name is a one-step route
    assert s.backends["claude"].price.input == 3.0  # known model price
    assert s.backends["claude"].price.cache_read == pytest.approx(0.3)
    assert s.backends["qwen"].price.output == 1.2
    assert s.budget.max_cost == 2.5
    assert s.summarize.template == "ja-8q"
    assert s.summarize.max_attempts == 3


def test_no_file_means_offline_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.path is None
    assert s.route() == ("offline",)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            '[backends.x]\nkind = "anthropic"\nmodel = "m"\nconcurrency = 0\n',
            "backends.x.concurrency",
            ">= 1",
        ),
        (
            '[backends.x]\nkind = "anthropic"\nmodel = "m"\ntimeout = "fast"\n',
            "backends.x.timeout",
            "got 'fast'",
        ),
        ('[backends.x]\nmodel = "m"\n', "backends.x.kind", "missing"),
        ('[backends.x]\nkind = "anthropic"\n', "backends.x.model", "missing"),
        (
            '[backends.x]\nkind = "anthropic"\nmodel = "m"\nconcurency = 3\n',
            "backends.x.concurency",
            "unknown key",
        ),
        (
            '[backends.x]\nkind = "anthropic"\nmodel = "m"\napi_key = "sk-1"\n',
            "backends.x.api_key",
            "never put a key",
        ),
        (
            '[backends.x]\nkind = "anthropic"\nmodel = "m"\nprice = { input = -1 }\n',
            "backends.x.price.input",
            ">= 0",
        ),
        ('[routes]\ndefault = ["nope"]\n', "routes.default", "unknown backend 'nope'"),
        ("[routes]\ndefault = []\n", "routes.default", "non-empty"),
        ("[budget]\nmax_cost = true\n", "budget.max_cost", "expected"),
        (
            '[summarize]\non_language_mismatch = "ignore"\n',
            "summarize.on_language_mismatch",
            "'fail' or 'keep'",
        ),
        ('[summarize]\nroute = "missing"\n', "routes.missing", "unknown route"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert words in message
    assert "sk-1" not in message


def test_toml_syntax_error_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[backends.x\n")
    with pytest.raises(ConfigError, match=str(path)):
        load_settings(path)


def test_missing_key_says_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_MISSING_KEY", raising=False)
    s = settings_from_dict(
        {"backends": {"c": {"kind": "anthropic", "model": "m", "api_key_env": "MY_MISSING_KEY"}}}
    )
    with pytest.raises(MissingKeyError, match="set the environment variable MY_MISSING_KEY"):
        s.backends["c"].api_key()
    monkeypatch.setenv("MY_MISSING_KEY", "abc")
    assert s.backends["c"].api_key() == "abc"


def test_readme_sample_config_is_valid() -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Summaries: backends") :]
    sample = re.search(r"```toml\n(.*?)```", section, re.S)
    assert sample is not None
    import tomllib

    s = settings_from_dict(tomllib.loads(sample.group(1)))
    assert s.route() == ("claude", "qwen", "offline")


def test_missing_key_error_names_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DK_TEST_NO_SUCH_KEY", raising=False)
    cfg = tmp_path / "digestkit.toml"
    cfg.write_text(
        '[backends.c]\nkind = "anthropic"\nmodel = "m"\napi_key_env = "DK_TEST_NO_SUCH_KEY"\n',
        encoding="utf-8",
    )
    with pytest.raises(MissingKeyError) as info:
        load_settings(cfg).backends["c"].api_key()
    assert str(cfg) in str(info.value)
    assert "DK_TEST_NO_SUCH_KEY" in str(info.value)
