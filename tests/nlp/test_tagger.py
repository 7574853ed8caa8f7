"""Tagging real resident sentences: themes, scores, evidence, Traditional and English."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

import pytest

from nlp.normalise import normalise
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy
from tests.nlp.conftest import DEV_CSV


def _ids(tagger: Tagger, text: str) -> list[str]:
    return [t.id for t in tagger.tag(text)]


def test_parking_complaint_gets_parking_and_its_evidence(tagger: Tagger) -> None:
    """停车位 complaints are tagged 停车 with the matched words shown as evidence."""
    tags = {t.id: t for t in tagger.tag("小区停车位太少，晚上回来根本没地方停车。")}
    assert "parking" in tags
    assert "停车位" in tags["parking"].evidence
    assert tags["parking"].kind == "domain"
    assert 0.0 < tags["parking"].score <= 1.0


def test_child_domain_credits_its_parent(tagger: Tagger) -> None:
    """A parking-only complaint also carries 交通运输, with the child's words as evidence."""
    tags = {t.id: t for t in tagger.tag("乱停车太严重了，消防通道都被堵了")}
    assert "transport" in tags
    assert set(tags["parking"].evidence) <= set(tags["transport"].evidence)


@pytest.mark.parametrize(
    "text",
    [
        "小区停车位太少了，晚上回来没地方停车。",
        "物业把楼下的充电桩都锁了",
        "业主的车位被外来车占了",
    ],
)
def test_parking_in_the_estate_credits_construction(tagger: Tagger, text: str) -> None:
    """Parking with an estate word (小区, 物业, 业主, 楼下) counts for 城乡建设, not 交通运输,
    as the city's message board files it; the child domain stays 停车."""
    ids = {t.id for t in tagger.tag(text)}
    assert {"parking", "urban_rural_construction"} <= ids
    assert "transport" not in ids


def test_a_fire_lane_is_community_safety(tagger: Tagger) -> None:
    """A blocked fire lane in the estate is a safety matter (城乡建设), not transport."""
    ids = {t.id for t in tagger.tag("有人占用消防通道搭棚子")}
    assert {"community_safety", "urban_rural_construction"} <= ids
    assert "transport" not in ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼下的广场舞音响太吵了，晚上十点还在跳，老人孩子都没法休息。", "noise"),
        ("垃圾分类的桶太少，厨余垃圾经常溢出来。", "waste_sorting"),
        ("物业费年年涨，物业公司服务却越来越差。", "property_management"),
        ("孩子上学要走很远，学校门口上下学特别堵。", "education_culture_sports"),
        ("公司拖欠工资半年了，劳动合同也不给签。", "labour_social_security"),
        ("社区医院挂号太难，医生态度也不好。", "health_family_planning"),
        ("化工厂晚上偷排废气，臭味刺鼻。", "environment"),
        ("出租车司机不打表，乱收费。", "transport"),
        ("超市卖过期食品，消费者投诉无门。", "commerce_tourism"),
        ("拆迁补偿款到现在还没发，安置房也没建好。", "urban_rural_construction"),
        ("独居老人吃饭难，希望办个老年食堂。", "elderly_care"),
        ("楼道里电动车飞线充电，存在火灾隐患。", "community_safety"),
        ("健康码和小程序太复杂，不会用智能手机的老人办不了事。", "digital_services"),
    ],
)
def test_domains_of_real_sentences(tagger: Tagger, text: str, expected: str) -> None:
    """Everyday complaints get the service domain a community worker would file them under."""
    assert expected in _ids(tagger, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小区改造方案应该先开居民议事会，让大家一起商量。", "participation"),
        ("维修基金花在哪里了？请把收支明细公示出来。", "transparency"),
        ("反映了好多次都没人管，街道和物业互相推诿。", "accountability"),
        ("我的手机号被泄露了，天天接到骚扰电话。", "privacy"),
    ],
)
def test_principles_of_real_sentences(tagger: Tagger, text: str, expected: str) -> None:
    """Residents' appeals to a governance principle are tagged with it."""
    assert expected in _ids(tagger, text)


