"""Normalisation folds script, width and case and drops emoji and URLs."""

from __future__ import annotations

from nlp.normalise import normalise


def test_traditional_is_folded_to_simplified() -> None:
    """Traditional characters come out Simplified."""
    assert normalise("醫院掛號太難了") == "医院挂号太难了"


def test_full_width_is_folded_to_half_width() -> None:
    """Full-width Latin letters and digits become ASCII."""
    assert normalise("ＡＰＰ１２３") == "app123"


def test_case_is_folded() -> None:
    """English is lower-cased (casefold)."""
    assert normalise("Parking FEE") == "parking fee"


def test_emoji_and_urls_are_removed() -> None:
    """Emoji and links are stripped and white space collapsed."""
    assert normalise("太吵了😡😡 看 https://t.cn/abc123 这里👍🏻") == "太吵了 看 这里"


def test_sentence_punctuation_survives() -> None:
    """Sentence ends stay (full-width ？ folded to ?), so the first sentence can be found."""
    assert normalise("停车难。怎么办？") == "停车难。怎么办?"
