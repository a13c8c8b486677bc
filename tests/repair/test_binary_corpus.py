"""Binary files are never rewritten; UTF-16/32 text still is repaired.

The corpus is what this machine holds at test time (compiled Python, extension modules,
gettext catalogues, images, fonts, audio under the Python install and ``/usr/share``)
plus files made here: an 8-bit PCM WAV from the ``wave`` module and the same kind of audio
without a header (more in ``test_pcm.py``), all-NUL and NUL-heavy
files, gzip and zip data, random bytes. ``digestkit repair --in-place`` and ``-d`` must
leave every one unchanged and report it skipped.
"""

from __future__ import annotations

import array
import gzip
import math
import os
import py_compile
import random
import shutil
import sys
import sysconfig
import wave
import zipfile
from pathlib import Path

import pytest

from digestkit.cli import EXIT_OK, main
from digestkit.repair.decode import binary_text, decode_bytes, looks_binary

#: File kinds looked for on the machine, at most ``PER_KIND`` of each, each below 2 MB.
KINDS = (
    "*.pyc", "*.so", "*.mo", "*.png", "*.gif", "*.jpg", "*.ico", "*.ttf", "*.otf", "*.woff",
    "*.wav", "*.au", "*.aif", "*.aiff", "*.ogg", "*.gz", "*.whl", "*.zip", "*.pickle",
)  # fmt: skip
PER_KIND = 4
MAX_BYTES = 2 * 1024 * 1024


def _roots() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    roots = [
        stdlib / "lib-dynload",
        stdlib / "test" / "audiodata",
        stdlib / "test" / "imghdrdata",
        stdlib / "idlelib" / "Icons",
        stdlib / "ensurepip",
        stdlib / "lib2to3",
        stdlib / "__pycache__",
        Path(sys.prefix) / "lib",
        Path("/usr/share/locale"),
        Path("/usr/share/fonts"),
        Path("/usr/share/sounds"),
        Path("/usr/share/pixmaps"),
        Path("/usr/share/icons"),
        Path("/usr/share/doc"),
    ]
    return [root for root in roots if root.is_dir()]


def _machine_binaries() -> list[Path]:
    found: list[Path] = []
    for pattern in KINDS:
        kind: list[Path] = []
        for root in _roots():
            for path in sorted(root.rglob(pattern)):
                if len(kind) >= PER_KIND:
                    break
                # A shared-library name can be a linker script (text); only ELF counts.
                if pattern == "*.so" and path.read_bytes()[:4] != b"\x7fELF":
                    continue
                if path.is_file() and not path.is_symlink() and path.stat().st_size < MAX_BYTES:
                    kind.append(path)
        found.extend(kind)
    return found


def _made_binaries(folder: Path) -> list[Path]:
    folder.mkdir()
    wav = folder / "pcm8.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes(int(128 + 90 * math.sin(i / 7)) for i in range(20_000)))
    # The same audio without its header (raw 8-bit PCM reads as ISO-8859-1 text).
    (folder / "pcm8-headerless.raw").write_bytes(
        bytes(int(128 + 40 * math.sin(i / 7)) for i in range(20_000))
    )
    quiet = array.array("h", [int(3000 * math.sin(i / 9)) for i in range(20_000)])
    (folder / "pcm16-quiet.raw").write_bytes(quiet.tobytes())  # no header: every unit < 0x2000
    rng = random.Random(18)
    made = {
        "zeros.bin": bytes(300_000),
        "nul-heavy.bin": b"\x00\x00\x00\x01\x00\x02" * 5000,
        "nul-pairs.dat": b"\x00\x01" * 5000,
        "random.bin": rng.randbytes(50_000),
        "text-then-zeros.md": b"# title\n" * 2000 + bytes(40_000),
        "notes.md.gz": gzip.compress("論文まとめ\n".encode() * 500),
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "pack.zip.bin", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.md", "論文\n" * 100)
    source = folder / "mod.py"
    source.write_text("X = '論文'\n" * 50, encoding="utf-8")
    py_compile.compile(str(source), cfile=str(folder / "mod.pyc"), doraise=True)
    source.unlink()
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding copies of the machine's binaries and the made ones."""
    folder = tmp_path_factory.mktemp("binaries")
    machine = folder / "machine"
    machine.mkdir()
    for n, path in enumerate(_machine_binaries()):
        shutil.copyfile(path, machine / f"{n:03d}-{path.name}")
    _made_binaries(folder / "made")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def test_the_corpus_is_real(corpus: Path) -> None:
    machine = list((corpus / "machine").iterdir())
    kinds = {path.suffix for path in machine}
    # Python always brings compiled modules and extension modules; most installs more.
    assert len(machine) >= 4 and {".pyc", ".so"} <= kinds, sorted(kinds)


def test_every_binary_is_sniffed_as_binary(corpus: Path) -> None:
    missed = [name for name, data in _snapshot(corpus).items() if not looks_binary(data)]
    # Text at the head with zeros after it is caught after decoding, over the whole file.
    assert missed == ["made/text-then-zeros.md"]
    assert binary_text((corpus / missed[0]).read_bytes().decode("utf-8"))


@pytest.mark.parametrize("mode", ["--in-place", "-d"])
def test_repair_leaves_every_binary_alone_and_says_so(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    work = tmp_path / "work"
    shutil.copytree(corpus, work)
    before = _snapshot(work)
    out = tmp_path / "out"
    args = ["repair", str(work), "--in-place"] if mode == "--in-place" else ["repair", str(work),
            "-d", str(out)]  # fmt: skip
    code = main(args)
    err = capsys.readouterr().err
    assert code == EXIT_OK, err
    assert _snapshot(work) == before  # nothing rewritten, no FILE.orig
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))
    for name in before:
        assert f"warning: skipped: {work / name} (binary file)" in err, name
    assert f"0 repaired, 0 unchanged, {len(before)} skipped, 0 refused, 0 failed" in err


