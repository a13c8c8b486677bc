"""Repair section: how much of the corrupted text comes back, per corruption kind and language.

Why beside ftfy: ``ftfy.fix_encoding`` is the best existing tool and the baseline the repair
issue promises to beat, so every case is repaired by both and scored the same way:
character error rate (edit distance / reference length) and exact-match rate. The cases are
``fixtures/eval/repair_pairs.json`` (made from the seeds by ``eval/make_repair_pairs.py``
with the repair engine's own ``corrupt()``), plus the clean seeds themselves, which must come
back byte-identical (kind ``clean``).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digestkit.evaluation.metrics import cer, mean
from digestkit.evaluation.result import Context, SectionResult, Table
from digestkit.lang import detect_language

__all__ = ["PAIRS_FILE", "RepairCase", "load_cases", "run", "score_cases"]

log = logging.getLogger(__name__)

PAIRS_FILE = Path("eval") / "repair_pairs.json"
CLEAN_SEEDS = ("000", "001", "002", "003")


@dataclass(frozen=True)
class RepairCase:
    """One corrupted text and the clean text it came from."""

    id: str
    lang: str
    kind: str
    corrupted: str
    clean: str
    category: str = ""  # "lossless" | "lossy" | "clean"; "" = infer from the kind name
    origin: str = ""  # where the clean text came from (e.g. "handwritten"), if the file says


@dataclass(frozen=True)
class CaseScore:
    case: RepairCase
    cer: float
    exact: bool
    ftfy_cer: float
    ftfy_exact: bool


def is_lossless(kind: str) -> bool:
    """Whether a corruption kind keeps every byte (so repair must be exact), as the one
    table of kinds says (:data:`digestkit.repair.corrupt.KINDS`).

    >>> is_lossless("cp1252"), is_lossless("cp1252-ignore"), is_lossless("mixed")
    (True, False, True)
    """
    from digestkit.repair.corrupt import KINDS

    known = KINDS.get(kind)
    if known is None:
        raise ValueError(f"unknown corruption kind {kind!r}: give the case a category")
    return not known.lossy


def category(kind: str) -> str:
    """``clean``, ``lossless`` or ``lossy``, from the table of kinds.

    >>> category("clean"), category("mixed-lossy")
    ('clean', 'lossy')
    """
    if kind == "clean":
        return "clean"
    return "lossless" if is_lossless(kind) else "lossy"


def _engine_cases(directory: Path) -> list[RepairCase]:
    """The repair engine's own real and negative cases (``{"label", "in", "out"}`` lists), if any.

    ``in_the_wild.json`` holds lines cut from seed 004 with their checked repair: the only
    real (not generated) damage in the repository, category ``real``. Kind ``seed004-line``
    repairs each line alone (no context); :func:`in_document_scores` adds kind
    ``seed004-doc``: the same lines cut from a repair of the whole file, as users run it.
    ``negative.json`` holds clean text that must not change (kind ``clean``).
    """
    found = []
    for name, kind, cat in (
        ("in_the_wild.json", "seed004-line", "real"),
        ("negative.json", "clean", "clean"),
    ):
        path = directory / name
        if not path.is_file():
            continue
        for n, c in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            lang = _lang(c["out"])
            found.append(
                RepairCase(f"{path.stem}-{c.get('label', n)}", lang, kind, c["in"], c["out"], cat)
            )
    return found


def _lang(text: str) -> str:
    # langdetect names a language for any short Latin string; only these four are reported.
    lang = detect_language(text).lang
    return lang if lang in ("ja", "zh", "en", "ko") else "other"


def in_document_scores(
    fixtures: Path, repair: Callable[[str], str], baseline: Callable[[str], str]
) -> list[CaseScore]:
    """Score the real seed-004 lines as cut from a repair of the whole file (its real use)."""
    path = fixtures / "repair" / "in_the_wild.json"
    seeds = sorted((fixtures / "seeds").glob("004_*.txt"))
    if not path.is_file() or not seeds:
        return []
    text = seeds[0].read_text(encoding="utf-8")
    lines, ours, theirs = text.split("\n"), repair(text).split("\n"), baseline(text).split("\n")
    if len(ours) != len(lines) or len(theirs) != len(lines):
        raise ValueError("repairing seed 004 changed its number of lines; cannot cut lines out")
    scores = []
    for c in json.loads(path.read_text(encoding="utf-8")):
        where = str(c.get("label", ""))
        if not where.startswith("seed004:"):
            continue
        n = int(where.split(":")[1]) - 1
        if lines[n] != c["in"]:
            continue  # the case no longer matches the seed's line: skip rather than misscore
        case = RepairCase(f"doc-{where}", _lang(c["out"]), "seed004-doc", c["in"], c["out"], "real")
        scores.append(CaseScore(case, cer(ours[n], c["out"]), ours[n] == c["out"],
                                cer(theirs[n], c["out"]), theirs[n] == c["out"]))  # fmt: skip
    return scores


def load_cases(fixtures: Path) -> list[RepairCase]:
    """The pairs file, the engine's real and negative cases, and the clean seeds."""
    path = fixtures / PAIRS_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    cases = [
        RepairCase(
            str(c["id"]),
            str(c["lang"]),
            str(c["kind"]),
            c["corrupted"],
            c["clean"],
            str(c.get("category") or category(str(c["kind"]))),
            str(c.get("origin", "")),
        )
        for c in raw["cases"]
    ]
    cases += _engine_cases(fixtures / "repair")
    for number in CLEAN_SEEDS:
        for seed in sorted((fixtures / "seeds").glob(f"{number}_*.txt")):
            text = seed.read_text(encoding="utf-8")
            lang = _lang(text)
            cases.append(RepairCase(f"seed-{number}", lang, "clean", text, text, "clean"))
    return cases


