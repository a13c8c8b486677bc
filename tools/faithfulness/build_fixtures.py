"""Build the labelled faithfulness fixtures: ``python -m tools.faithfulness.build_fixtures``.

Why a script: labelled pairs are only trustworthy if anyone can rebuild them and get the
same bytes. This reads the seeds (seed 003: five English abstracts with Japanese
summaries; seed 004: a mojibake'd bot README with Chinese summaries of truncated English
abstracts), repairs and parses them with digestkit's own pipeline, makes faithful base
pairs in ja, zh and en, and writes every scripted perturbation and faithful control of
:mod:`.perturb` with a fixed seed. It also copies the SummEdits dev file beside them.

Seed 004's abstracts stop mid-sentence ("..."), while its Chinese summaries describe the
whole paper, so a summary is not a fair faithful pair as is. The base summary keeps only
the summary sentences whose every Latin-script token and every digit run occurs verbatim
in the abstract, and which carry at least one such anchor; up to three, in their order.
This literal-substring rule is simpler than the scorer's checks (no acronyms, no derived
numbers, no plurals), so it is not the scorer grading itself, but it does mean the
name/number part of the zh false-flag rate is favourable by construction: the claim
checks are what those controls really test.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from digestkit.faithfulness import perturb
from digestkit.faithfulness._text import latin_tokens, sentences
from digestkit.faithfulness.names import extract_names

__all__ = ["Base", "build", "main", "pairs_for"]

log = logging.getLogger(__name__)

SEED = 20260222
SUMMEDITS = "summedits_scitldr_dev.json"
HANDWRITTEN = Path("src") / "zh_seed003_handwritten.json"  # under the output directory
_BEYOND_ABSTRACT = re.compile(r"局限|未来|不足|展望|限制|实验设置|消融|超参")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_MARKUP = re.compile(r"\*\*|__|`|#+\s*|^\s*[-*>]\s*|^\s*\d+\.\s+|\$[^$]*\$", re.M)


@dataclass(frozen=True)
class Base:
    """A faithful (source, summary) pair to perturb."""

    id: str
    source: str
    summary: str
    lang: str
    origin: str


def _clean(text: str) -> str:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("|")]
    return _MARKUP.sub("", "\n".join(lines))


def _truncated_abstract(abstract: str) -> str:
    """Seed 004 abstracts end in '...': keep the complete sentences only."""
    text = abstract.strip()
    if not text.endswith("..."):
        return text
    spans = sentences(text.removesuffix("..."))
    return " ".join(text[a:b] for a, b in spans[:-1]) if len(spans) > 1 else ""


def _anchored(sentence: str, abstract: str) -> bool:
    """Every Latin token and digit run occurs verbatim in the abstract, and there is one."""
    low = abstract.casefold()
    tokens = [m.group() for m in latin_tokens(sentence) if len(m.group()) > 1]
    digits = re.findall(r"\d+(?:\.\d+)?", sentence)
    anchors = tokens + digits
    return bool(anchors) and all(
        re.search(rf"(?<![a-z0-9]){re.escape(a.casefold())}(?![a-z0-9])", low) for a in anchors
    )


def _zh_summary(body: str, abstract: str, doubtful: Callable[[str], bool]) -> str:
    """Up to three anchored, confidently repaired sentences, best anchored first picked."""
    found = []
    skipping = False
    for line in body.splitlines():
        if line.lstrip().startswith("#"):
            # Limitations and future work go beyond any abstract: not faithful bases.
            skipping = bool(_BEYOND_ABSTRACT.search(line))
            continue
        line = _clean(line)
        if skipping:
            continue
        for a, b in sentences(line):
            s = line[a:b].strip(" ：:")
            if len(_CJK.findall(s)) >= 8 and _anchored(s, abstract) and not doubtful(s):
                found.append(s if s.endswith(("。", "！", "？")) else s + "。")
    found = list(dict.fromkeys(found))
    best = sorted(range(len(found)), key=lambda i: (-_anchor_count(found[i]), i))[:3]
    return "".join(found[i] for i in sorted(best))


def _anchor_count(sentence: str) -> int:
    return len({m.group() for m in latin_tokens(sentence)} | set(re.findall(r"\d+", sentence)))


def _doubtful_checker(raw: bytes, min_confidence: float = 0.8) -> Callable[[str], bool]:
    """Is a sentence (located by its first and last characters) inside a repaired span the
    lossy repair was unsure of? Such a sentence may have a wrong character (不 for 中
    flips a claim), so it is no faithful base. Sentences that cannot be located count as
    doubtful too."""
    from digestkit.repair import repair_bytes

    repaired = repair_bytes(raw)
    text = repaired.text
    weak = [(s.start, s.end) for s in repaired.spans if s.confidence < min_confidence]

    def doubtful(sentence: str) -> bool:
        core = sentence.rstrip("。！？")
        head, tail = core[:6], core[-6:]
        start = text.find(head)
        end = text.find(tail, start) + len(tail) if start >= 0 else -1
        if start < 0 or end < len(tail) or end - start > 3 * len(sentence):
            return True
        return any(a < end and start < b for a, b in weak)

    return doubtful


def _extractive(abstract: str, k: int = 2) -> str:
    """An English extractive summary: the k sentences richest in names and numbers."""
    spans = sentences(abstract)
    scored = []
    for i, (a, b) in enumerate(spans):
        s = abstract[a:b]
        if "http" in s or len(s) < 40:
            continue
        weight = len([n for n in extract_names(s, cjk=False) if n.strong])
        weight += len(re.findall(r"\d", s)) > 0
        scored.append((-weight, i, s))
    chosen = sorted(sorted(scored)[:k], key=lambda t: t[1])
    return " ".join(s for _, _, s in chosen)


def load_bases(seeds: Path, handwritten_path: Path | None = None) -> list[Base]:
    """Faithful base pairs from seeds 003 (ja) and 004 (zh), and English extractive ones."""
    from digestkit.digest.parse import parse_digest

    bases: list[Base] = []
    handwritten: dict[str, str] = {}
    if handwritten_path is not None and handwritten_path.exists():
        handwritten = json.loads(handwritten_path.read_text("utf-8"))["summaries"]
    for path, lang in (
        (next(seeds.glob("003_*.txt")), "ja"),
        (next(seeds.glob("004_*.txt")), "zh"),
    ):
        raw = path.read_bytes()
        doubtful = _doubtful_checker(raw) if lang == "zh" else (lambda s: False)
        for entry in parse_digest(raw, path=str(path)).digest.entries:
            if not entry.abstract or entry.summary is None:
                continue
            abstract = entry.abstract if lang == "ja" else _truncated_abstract(entry.abstract)
            body = "\n".join(text for _, text in entry.summary.sections)
            summary = (
                _clean(body).strip() if lang == "ja" else _zh_summary(body, abstract, doubtful)
            )
            key = entry.arxiv_id or entry.title[:20]
            origin = path.name[:3]
            if abstract and summary:
                bases.append(Base(f"{lang}-{key}", abstract, summary, lang, origin))
            if key in handwritten:
                bases.append(
                    Base(
                        f"zh-{key}", abstract, handwritten[key], "zh", f"{origin} (hand-written zh)"
                    )
                )
            english = _extractive(abstract)
            if abstract and english:
                bases.append(Base(f"en-{key}", abstract, english, "en", origin))
    return bases


def _name_pool(bases: list[Base]) -> tuple[str, ...]:
    names = {n.text for b in bases for n in extract_names(b.source, cjk=False) if n.strong}
    return tuple(sorted(n for n in names if 3 <= len(n) <= 20 and not n.isdigit()))


def pairs_for(
    base: Base, rng: random.Random, pool: tuple[str, ...], other: str
) -> Iterator[perturb.Perturbation]:
    """Every perturbation and control of one base pair (``other``: a summary in another
    language of the same paper, for the wrong-language case)."""
    yield perturb.Perturbation("original", base.summary, "", faithful=True)
    for control in (perturb.drop_sentence, perturb.reorder_sentences):
        p = control(base.summary, rng)
        if p:
            yield p
    seen = {base.summary}
    for _ in range(5):  # up to five distinct number and name edits per base
        for p in (
            perturb.swap_number(base.summary, base.source, rng),
            perturb.swap_name(base.summary, base.source, rng, pool),
        ):
            if p and p.summary not in seen:
                seen.add(p.summary)
                yield p
    for p in (
        perturb.add_negation(base.summary, base.lang, rng),
        perturb.swap_antonym(base.summary, base.lang, rng),
        perturb.insert_fact(base.summary, base.source, base.lang, rng, pool),
        perturb.wrong_language(base.summary, other, base.lang),
    ):
        if p:
            yield p


def build(seeds: Path, out: Path, summedits: Path | None = None) -> dict[str, int]:
    """Write ``scripted_{ja,zh,en}.jsonl`` (and copy SummEdits) into ``out``; return counts."""
    out.mkdir(parents=True, exist_ok=True)
    bases = load_bases(seeds, out / HANDWRITTEN)
    pool = _name_pool(bases)
    by_paper = {b.id.split("-", 1)[1]: b for b in bases if b.lang != "en"}
    extractive = {b.id.split("-", 1)[1]: b for b in bases if b.lang == "en"}
    counts: dict[str, int] = {}
    for lang in ("ja", "zh", "en"):
        rng = random.Random(f"{SEED}-{lang}")
        lines: list[dict[str, object]] = []
        for base in (b for b in bases if b.lang == lang):
            key = base.id.split("-", 1)[1]
            twin = extractive.get(key) if lang != "en" else by_paper.get(key)
            for p in pairs_for(base, rng, pool, twin.summary if twin else ""):
                lines.append(_record(base, p, len(lines)))
        path = out / f"scripted_{lang}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
        counts[path.name] = len(lines)
    if summedits is not None:
        shutil.copyfile(summedits, out / SUMMEDITS)
    return counts


def _record(base: Base, p: perturb.Perturbation, n: int) -> dict[str, object]:
    return {
        "id": f"{base.id}-{n:03d}-{p.kind}",
        "base_id": base.id,
        "source": base.source,
        "summary": p.summary,
        "lang": p.lang or base.lang,
        "label": "faithful" if p.faithful else "unfaithful",
        "perturbation": p.kind,
        "detail": p.detail,
        "origin": f"seed {base.origin}",
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--seeds DIR --out DIR [--summedits FILE]``."""
    ap = argparse.ArgumentParser(prog="python -m tools.faithfulness.build_fixtures")
    ap.add_argument("--seeds", type=Path, default=Path("fixtures/seeds"))
    ap.add_argument("--out", type=Path, default=Path("fixtures/faithfulness"))
    ap.add_argument(
        "--summedits",
        type=Path,
        default=Path("../shared/fixtures") / SUMMEDITS,
        help="copied into --out when it exists (the committed copy stays otherwise)",
    )
    args = ap.parse_args(argv)
    summedits = args.summedits if args.summedits.exists() else None
    for name, count in build(args.seeds, args.out, summedits).items():
        log.info("%s: %d pairs", name, count)
        print(f"{name}: {count} pairs")  # noqa: T201 - a build script reports what it wrote
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
