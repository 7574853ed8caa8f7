"""Normalisation folds script, width and case and drops emoji and URLs."""

from __future__ import annotations

import csv

import zhconv

from nlp.normalise import normalise, to_simplified
from tests.nlp.conftest import DEV_CSV


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


def test_simplified_folding_skips_only_texts_zhconv_leaves_alone() -> None:
    """The shortcut for texts already in Simplified gives exactly zhconv's result, on Traditional
    text, on phrase-only conversions (么二三) and on every dev-set message."""
    texts = [
        "醫院掛號太難了，網上預約總是約不到",
        "么二三",
        "小区停车位太少",
        "我幹什麼不干你事。",
        "",
    ]
    if DEV_CSV.exists():
        with DEV_CSV.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    assert [to_simplified(t) for t in texts] == [zhconv.convert(t, "zh-cn") for t in texts]
    assert to_simplified("醫院") == "医院" and to_simplified("么二三") != "么二三"