def score_cases(
    cases: Iterable[RepairCase],
    repair: Callable[[str], str],
    baseline: Callable[[str], str],
) -> list[CaseScore]:
    """Repair every case with ``repair`` and ``baseline`` and score both against the gold."""
    scores = []
    for case in cases:
        ours = repair(case.corrupted)
        theirs = baseline(case.corrupted)
        scores.append(
            CaseScore(
                case=case,
                cer=cer(ours, case.clean),
                exact=ours == case.clean,
                ftfy_cer=cer(theirs, case.clean),
                ftfy_exact=theirs == case.clean,
            )
        )
    return scores


def _cat(case: RepairCase) -> str:
    return case.category or category(case.kind)


def _group(
    scores: Sequence[CaseScore], key: Callable[[CaseScore], Any]
) -> dict[Any, list[CaseScore]]:
    groups: dict[Any, list[CaseScore]] = defaultdict(list)
    for s in scores:
        groups[key(s)].append(s)
    return dict(sorted(groups.items()))


def _stats(group: Sequence[CaseScore]) -> dict[str, float]:
    return {
        "cer": mean(s.cer for s in group),
        "exact": mean(float(s.exact) for s in group),
        "ftfy_cer": mean(s.ftfy_cer for s in group),
        "ftfy_exact": mean(float(s.ftfy_exact) for s in group),
        "n": float(len(group)),
    }


def _per_language(
    groups: dict[tuple[str, str], list[CaseScore]], result: SectionResult
) -> list[tuple[Any, ...]]:
    """``cer.<group>.<lang>`` / ``exact.<group>.<lang>`` metrics and one table row per group."""
    rows = []
    for (key, lang), group in groups.items():
        st = _stats(group)
        result.metrics[f"cer.{key}.{lang}"] = st["cer"]
        result.metrics[f"exact.{key}.{lang}"] = st["exact"]
        rows.append(
            (key, lang, int(st["n"]), st["cer"], st["exact"], st["ftfy_cer"], st["ftfy_exact"])
        )
    return rows


