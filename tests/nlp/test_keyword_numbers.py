"""A keyword that is a number (the 12345 citizen hotline) matches only a number of its own, never
the digits inside a longer number or a licence plate: `订单812345一直不到` once got 回应 with
`12345` as evidence, as did the plate 贵A12345 and the door number 123456. The evidence shown for
a tag must be a word the resident wrote, not a piece of one."""

from __future__ import annotations

import pytest

from nlp.tagger import Tagger


def _evidence(tagger: Tagger, text: str) -> dict[str, list[str]]:
    return {t.id: t.evidence for t in tagger.tag(text)}


@pytest.mark.parametrize(
    "text",
    [
        "订单812345一直不到",
        "车牌贵A12345天天停在消防通道",
        "我家门牌号是123456",
        "工号 123450 的师傅",
    ],
)
def test_digits_inside_a_longer_number_are_no_keyword(tagger: Tagger, text: str) -> None:
    assert "12345" not in _evidence(tagger, text).get("responsiveness", [])


@pytest.mark.parametrize(
    "text", ["打了12345热线没人管", "拨打１２３４５也没用", "call 12345!", "12345市长热线"]
)
def test_the_hotline_number_itself_still_counts(tagger: Tagger, text: str) -> None:
    assert "12345" in _evidence(tagger, text)["responsiveness"]


def test_word_stems_still_match(tagger: Tagger) -> None:
    """The prefix matching that numbers no longer use still serves words."""
    assert "respond" in _evidence(tagger, "nobody responds")["responsiveness"]
