"""Headerless 8-bit audio is binary; text in any code page is not (issue 18).

Raw unsigned 8-bit PCM sits around 0x80 and reads as ISO-8859-1 or cp1252 without a
single control character, so the control-character test let ``--in-place`` rewrite it.
:func:`sounds_like_pcm` looks at the byte histogram instead: a waveform swings as far
below its zero line as above, text never mirrors itself about 0x80. Measured here on
generated signals (sines 50 Hz - 3.9 kHz at amplitudes 3-127, uniform and Gaussian
noise, speech-like syllable envelopes over formants, silence with and without dither,
signed samples) and on real 8-bit WAV bodies, against every text fixture, seed and
repair pair, each also damaged by every kind of ``corrupt.KINDS`` and saved in UTF-8 and
in that kind's code page, and sentences of 14 languages in their legacy code pages.
"""

from __future__ import annotations

import json
import math
import random
import sysconfig
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.cli import EXIT_OK, main
from digestkit.repair.corrupt import KINDS, corrupt
from digestkit.repair.decode import looks_binary, sounds_like_pcm
from tests.conftest import FIXTURES

RATE = 8000


def _clip(value: float) -> int:
    return max(0, min(255, round(value)))


def _sine(freq: float, amp: float, n: int = 12_000) -> bytes:
    return bytes(_clip(128 + amp * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n))


def _speech(seed: int, amp: float, n: int = 12_000) -> bytes:
    """Syllables (a 3 Hz envelope) over a voice at f0 and three formants, with a little
    noise: the shape of speech, not speech."""
    rng = random.Random(seed)
    freqs = [rng.uniform(90, 250), rng.uniform(300, 900), rng.uniform(900, 2500), 3000.0]
    out = []
    for i in range(n):
        t = i / RATE
        envelope = max(0.0, math.sin(2 * math.pi * 3 * t)) ** 2
        voice = sum(math.sin(2 * math.pi * f * t) / (k + 1) for k, f in enumerate(freqs))
        out.append(_clip(128 + amp * envelope * voice / 2 + rng.gauss(0, 2)))
    return bytes(out)


def signals() -> Iterator[tuple[str, bytes]]:
    rng = random.Random(18)
    for freq in (50, 440, 1000, 3000, 3900):
        for amp in (3, 30, 60, 100, 127):
            yield f"sine-{freq}Hz-{amp}", _sine(freq, amp)
    for amp in (3, 10, 30, 60, 127):
        yield f"uniform-{amp}", bytes(_clip(128 + rng.uniform(-amp, amp)) for _ in range(12_000))
    for sd in (2, 10, 30, 45, 60):
        yield f"gauss-{sd}", bytes(_clip(128 + rng.gauss(0, sd)) for _ in range(12_000))
    for seed in range(3):
        for amp in (20, 60, 120):
            yield f"speech-{seed}-{amp}", _speech(seed, amp)
    for dither in (0, 1, 2, 4):
        yield f"silence-{dither}", bytes(128 + rng.randint(-dither, dither) for _ in range(12_000))
    yield "silence-0x7f", b"\x7f" * 12_000
    yield "signed-sine", bytes((b - 128) % 256 for b in _sine(440, 60))
    yield "signed-speech", bytes((b - 128) % 256 for b in _speech(7, 60))


SIGNALS = dict(signals())

SENTENCES = {
    "ru": ("Большие языковые модели улучшают рассуждения.\n", ("cp1251", "koi8_r", "cp866")),
    "el": ("Τα μεγάλα γλωσσικά μοντέλα βελτιώνουν τη συλλογιστική.\n", ("cp1253", "iso8859_7")),
    "he": ("מודלים גדולים של שפה משפרים את ההסקה.\n", ("cp1255", "iso8859_8")),
    "ar": ("نماذج اللغة الكبيرة تحسن الاستدلال.\n", ("cp1256", "iso8859_6")),
    "th": ("แบบจำลองภาษาขนาดใหญ่ช่วยปรับปรุงการให้เหตุผล\n", ("cp874", "tis_620")),
    "zh": ("本文提出了一种新的大语言模型训练方法，显著提升了推理能力。\n", ("gbk", "gb18030")),
    "tw": ("本文提出了一種新的大語言模型訓練方法，顯著提升了推理能力。\n", ("big5", "cp950")),
    "ko": ("대규모 언어 모델의 추론 능력을 향상시키는 새로운 방법.\n", ("euc_kr", "cp949")),
    "ja": ("大規模言語モデルの推論能力を向上させる新しい手法を提案する。\n",
           ("shift_jis", "cp932", "euc_jp")),
    "de": ("Große Sprachmodelle verbessern das Schließen, Äpfel und Öl.\n",
           ("cp1252", "latin-1", "cp850", "mac_roman", "cp437")),
    "pl": ("Duże modele językowe poprawiają rozumowanie, żółć.\n", ("cp1250", "iso8859_2")),
    "tr": ("Büyük dil modelleri akıl yürütmeyi iyileştirir, şğı.\n", ("cp1254", "iso8859_9")),
    "vi": ("Các mô hình ngôn ngữ lớn cải thiện suy luận.\n", ("cp1258",)),
    "lt": ("Dideli kalbos modeliai gerina samprotavimą, ąčęėįšųūž.\n", ("cp1257",)),
}  # fmt: skip