def summarize_scores(scores: Sequence[CaseScore]) -> SectionResult:
    """Metrics, tables and chart data from scored cases (pure; tested on tiny inputs)."""
    result = SectionResult(name="repair")
    by_kind_lang = _group(scores, lambda s: (s.case.kind, s.case.lang))
    by_cat = _group(scores, lambda s: _cat(s.case))
    by_cat_lang = _group(scores, lambda s: (_cat(s.case), s.case.lang))
    rows = _per_language(by_kind_lang, result)
    for cat, group in by_cat.items():
        st = _stats(group)
        for name in ("cer", "exact", "ftfy_cer", "ftfy_exact"):
            result.metrics[f"{name.replace('ftfy_', 'ftfy.')}.{cat}"] = st[name]
    cat_rows = _per_language(by_cat_lang, result)
    columns = ("category", "lang", "cases", "CER", "exact", "ftfy CER", "ftfy exact")
    result.tables.append(Table("Repair by corruption category and language", columns, tuple(cat_rows),
                               note="CER = edit distance / clean length; ftfy = ftfy.fix_encoding on the same input."))  # fmt: skip
    result.tables.append(_pivot(rows))
    origin_rows = _origin_rows(scores)
    if origin_rows:
        result.tables.append(Table("Lossy cases by origin of the clean text",
                                   ("lang", "origin", "cases", "CER", "exact", "ftfy CER"), origin_rows,
                                   note="Text that passed through the repair model (seed004-repaired) can flatter it."))  # fmt: skip
    inexact = [s.case.id for s in scores if _cat(s.case) != "lossy" and not s.exact]
    if inexact:
        result.notes.append(
            f"Lossless or clean cases not restored exactly ({len(inexact)}): "
            + ", ".join(inexact[:12])
        )
    worst = sorted((s for s in scores if not s.exact), key=lambda s: -s.cer)[:5]
    if worst:
        result.notes.append(
            "Worst cases: " + ", ".join(f"{s.case.id} (CER {s.cer:.4f})" for s in worst)
        )
    result.headline = tuple(
        m
        for m in (
            "cer.lossy",
            "exact.lossless",
            "exact.clean",
            "cer.seed004-doc.zh",
            "ftfy.cer.lossy",
        )
        if m in result.metrics
    )
    result.data = {"by_kind_lang": rows, "by_cat_lang": cat_rows}
    result.summary = _summary_line(result.metrics, len(scores))
    return result


def _origin_rows(scores: Sequence[CaseScore]) -> tuple[tuple[Any, ...], ...]:
    lossy = [s for s in scores if s.case.origin and _cat(s.case) == "lossy"]
    groups = _group(lossy, lambda s: (s.case.lang, s.case.origin))
    return tuple((lang, origin, len(g), mean(s.cer for s in g), mean(float(s.exact) for s in g),
                  mean(s.ftfy_cer for s in g)) for (lang, origin), g in groups.items())  # fmt: skip


def _pivot(rows: Sequence[tuple[Any, ...]]) -> Table:
    """One row per kind; per language "digestkit CER / ftfy CER (exact cases)"."""
    langs = [lang for lang in ("ja", "zh", "en") if any(r[1] == lang for r in rows)]
    langs += sorted({r[1] for r in rows} - set(langs))
    cell = {(r[0], r[1]): r for r in rows}
    out = []
    for kind in dict.fromkeys(r[0] for r in rows):
        line: list[Any] = [kind]
        for lang in langs:
            r = cell.get((kind, lang))
            line.append("–" if r is None else f"{r[3]:.3%} / {r[5]:.1%} ({r[4]:.0%} exact)")
        out.append(tuple(line))
    return Table("Repair CER per corruption kind: digestkit / ftfy (digestkit exact-match rate)",
                 ("kind", *langs), tuple(out))  # fmt: skip


