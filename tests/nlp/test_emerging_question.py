"""Emerging terms are residents' own new words, not the question's words echoed back."""

from __future__ import annotations

from nlp.emerging import emerging_terms
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy

ANSWERS = [
    "周末的跳蚤市场能不能多办几次，上班族也能来。",
    "跳蚤市场的摊位太少了，线上报名一下就满。",
    "希望跳蚤市场线上预约，上班族晚上也能参加。",
    "跳蚤市场办得好，大家交换旧东西很开心。",
]
QUESTION = "你觉得跳蚤市场办得怎么样？"


def test_words_of_the_question_do_not_emerge_but_new_ones_do() -> None:
    """With the question as background, 跳蚤市场 drops out while 上班族 and 线上 stay."""
    tagger = Tagger(load_taxonomy())
    plain = {t.term for t in emerging_terms(ANSWERS, tagger)}
    asked = {t.term for t in emerging_terms(ANSWERS, tagger, background=[QUESTION])}
    assert "跳蚤市场" in plain, plain
    assert "跳蚤市场" not in asked, asked
    assert {"上班族", "线上"} <= asked, asked
