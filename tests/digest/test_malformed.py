"""Bad input: a clear ParseError naming the file and line, never a traceback or silent loss."""

from __future__ import annotations

import pytest

from digestkit.digest.parse import parse_digest
from digestkit.errors import ParseError
from tests.conftest import seed_path


def _text(n: int) -> str:
    return seed_path(n).read_text(encoding="utf-8")


@pytest.mark.parametrize("data", ["", "   \n\n", b"", "\ufeff\n"])
def test_empty(data: str | bytes) -> None:
    with pytest.raises(ParseError) as err:
        parse_digest(data, path="empty.md")
    assert str(err.value) == "empty.md:1: empty document"


def test_truncated_inside_a_details_block() -> None:
    text = _text(4)
    cut = text[: text.index("### 2. [")]  # inside entry 1's summary, before </details>
    cut = cut[: cut.rindex("</details>")]
    with pytest.raises(ParseError) as err:
        parse_digest(cut, "bot-readme", path="004.md")
    line = cut[: cut.index("<details>")].count("\n") + 1
    assert str(err.value).startswith(f"004.md:{line}: <details> opened here is never closed")


def test_truncated_inside_a_code_fence() -> None:
    text = _text(2)
    fence = text.index("```python\n# 疑似コード")
    cut = text[: fence + 200]
    with pytest.raises(ParseError) as err:
        parse_digest(cut, path="002.md")
    assert err.value.context["line"] == text[:fence].count("\n") + 1
    assert "never closed" in str(err.value)


def test_truncated_survey_entry() -> None:
    text = _text(3)
    cut = text[: text.index("要約", text.index("5. Mobile-Agent")) - 1]
    with pytest.raises(ParseError) as err:
        parse_digest(cut, "survey", path="003.txt")
    assert err.value.context["line"] == cut[: cut.index("5. Mobile-Agent")].count("\n") + 1
    assert "truncated" in str(err.value)


@pytest.mark.parametrize(
    ("n", "forced"),
    [(1, "bot-readme"), (4, "ja-8q"), (1, "survey"), (3, "checklist"), (0, "ja-8q")],
)
def test_wrong_format_forced(n: int, forced: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_digest(_text(n)[:20000], forced, path=f"seed{n}.md")
    message = str(err.value)
    assert message.startswith(f"seed{n}.md:1: no {forced} entries found")
    assert "detected format:" in message


def test_unknown_format() -> None:
    with pytest.raises(ParseError, match="unknown format 'yaml'"):
        parse_digest("x", "yaml")


def test_bad_json() -> None:
    with pytest.raises(Exception) as err:
        parse_digest('{"entries": [', "json", path="d.json")
    assert str(err.value).startswith("d.json:1: invalid JSON")


def test_invalid_utf8_bytes_are_decoded_not_fatal() -> None:
    data = "# T\n\n[View Paper](http://arxiv.org/abs/2503.04504v1)\n\n## 1. Q\n\n日本語\n".encode(
        "cp932"
    )
    result = parse_digest(data)
    assert [e.arxiv_id for e in result.digest.entries] == ["2503.04504"]


def test_unplaced_text_in_a_bot_entry_is_a_warning_not_lost() -> None:
    text = (
        "# Bot\n\n## 📚 Recent Papers\n\n### 1. [T](https://arxiv.org/abs/2602.04870)\n\n"
        "**Authors**: A  \n**ArXiv ID**: 2602.04870v1\n\n> a stray quote\n\n#### Abstract\nShort.\n"
    )
    result = parse_digest(text, "bot-readme")
    assert [(w.line, w.text) for w in result.warnings] == [(10, "> a stray quote")]


def test_total_papers_mismatch_is_reported() -> None:
    text = (
        "# Bot\n\n## 📊 Statistics\n\n- **Total Papers Found**: 2\n\n## 📚 Recent Papers\n\n"
        "### 1. [T](https://arxiv.org/abs/2602.04870)\n\n**ArXiv ID**: 2602.04870v1\n"
    )
    result = parse_digest(text, "bot-readme")
    assert [w.message for w in result.warnings] == ["statistics say 2 papers, found 1"]