def _summary_line(m: dict[str, float], n: int) -> str:
    parts = [f"{n} cases"]
    if "cer.lossy" in m:
        parts.append(f"lossy CER {m['cer.lossy']:.4%} (ftfy {m['ftfy.cer.lossy']:.2%})")
    if "exact.lossless" in m:
        parts.append(
            f"lossless exact {m['exact.lossless']:.1%} (ftfy {m['ftfy.exact.lossless']:.1%})"
        )
    if "exact.clean" in m:
        parts.append(f"clean unchanged {m['exact.clean']:.0%}")
    if "cer.seed004-doc.zh" in m:
        parts.append(f"real seed-004 lines: CER {m['cer.seed004-doc.zh']:.2%} repairing the whole file, "
                     f"{m.get('cer.seed004-line.zh', float('nan')):.2%} line by line")  # fmt: skip
    return "; ".join(parts)


def run(ctx: Context) -> SectionResult:
    """Run the repair section on ``ctx.fixtures``."""
    import ftfy

    from digestkit.repair import repair_text

    cases = load_cases(ctx.fixtures)
    if ctx.quick:
        cases = cases[:: max(1, len(cases) // 40)]
    scores = score_cases(cases, lambda t: repair_text(t).text, ftfy.fix_encoding)
    scores += in_document_scores(ctx.fixtures, lambda t: repair_text(t).text, ftfy.fix_encoding)
    result = summarize_scores(scores)
    add_damage_rates(result, _damage_cases(ctx, cases), lambda t: repair_text(t).text)
    return result


def _damage_cases(
    ctx: Context, cases: Sequence[RepairCase]
) -> list[tuple[str, str, str, str, str]]:
    """(set, lang, kind, clean, corrupted): the eval pairs, then the dev set under every
    lossy kind (as ``eval/repair_dev.py`` makes it)."""
    from digestkit.evaluation.repair_damage import dev_chunks
    from digestkit.repair.corrupt import LOSSY_KINDS, corrupt

    out = [("eval", c.lang, c.kind, c.clean, c.corrupted) for c in cases]
    for lang in ("ja", "zh"):
        chunks = dev_chunks(ctx.fixtures, lang)
        step = max(1, len(chunks) // 4) if ctx.quick else 1
        for n, (_, clean) in enumerate(chunks):
            if n % step == 0:
                out += [("dev", lang, k, clean, corrupt(clean, k, seed=n)) for k in LOSSY_KINDS]
    return out


def add_damage_rates(
    result: SectionResult,
    cases: Sequence[tuple[str, str, str, str, str]],
    repair: Callable[[str], str],
) -> None:
    """``damaged_error.<set>.<lang>.<code page>`` metrics and their table (see
    :mod:`digestkit.evaluation.repair_damage`)."""
    from digestkit.evaluation.repair_damage import damage_table_rows

    rows = []
    for (name, lang, codec), (wrong, damaged) in damage_table_rows(cases, repair).items():
        rate = wrong / damaged if damaged else 0.0
        result.metrics[f"damaged_error.{name}.{lang}.{codec}"] = rate
        rows.append((name, lang, codec, damaged, wrong, rate))
    if not rows:
        return
    result.tables.append(Table(
        "Error rate per damaged character (zh, ja), per code page",
        ("set", "lang", "code page", "damaged chars", "wrong", "error rate"), tuple(rows),
        note="A character is damaged when the corruption lost one of its bytes; eval = "
             "make eval's pairs (never tuned on), dev = the development set (tuned on)."))  # fmt: skip
    overall = [f"{lang} {result.metrics[f'damaged_error.eval.{lang}.all']:.2%}"
               for lang in ("zh", "ja") if f"damaged_error.eval.{lang}.all" in result.metrics]  # fmt: skip
    if overall:
        result.summary += "; error per damaged character (eval) " + ", ".join(overall)