TEXT = "# 论文总结：新的方法\n\n方法很好。大規模言語モデル “quotes” ok\n" * 20
MOJIBAKE = TEXT.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        ("utf-16-le", b""), ("utf-16-be", b""), ("utf-32-le", b""), ("utf-32-be", b""),
        ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("text", ["clean", "mojibake"])
def test_utf16_and_utf32_text_is_still_decoded_and_repaired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], codec: str, bom: bytes, text: str
) -> None:
    source = TEXT if text == "clean" else MOJIBAKE
    data = bom + source.encode(codec)
    assert not looks_binary(data)
    path = tmp_path / "notes.md"
    path.write_bytes(data)
    assert main(["repair", str(path), "--in-place"]) == EXIT_OK
    capsys.readouterr()
    expected = ("\ufeff" if bom else "") + TEXT
    if text == "mojibake":  # cp1252 has no reading for five bytes: those come back lossy
        got = path.read_bytes().decode("utf-8")
        assert got.count("论文总结") == 20, got[:200]
    else:
        assert path.read_bytes().decode("utf-8") == expected
    assert Path(f"{path}.orig").read_bytes() == data


@pytest.mark.skipif(not os.path.isdir("/usr/share/i18n/charmaps"), reason="no charmaps")
def test_real_wide_text_files_on_the_machine_are_text() -> None:
    # The Python install carries UTF-16 test data in some versions; text files in any
    # encoding re-encoded to UTF-16/32 must stay text.
    samples = sorted(Path("/usr/share/i18n/charmaps").glob("*"))[:3]
    for path in samples:
        text = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        decoded = text.decode("latin-1")[:20_000]
        for codec in ("utf-16-le", "utf-16-be", "utf-32-le"):
            assert not looks_binary(decoded.encode(codec)), (path, codec)


SCRIPTS = {
    "ru": "Большие языковые модели улучшают рассуждения.\n",
    "el": "Τα μεγάλα γλωσσικά μοντέλα βελτιώνουν τη συλλογιστική.\n",
    "he": "מודלים גדולים של שפה משפרים את ההסקה.\n",
    "ar": "نماذج اللغة الكبيرة تحسن الاستدلال.\n",
    "th": "แบบจำลองภาษาขนาดใหญ่ช่วยปรับปรุงการให้เหตุผล\n",
    "zh": "本文提出了一种新的大语言模型训练方法，显著提升了推理能力。\n",
    "ko": "대규모 언어 모델의 추론 능력을 향상시키는 새로운 방법.\n",
}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("lang", list(SCRIPTS))
def test_wide_text_without_a_mark_is_text_in_every_script(lang: str, codec: str) -> None:
    # Cyrillic, Greek, Hebrew, Arabic and Thai UTF-16 bytes are all below 0x80: they
    # must not pass for ASCII (nor, Thai without spaces, for binary).
    text = SCRIPTS[lang] * 30
    data = text.encode(codec)
    assert not looks_binary(data)
    assert decode_bytes(data).text == text
