"""Which PDF library should digestkit read PDFs with? A side-by-side measurement.

Each candidate gives positioned words with font sizes to the same layout code
(:func:`digestkit.fulltext.pdf_layout.layout`), so the comparison is of the libraries, not
of two layout algorithms. Also timed: each library's own plain-text pass (what a caller
gets without layout), and its trigram F1 against the gold body text.

Measures per library, over the fixtures with a text layer: heading recall, body trigram
F1, table-number recall (grids), sentence recall (gold sentences found whole in the
section text: a sentence wrapping from the left column to the right, or over a page,
comes out whole only when the reading order and hyphenation are right), pages/s.

    .venv/bin/python tools/compare_pdf_libs.py [FIXTURE_DIR]

pdfminer.six and pypdf are not digestkit dependencies; install them to run this.
"""

from __future__ import annotations

import io
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestkit.evaluation.fulltext_metrics import score_extraction, trigram_f1  # noqa: E402
from digestkit.fulltext.pdf import _style, read_pages  # noqa: E402
from digestkit.fulltext.pdf_layout import layout  # noqa: E402
from digestkit.fulltext.pdf_lines import Page, Word  # noqa: E402


def pdfminer_pages(data: bytes) -> list[Page]:
    """pdfminer.six characters (no layout analysis: ``laparams=None``) grouped into words
    by the same rules as the PDFium reader."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer

    def chars(obj: object) -> Iterator[LTChar]:
        if isinstance(obj, LTChar):
            yield obj
        elif isinstance(obj, LTContainer):
            for o in obj:
                yield from chars(o)

    pages = []
    for lt in extract_pages(io.BytesIO(data), laparams=None):
        pages.append(Page(lt.width, lt.height, tuple(_group(chars(lt)))))
    return pages


def _group(chars: Iterator[object]) -> list[Word]:
    """The PDFium reader's word rules over pdfminer's LTChar objects."""
    words: list[Word] = []
    cur: list[str] = []
    box = [0.0, 0.0, 0.0, 0.0]
    style = (False, False)

    def emit() -> None:
        if cur:
            words.append(Word("".join(cur), box[0], box[1], box[2], box[3], *style))
            cur.clear()

    for ch in chars:
        text = ch.get_text()  # type: ignore[attr-defined]
        if not ch.upright or not text.strip():  # type: ignore[attr-defined]
            emit()
            continue
        x0, x1 = ch.x0, ch.x1  # type: ignore[attr-defined]
        size, base = ch.size, ch.matrix[5]  # type: ignore[attr-defined]
        if cur and (abs(base - box[2]) > 0.3 * size or x0 - box[1] > 0.12 * size
                    or x0 < box[1] - 0.5 * size or abs(size - box[3]) > 0.15 * box[3]):  # fmt: skip
            emit()
        if not cur:
            box[:] = [x0, x1, base, size]
            style = _style(ch.fontname, 0)  # type: ignore[attr-defined]
        box[1] = max(box[1], x1)
        cur.append(text)
    emit()
    return words


def pdfium_plain(data: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def pdfminer_plain(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def pypdf_plain(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def sentence_recall(gold_text: str, got: str) -> float:
    norm = lambda t: re.sub(r"\s+", " ", t).strip()  # noqa: E731
    got_n = norm(got)
    sents = [s for s in re.split(r"(?<=\.)\s+", norm(gold_text)) if len(s) > 20 and "$" not in s]
    return sum(s in got_n for s in sents) / len(sents)


def timed(fn: Callable[[], object], rounds: int = 3) -> tuple[object, float]:
    best, out = float("inf"), None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def main(folder: Path) -> None:
    readers: dict[str, Callable[[bytes], list[Page]]] = {
        "pypdfium2": lambda d: read_pages(d)[0],
        "pdfminer.six": pdfminer_pages,
    }
    plains = {"pypdfium2": pdfium_plain, "pdfminer.six": pdfminer_plain, "pypdf": pypdf_plain}
    rows: dict[str, dict[str, list[float]]] = {}
    for pdf in sorted(folder.glob("*.pdf")):
        gold = json.loads((folder / f"{pdf.stem}.gold.json").read_text(encoding="utf-8"))
        if gold.get("text_layer") is False:
            continue
        data = pdf.read_bytes()
        for name in plains:
            r = rows.setdefault(name, {})
            text, secs = timed(lambda: plains[name](data))  # noqa: B023
            pages = len(read_pages(data)[0])
            r.setdefault("plain_pages_per_s", []).append(pages / secs)
            r.setdefault("plain_f1", []).append(trigram_f1(gold["body_text"], str(text)))
            r.setdefault("plain_sentences", []).append(
                sentence_recall(gold["body_text"], str(text))
            )
            if name not in readers:
                continue
            got, secs = timed(lambda: layout(readers[name](data)))  # noqa: B023
            m = score_extraction(got, gold)  # type: ignore[arg-type]
            section_text = "\n\n".join(s.text for s in got.sections)  # type: ignore[attr-defined]
            for k in ("heading_recall", "body_f1", "table_number_recall", "references"):
                r.setdefault(k, []).append(float(m[k] or 0.0))
            r.setdefault("sentences", []).append(sentence_recall(gold["body_text"], section_text))
            r.setdefault("pages_per_s", []).append(pages / secs)
            print(f"{name:13} {pdf.stem:24} " + " ".join(f"{k}={v[-1]:.3f}" for k, v in r.items()))
    keys = ["heading_recall", "body_f1", "table_number_recall", "sentences", "references",
            "pages_per_s", "plain_f1", "plain_sentences", "plain_pages_per_s"]  # fmt: skip
    print("\n| library | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, r in rows.items():
        cells = [f"{statistics.mean(r[k]):.3f}" if k in r else "-" for k in keys]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fixtures" / "fulltext" / "pdf")
