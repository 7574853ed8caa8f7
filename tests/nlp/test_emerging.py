"""Emerging terms: frequent new words that match no theme, ranked against a background."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from nlp import emerging
from nlp.emerging import emerging_terms
from nlp.mask import ReadTexts
from nlp.tagger import Tagger

ANSWERS = [
    "希望小区能建一个共享菜园，大家一起种菜。",
    "共享菜园这个想法很好，老人孩子都能参与。",
    "我支持共享菜园，可以放在三号楼后面的空地。",
    "共享菜园要有人管理浇水。",
    "附近没有公园，建个口袋公园吧。",
    "口袋公园可以让老人散步。",
    "我们需要的是更多的停车位。",
    "停车位不够，停车太难了。",
    "今天是2024年3月15日，我们开会讨论了很多问题。",
]


def test_new_words_rise_and_theme_words_do_not_appear(tagger: Tagger) -> None:
    """Repeated words outside the taxonomy (共享菜园) surface; keywords (停车位) do not."""
    terms = [t.term for t in emerging_terms(ANSWERS, tagger, limit=10)]
    assert "共享菜园" in terms or "菜园" in terms
    assert "口袋公园" in terms or "口袋" in terms
    assert "停车位" not in terms
    assert "停车" not in terms


def test_stop_words_numbers_and_single_characters_are_left_out(tagger: Tagger) -> None:
    """Function words, numbers and one-character tokens never appear."""
    terms = [t.term for t in emerging_terms(ANSWERS, tagger, limit=50)]
    assert all(len(t) >= 2 for t in terms)
    assert not any(ch.isdigit() for t in terms for ch in t)
    for word in ("我们", "希望", "问题", "今天", "可以"):
        assert word not in terms


def test_ranking_is_by_score_and_limit_is_kept(tagger: Tagger) -> None:
    """Terms come highest score first and at most `limit` of them."""
    terms = emerging_terms(ANSWERS, tagger, limit=2)
    assert len(terms) == 2
    assert terms[0].score >= terms[1].score
    assert terms[0].count >= 2


def test_background_frequency_beats_raw_counts(tagger: Tagger) -> None:
    """A common everyday word repeated as often as a new one ranks below it."""
    texts = ["大家觉得菜园子很好，东西很好"] * 3
    terms = [t.term for t in emerging_terms(texts, tagger, limit=5)]
    assert "菜园子" in terms
    assert "东西" not in terms or terms.index("菜园子") < terms.index("东西")


def test_no_texts_no_terms(tagger: Tagger) -> None:
    """An empty set of answers gives no terms."""
    assert emerging_terms([], tagger) == []


def test_words_of_earlier_periods_do_not_emerge_again(tagger: Tagger) -> None:
    """With earlier answers as background, a word said as often before no longer emerges."""
    earlier = ["共享菜园还是没有建", "共享菜园的事情怎么样了", "菜园子呢"] * 2
    now = ANSWERS
    plain = [t.term for t in emerging_terms(now, tagger, limit=10)]
    against_earlier = [t.term for t in emerging_terms(now, tagger, limit=10, background=earlier)]
    assert "菜园" in plain
    assert "菜园" not in against_earlier
    assert "口袋公园" in against_earlier or "口袋" in against_earlier


def test_redaction_placeholders_are_no_residents_words(tagger: Tagger) -> None:
    """The marks redaction leaves ([电话], [邮箱], [身份证], [银行卡]) are not what residents
    said: they never emerge, however many answers carry them."""
    texts = [
        f"网上回答：公交线路要优化，联系 {mark} 谢谢"
        for mark in ("[电话]", "[邮箱]", "[身份证]", "[银行卡]")
    ] * 3
    terms = {t.term for t in emerging_terms(texts, tagger, limit=50)}
    assert not terms & {"电话", "邮箱", "身份证", "银行卡"}, terms
    assert "网上" in terms


# Written for this test: residents name the same people again and again.
NAMING = [
    "网格员王秀兰来过三次，共享菜园的事还是没人管",
    "王秀兰说共享菜园下个月动工",
    "我们找了王秀兰，她说共享菜园要等物业同意",
    "共享菜园好是好，王秀兰一个人忙不过来",
    "Mr Zhang never answers about the garden",
    "Mr Zhang said the garden is not his job",
    "住在7栋1502的人总在共享菜园旁边堆杂物",
]


def test_names_and_addresses_are_no_emerging_terms(tagger: Tagger) -> None:
    """A person's name the residents repeat (王秀兰, Mr Zhang) is never shown as an emerging
    term in a report or digest: the masking of quotes would hide it there, so the terms do
    too. The residents' new words around it (共享菜园) still surface."""
    terms = [t.term for t in emerging_terms(NAMING, tagger, limit=20)]
    assert "共享菜园" in terms or "菜园" in terms, terms
    assert not any("秀兰" in t for t in terms), terms
    assert "zhang" not in terms and "Zhang" not in terms, terms
    assert not any("1502" in t for t in terms), terms


# Written for this test: the same person named by residents who type Traditional characters.
NAMING_TRADITIONAL = [
    "網格員陳秀英來過三次，共享菜園的事還是沒人管",
    "陳秀英說共享菜園下個月動工",
    "我們找了陳秀英，她說共享菜園要等物業同意",
    "共享菜園好是好，陳秀英一個人忙不過來",
]


def test_a_name_in_traditional_characters_is_no_emerging_term(tagger: Tagger) -> None:
    """The terms are read in Simplified (陈秀英) while the answers hold 陳秀英: the name is
    still found masked where it was written, and left out."""
    terms = [t.term for t in emerging_terms(NAMING_TRADITIONAL, tagger, limit=20)]
    assert "共享菜园" in terms or "菜园" in terms, terms
    assert not any("秀英" in t for t in terms), terms


def test_no_more_candidates_are_read_for_masks_than_five_times_the_limit(
    tagger: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers crowded with names (written for this test: 120 made-up people, each named in
    two answers) cost at most 5 × `limit` reads of where a candidate occurs, however many of
    the top candidates turn out to be names: a report's time stays bounded."""
    surnames, given = "王李张刘陈杨赵吴周徐", "伟芳娜敏静丽强磊军洋勇艳"
    people = [f"{s}{a}{b}" for s in surnames for a in given for b in given if a != b][:120]
    texts = [
        "，".join(f"{people[(n + k) % 120]}经理" for k in range(0, 120, 10)) + "都来过小区"
        for n in range(60)
    ]
    read = []
    real = emerging.masked_in

    def counted(word: str, texts: Sequence[str] | ReadTexts) -> bool:
        read.append(word)
        return real(word, texts)

    monkeypatch.setattr(emerging, "masked_in", counted)
    emerging_terms(texts, tagger, limit=4)
    assert len(read) <= 20, len(read)
