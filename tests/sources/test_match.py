"""Whole-word keyword matching: cases from the seed bots' bugs, and hypothesis properties."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digestkit.sources.match import Term

# ---------------------------------------------------------------- cases

POSITIVE = [
    ("RL", "We train with RL."),
    ("RL", "RL-based fine-tuning"),
    ("RL", "(RL)"),
    ("RL", "“RL”"),
    ("RL", "RLを用いた学習"),
    ("RL", "基于RL的方法"),
    ("RL", "ＲＬ（強化学習）"),
    ("LLM", "LLM-based agents"),
    ("LLM", "LLMs are"),
    ("LLM", "LLM/VLM"),
    ("MoE", "Sparse MoE layers"),
    ("agent", "Agents act"),
    ("agent", "multi-agent systems"),
    ("GPT-4", "compared to GPT-4."),
    ("GPT-4", "compared to GPT 4"),
    ("large language model", "Large-language\nmodels are"),
    ("reinforcement learning", "Reinforcement Learning from feedback"),
    ("强化学习", "基于深度强化学习的方法"),
    ("強化学習", "強化学習を用いた"),
    ("エージェント", "マルチ・エージェント"),
    ("エージェント", "エージェントを"),
    ("transformer", "Transformers, too"),
    ("process", "processes"),
    ("3D", "3D-aware generation"),
    ("C++", "written in C++."),
]

NEGATIVE = [
    ("RL", "early work"),
    ("RL", "the world"),
    ("RL", "RLHF"),
    ("RL", "RL2"),
    ("RL", "rl"),
    ("RL", "URL"),
    ("LLM", "MLLM"),
    ("LLM", "llm"),
    ("MoE", "moe"),
    ("MoE", "MoEs2"),
    ("agent", "reagent"),
    ("agent", "agentic"),
    ("agent", "agent_x"),
    ("GPT", "GPT4"),
    ("ViT", "ViTal"),
    ("エージェント", "エージェントリ"),
    ("reinforcement learning", "reinforcement learningX"),
    ("café", "cafés2"),
]


@pytest.mark.parametrize(("term", "text"), POSITIVE)
def test_matches(term: str, text: str) -> None:
    assert Term(term).count(text) >= 1, (term, text)


@pytest.mark.parametrize(("term", "text"), NEGATIVE)
def test_does_not_match(term: str, text: str) -> None:
    assert Term(term).count(text) == 0, (term, text)


def test_case_sensitive_override() -> None:
    assert Term("RL", case_sensitive=False).count("rl") == 1
    assert Term("agent", case_sensitive=True).count("Agent") == 0


def test_empty_term_is_refused() -> None:
    with pytest.raises(ValueError):
        Term("  ")


# ---------------------------------------------------------------- properties

letters = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8)
acronyms = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=5)
words = st.one_of(letters, acronyms)
punct = st.text(alphabet=" \t\n.,;:!?()[]{}\"'“”‘’-–—/、。，（）「」", max_size=4)
word_chars = st.text(alphabet=string.ascii_letters + string.digits + "_éß", min_size=1, max_size=4)


def _is_plural_suffix(suffix: str) -> bool:
    # a plural is not another word; for case-insensitive terms "S" is a plural too
    return suffix.lower() in ("s", "es")


@settings(max_examples=200, deadline=None)
@given(term=words, before=word_chars, after=word_chars)
def test_keyword_never_matches_inside_another_word(term: str, before: str, after: str) -> None:
    """Glued to word characters on either side, a keyword is part of another word."""
    assert Term(term).count(before + term) == 0
    if not _is_plural_suffix(after):
        assert Term(term).count(term + after) == 0
    assert Term(term).count(before + term + after) == 0


@settings(max_examples=200, deadline=None)
@given(term=words, left=punct, right=punct)
def test_match_is_invariant_to_surrounding_punctuation(term: str, left: str, right: str) -> None:
    assert Term(term).count(left + term + right) == 1
    assert Term(term).count(f"{left}{term}{right} {left}{term}{right}") == 2


@settings(max_examples=100, deadline=None)
@given(term=words, cjk=st.text(alphabet="的是学習を用いたの中文方法", min_size=1, max_size=4))
def test_cjk_neighbours_are_boundaries_for_latin_terms(term: str, cjk: str) -> None:
    assert Term(term).count(cjk + term + cjk) == 1


@settings(max_examples=100, deadline=None)
@given(term=words, others=st.lists(words, max_size=6), sep=punct.filter(bool))
def test_matching_is_local_to_each_word(term: str, others: list[str], sep: str) -> None:
    """The count in a sentence is the sum of the counts in its words."""
    t = Term(term)
    sentence = (sep if sep.strip(" \t\n") == "" else f" {sep} ").join([term, *others])
    assert t.count(sentence) == 1 + sum(t.count(w) for w in others)


@settings(max_examples=100, deadline=None)
@given(term=acronyms)
def test_acronyms_are_case_sensitive(term: str) -> None:
    assert Term(term).count(term.lower()) == 0
    assert Term(term).count(term) == 1


# re's IGNORECASE takes İ and ı for i / I; a fast path that only lowered ASCII missed them.
@example(term="I", text="İ")
@example(term="is", text="ıS")
@settings(max_examples=150, deadline=None)
@given(
    term=st.one_of(
        words, st.sampled_from(["large language model", "GPT-4", "エージェント", "café"])
    ),
    text=st.text(alphabet=string.ascii_letters + " -.,_éÉİß強化エージェント", max_size=40),
)
def test_fast_count_agrees_with_the_reference_regex(term: str, text: str) -> None:
    """count() takes a lower-cased fast path; find() uses the IGNORECASE regex: same answer."""
    t = Term(term)
    assert t.count(text) == len(t.find(text))
    assert t.count(text + " " + term) == len(t.find(text + " " + term))


katakana = st.text(
    alphabet="アイウエオカキクケコサシスセソタチツテトナニヌネノマミムメモラリルレロンー",
    min_size=1,
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(term=katakana, before=katakana, after=katakana)
def test_katakana_term_never_matches_inside_a_longer_katakana_word(
    term: str, before: str, after: str
) -> None:
    assert Term(term).count(before + term + after) == 0
    t = Term(term)
    assert t.count(f"{before}・{term}、{after}") == 1 + t.count(before) + t.count(after)


def test_a_plural_ending_is_not_mixed_case() -> None:
    """Found by hypothesis: "ESEs" was counted as the term "Es" and a plural ending."""
    assert Term("Es").count("ESEs") == 0
    assert Term("agent").count("AGENTS agents Agents") == 3
    assert Term("Es").count("ES EES Es es ESES eses") == 5  # "ESES", "eses": plurals