def texts() -> Iterator[tuple[str, bytes]]:
    """Every text fixture; seeds, dev texts and eval pairs under every corruption kind,
    saved in UTF-8 and in the kind's code page; the sentences in their code pages, with
    and without line breaks."""
    base = {}
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".md", ".json", ".jsonl", ".html", ".tex"}:
            text = path.read_text("utf-8")
            base[str(path.relative_to(FIXTURES))] = text
            yield str(path), text.encode("utf-8")
    for label, text in base.items():
        if label.startswith(("seeds/", "repair/dev_", "repair/clean_", "eval/en_")):
            for kind, spec in KINDS.items():
                bad = corrupt(text[:12_000], kind)
                yield f"{label}/{kind}/utf-8", bad.encode("utf-8")
                yield f"{label}/{kind}/{spec.codec}", bad.encode(spec.codec, errors="replace")
                yield f"{label}/clean/{spec.codec}", text[:12_000].encode(spec.codec, "replace")
    cases = json.loads((FIXTURES / "eval" / "repair_pairs.json").read_text("utf-8"))["cases"]
    for case in cases:
        codec = KINDS[case["kind"]].codec if case["kind"] in KINDS else "cp1252"
        for key in ("corrupted", "clean"):
            yield f"pair {case['id']}/{key}", case[key].encode("utf-8")
            yield f"pair {case['id']}/{key}/{codec}", case[key].encode(codec, errors="replace")
    for lang, (line, codecs) in SENTENCES.items():
        for codec in codecs:
            for n in (8, 200):
                yield f"{lang}-{n}/{codec}", (line * n).encode(codec, errors="replace")
                yield f"{lang}-{n}-one-line/{codec}", (line.strip() * n).encode(codec, "replace")


def _real_pcm8() -> list[tuple[str, bytes]]:
    """The sample frames of 8-bit WAV files shipped with Python (its test data), headers
    stripped: real recorded audio."""
    found = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.wav")):
        try:
            with wave.open(str(path)) as w:
                if w.getsampwidth() == 1:
                    found.append((path.name, w.readframes(w.getnframes())))
        except (wave.Error, EOFError):
            continue
    return found


def test_every_generated_signal_is_binary() -> None:
    taken = [name for name, data in SIGNALS.items() if not looks_binary(data)]
    assert taken == [], taken
    assert len(SIGNALS) >= 50


def test_real_8_bit_audio_without_its_header_is_binary() -> None:
    real = _real_pcm8()
    if not real:
        pytest.skip("no 8-bit WAV on this machine")
    assert [name for name, data in real if not looks_binary(data)] == []


def test_no_text_sounds_like_audio() -> None:
    samples = list(texts())
    assert len(samples) > 2000
    flagged = [label for label, data in samples if sounds_like_pcm(data[:8192])]
    assert flagged == []
    binary = [label for label, data in samples if looks_binary(data)]
    assert binary == []


@pytest.mark.parametrize("mode", ["--in-place", "-d"])
def test_repair_never_rewrites_headerless_audio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    folder = tmp_path / "audio"
    folder.mkdir()
    chosen = ("sine-440Hz-30", "uniform-30", "speech-0-60", "silence-2", "signed-sine")
    for name in chosen:
        (folder / f"{name}.raw").write_bytes(SIGNALS[name])
    (folder / "notes.md").write_bytes("论文总结\n".encode().decode("cp1252", "replace").encode())
    out = tmp_path / "out"
    args = ["repair", str(folder), *(["--in-place"] if mode == "--in-place" else ["-d", str(out)])]
    assert main(args) == EXIT_OK
    err = capsys.readouterr().err
    for name in chosen:
        assert (folder / f"{name}.raw").read_bytes() == SIGNALS[name]
        assert not (folder / f"{name}.raw.orig").exists()
        assert f"skipped: {folder / name}.raw (binary file)" in err
    assert "1 repaired, 0 unchanged, 5 skipped" in err
