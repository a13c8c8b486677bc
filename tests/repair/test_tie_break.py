"""cp1252 and cp1254 explain damaged CJK text equally well; the one whose repair reads
better wins, and "reads better" counts words, not only character pairs.

cp1254 also loses bytes 0x8E and 0x9E; in a short text nothing shows them missing, so both
code pages fit. マ is E3 83 9E: only cp1254's reading can give it back.
"""

from __future__ import annotations

from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt
from digestkit.repair.engine import _fluency
from digestkit.repair.model import CharModel
from digestkit.repair.types import RepairSpan

CLEAN = "より人間らしいAIへ #AI #報酬学習 #マルチモーダル"


def test_the_code_page_whose_repair_forms_words_wins() -> None:
    for seed in range(3):
        got = repair_text(corrupt(CLEAN, "seed004", seed=seed))
        assert (got.text, got.encoding) == (CLEAN, "cp1254")


def _span(text: str, at: int) -> list[RepairSpan]:
    return [RepairSpan(at, at + 1, "?", text[at], 0.5, "lossy")]


def test_words_settle_what_pairs_get_wrong() -> None:
    right, wrong = "#報酬学習 #マルチモーダル", "#報酬学習 #ネルチモーダル"
    at = right.index("マ")
    model = CharModel("ja")
    pairs = [sum(model.logp(a, b) for a, b in zip(t[at - 1 : at + 2], t[at : at + 2], strict=False)) for t in (right, wrong)]  # fmt: skip
    assert pairs[0] < pairs[1]  # #ネ and ネル are the likelier pairs
    assert _fluency(right, _span(right, at)) > _fluency(wrong, _span(wrong, at))


def test_segmentation_value() -> None:
    model = CharModel("ja")
    assert model.segmentation_value("") == model.segmentation_value("ネ") == 0.0
    whole = model.segmentation_value("マルチモーダル")
    assert whole > 0
    # Non-overlapping words only: the best split never beats the sum of its parts' best.
    assert model.segmentation_value("マルチモーダル学習") >= whole
    assert model.segmentation_value("ネルチモーダル") < whole