def test_tags_are_sorted_by_score(tagger: Tagger) -> None:
    """Tags come highest score first."""
    tags = tagger.tag("物业乱收停车费，账目不公开，多次反映没有回复。")
    scores = [t.score for t in tags]
    assert len(tags) >= 3
    assert scores == sorted(scores, reverse=True)


def test_nothing_to_tag_gives_empty_list(tagger: Tagger) -> None:
    """Small talk with no theme words gives []."""
    assert tagger.tag("哈哈哈，好的，收到") == []
    assert tagger.tag("") == []


def test_traditional_chinese_is_tagged_like_simplified(tagger: Tagger) -> None:
    """Traditional input is folded first, so it gets the same themes and Simplified evidence."""
    trad = {t.id: t for t in tagger.tag("社區停車位太少，物業費還漲價。")}
    simp = {t.id: t for t in tagger.tag("社区停车位太少，物业费还涨价。")}
    assert trad.keys() == simp.keys()
    assert "停车位" in trad["parking"].evidence


def test_english_keywords_match_case_insensitively(tagger: Tagger) -> None:
    """English answers match keywords whatever their case, including multi-word phrases."""
    tags = {
        t.id: t
        for t in tagger.tag("NO PARKING SPACE near the Bus Stop, and Facial Recognition gates")
    }
    assert "parking" in tags and "parking space" in tags["parking"].evidence
    assert "transport" in tags
    assert "privacy" in tags and "facial recognition" in tags["privacy"].evidence


def test_user_words_do_not_leak_into_global_jieba(taxonomy: Taxonomy) -> None:
    """The taxonomy's keywords live in a private tokenizer, not in jieba's global one."""
    import jieba

    tagger = Tagger(taxonomy)
    assert "飞线充电" in tagger.segment("飞线充电太危险")
    assert "飞线充电" not in jieba.lcut("飞线充电太危险")


def test_segment_returns_normalised_tokens(tagger: Tagger) -> None:
    """segment() folds Traditional and keeps taxonomy keywords whole."""
    tokens = tagger.segment("飛線充電太危險")
    assert "飞线充电" in tokens
    assert all(not t.isspace() for t in tokens)


def test_tag_many_matches_tag(tagger: Tagger) -> None:
    """tag_many gives the same result as tag for each text, in order."""
    texts = ["停车难", "垃圾没人清运", "hello"]
    assert tagger.tag_many(texts) == [tagger.tag(t) for t in texts]


def _walk(matcher: Any, tokens: Sequence[str]) -> list[tuple[int, str]]:
    """The matcher's rule written out plainly, token by token (what `match` must find)."""
    keywords, beginnings = matcher.keywords, matcher.beginnings
    found: list[tuple[int, str]] = []
    words = [(i, t) for i, t in enumerate(tokens) if not t.isspace()]
    for pos, (index, token) in enumerate(words):
        if token in keywords:
            found.append((index, token))
        elif len(token) >= 3:
            for cut in range(len(token) - 1, 1, -1):
                if token[:cut] in keywords:
                    found.append((index, token[:cut]))
                    break
            for cut in range(1, len(token) - 1):
                if token[cut:] in keywords:
                    found.append((index, token[cut:]))
                    break
        joined = spaced = token
        for ahead in range(1, 3):
            if pos + ahead >= len(words) or (joined not in beginnings and spaced not in beginnings):
                break
            nxt = words[pos + ahead][1]
            joined += nxt
            spaced += " " + nxt
            if joined in keywords:
                found.append((index, joined))
            elif spaced in keywords:
                found.append((index, spaced))
    return found


def test_matcher_finds_what_the_plain_walk_finds(tagger: Tagger) -> None:
    """The matcher (each distinct token's step remembered, two joins written out) finds the
    same keywords at the same tokens as the rule walked token by token: on every dev message
    and on English with spaces, phrases across spaces and compounds."""
    texts = [
        "The car park fee is too high!! car  park, carpark and CAR PARK",
        "停车费停车费。 养猪场 停 车 位 小区停车位太少",
        "public transport bus stop  bus  stop",
        "",
        " ",
    ]
    if DEV_CSV.exists():
        with DEV_CSV.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    matcher = tagger._matcher
    for text in texts:
        tokens = tagger.tokens(normalise(text))
        assert matcher.match(tokens) == _walk(matcher, tokens), text[:40]
