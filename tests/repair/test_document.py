"""What the document shows intact votes for the lost bytes, and only what it shows intact.

Japanese word lists rank 規約 (terms) above 要約 (summary), and both lose a byte to cp1254;
a digest that writes 要約 intact in its clean lines should get it back in the damaged ones.
"""

from __future__ import annotations

from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt
from digestkit.repair.model import CharModel
from digestkit.repair.types import LossyWeights, RepairConfig

CLEAN = "\n".join(["- 論文の要約を読む。"] * 3)
DAMAGED = CLEAN + "\n" + corrupt("## 要約\n本文の要約です。", "seed004")


def test_a_word_intact_elsewhere_wins() -> None:
    assert repair_text(DAMAGED).text.endswith("## 要約\n本文の要約です。")


def test_without_the_document_the_word_list_wins() -> None:
    # Running-text trigrams (の要約) also vote for 要約: off, to see the document's part alone.
    weights = LossyWeights(trigram_weight=0.0)
    off = repair_text(DAMAGED, RepairConfig(document_prior=False, weights=weights)).text
    assert off.endswith("## 規約\n本文の規約です。")


def test_the_intact_signal_is_what_decides() -> None:
    weights = LossyWeights(trigram_weight=0.0, cache_weight=0.0, intact_weight=0.0)
    assert "要約です" not in repair_text(DAMAGED, RepairConfig(weights=weights)).text


def test_running_text_trigrams_alone_bring_it_back() -> None:
    # Without the document: the word list says 規約, the running text's の要約 says 要約.
    off = repair_text(DAMAGED, RepairConfig(document_prior=False)).text
    assert off.endswith("本文の要約です。")


def test_only_intact_text_is_counted() -> None:
    # The damaged line's readings never enter the cache: its pairs come from clean lines.
    m = CharModel("ja")
    m.observe_intact(CLEAN)
    assert m.intact["要約"] == 3
    assert m.intact_bonus("", "規", "約") == 0.0
    assert m.logp("要", "約") > CharModel("ja").logp("要", "約")


def test_clean_text_is_unchanged_with_the_cache() -> None:
    assert repair_text(CLEAN).text == CLEAN
