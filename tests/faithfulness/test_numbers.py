"""Numbers: extraction in en/ja/zh and support by the source (cases: found / not found)."""

from __future__ import annotations

import pytest

from digestkit.faithfulness.numbers import extract_quantities, is_supported, unsupported_quantities

SOURCE = (
    "SLA2 achieves 97% attention sparsity and an 18.6x speedup. Training time drops from "
    "55.34 to 34.41 hours. The model has 1.5B parameters and was trained on 27T tokens; "
    "accuracy rises from 83.8% to 99.8%. We study three questions."
)

SUPPORTED = [
    "SLA2は97%のスパース性を達成した。",  # ja, same number
    "SLA2は９７％のスパース性を達成した。",  # full-width
    "注意力计算加速18.6倍。",  # zh multiplier
    "an 18.6-fold speedup",
    "sparsity of 0.97",  # fraction for a percentage
    "1.61倍速い",  # derived: 55.34 / 34.41
    "about 38% less time",  # derived: relative change (55.34 - 34.41) / 55.34
    "a 16.0 percentage-point gain",  # derived: 99.8 - 83.8
    "1,500,000,000 parameters",  # 1.5B written out
    "15億パラメータ",  # 1.5B in 億
    "三つの問い",  # counted CJK numeral = "three"
    "3 questions",
]

UNSUPPORTED = [
    "SLA2は95%のスパース性を達成した。",
    "注意力计算加速16.8倍。",
    "a 21.5x speedup",
    "2.5B parameters",
    "trained on 30T tokens",
    "四つの問い",
    "accuracy of 88.1%",
    "about 21 hours saved",  # a plain difference is not derived (too many coincidences)
]


@pytest.mark.parametrize("summary", SUPPORTED)
def test_supported_numbers_are_not_flagged(summary: str) -> None:
    assert unsupported_quantities(summary, SOURCE) == []


@pytest.mark.parametrize("summary", UNSUPPORTED)
def test_unsupported_numbers_are_flagged(summary: str) -> None:
    assert unsupported_quantities(summary, SOURCE), summary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5万件", [(1.5, 1e4, "")]),
        ("3亿参数", [(3.0, 1e8, "")]),
        ("2.3 percentage points", [(2.3, 1.0, "pp")]),
        ("提升了5个百分点", [(5.0, 1.0, "pp")]),
        ("10K samples and 2M steps", [(10.0, 1e3, ""), (2.0, 1e6, "")]),
        ("２～５倍", [(2.0, 1.0, ""), (5.0, 1.0, "x")]),
        ("10-20%", [(10.0, 1.0, ""), (20.0, 1.0, "%")]),
        ("3×", [(3.0, 1.0, "x")]),
    ],
)
def test_extraction(text: str, expected: list[tuple[float, float, str]]) -> None:
    assert [(q.value, q.scale, q.unit) for q in extract_quantities(text)] == expected


@pytest.mark.parametrize("text", ["GPT-4", "SLA2", "pass@1", "Qwen2.5", "(2) why"])
def test_numbers_inside_names_and_list_markers_are_not_quantities(text: str) -> None:
    assert extract_quantities(text) == ()


def test_spans_index_the_original_text() -> None:
    text = "精度は９７．５％に達した"
    (q,) = extract_quantities(text)
    assert text[q.span[0] : q.span[1]] == q.text == "９７．５％"


def test_rounding_is_allowed_only_towards_less_precision() -> None:
    (rounded,) = extract_quantities("about 19x")
    (wrong,) = extract_quantities("18.4x")
    assert is_supported(rounded, "an 18.6x speedup")
    assert not is_supported(wrong, "an 18.6x speedup")
