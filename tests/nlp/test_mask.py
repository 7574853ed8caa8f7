"""Masking for quotes shown to others: household addresses and personal names become marks,
public places, community names, dates, prices and counts stay readable."""

from __future__ import annotations

import pytest

from nlp.mask import ADDRESS, NAME, mask_quote
from nlp.segment import ENGINES, Engine, pos_tagger

# Written for these tests (not residents' messages): (answer, as a quote shows it).
ADDRESSES = [
    ("我家住8栋2单元1102，楼上天天漏水", "我家住[门牌]，楼上天天漏水"),
    ("5号楼1203室的下水道堵了三天", "[门牌]的下水道堵了三天"),
    ("3幢502楼道灯坏了", "[门牌]楼道灯坏了"),
    ("我是12-3-401的业主，物业费涨得太快", "我是[门牌]的业主，物业费涨得太快"),
    ("1单元门口的垃圾没人收", "[门牌]门口的垃圾没人收"),
    ("住在三号楼二单元，电梯老坏", "住在[门牌]，电梯老坏"),
    ("B栋地下车库积水", "[门牌]地下车库积水"),
    ("我家在书院路12号，门口天天堵车", "我家在书院路[门牌]，门口天天堵车"),
    ("幸福路88号院3栋的化粪池满了", "幸福路[门牌]的化粪池满了"),
    ("2栋1单元6楼602的住户晚上很吵", "[门牌]的住户晚上很吵"),
    ("1502室楼上装修从早吵到晚", "[门牌]楼上装修从早吵到晚"),
    ("第7栋的电梯停了一周", "[门牌]的电梯停了一周"),
    ("我住８栋２单元，路灯不亮", "我住[门牌]，路灯不亮"),
]

NAMES = [
    ("物业的王经理从来不接电话", "物业的[姓名]从来不接电话"),
    ("李阿姨每天都来打扫，很负责", "[姓名]每天都来打扫，很负责"),
    ("张师傅修水管修得很好", "[姓名]修水管修得很好"),
    ("刘书记上门问过我们的困难", "[姓名]上门问过我们的困难"),
    ("网格员王建国从来不来我们楼", "网格员[姓名]从来不来我们楼"),
    ("楼长陈秀英把通知贴在电梯里", "楼长[姓名]把通知贴在电梯里"),
    ("谢谢赵主任和孙医生的帮忙", "谢谢[姓名]和[姓名]的帮忙"),
]

# Nothing here names a household or a person: shown as written.
KEPT = [
    "碧海社区的停车位太少了",
    "会展城的公园晚上没有路灯",
    "坐3号线到会展城只要二十分钟",
    "打12345投诉了三次都没人管",
    "52路公交车太挤了",
    "学校门口早上7点半堵车",
    "5月12号停水，也没提前通知",
    "物业费每平米2.5元，太贵了",
    "小区有12栋楼只有两个出口",
    "新房是3室2厅，面积120平米",
    "这栋楼住了101户居民",
    "3楼的楼道灯坏了很久",
    "希望老师和家长多沟通",
    "语文老师和历史老师都很好",
    "社区书记和物业经理应该公开电话",
    "每周老师都布置太多作业",
    "车主任意停车，消防通道被堵",
    "班主任很负责",
    "根据《物业管理条例》第54条规定",
    "2024-03-15开业主大会",
    "向书记反映过好几次",
    "其余老师都很好",
    "电话[电话]可以联系我",
    "一共建了三栋楼",
]


@pytest.mark.parametrize(("text", "expected"), ADDRESSES)
def test_household_addresses_are_masked(text: str, expected: str) -> None:
    """A building, unit, room or house number a resident writes becomes [门牌]."""
    assert mask_quote(text) == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_personal_names_are_masked(text: str, expected: str, engine: Engine) -> None:
    """A person's name, alone or as a surname with a title (王经理, 李阿姨), becomes [姓名],
    with jieba-rs's tagger and with jieba's (where jieba-rs is unavailable)."""
    assert mask_quote(text, pos_tagger(engine)) == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", KEPT)
def test_public_places_and_plain_numbers_are_kept(text: str, engine: Engine) -> None:
    """Community names, public places, dates, prices, counts and titles without a surname
    stay as written, whichever tagger reads them."""
    assert mask_quote(text, pos_tagger(engine)) == text


def test_marks_look_like_the_redaction_marks() -> None:
    """The marks are bracketed Chinese words, as the redaction before storage writes them."""
    assert (ADDRESS, NAME) == ("[门牌]", "[姓名]")


def test_english_text_is_left_alone() -> None:
    """An English answer keeps its words (the marks are for Chinese names and addresses)."""
    text = "Transparency matters: residents should know who sees the data."
    assert mask_quote(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我叫黄宏伟，在这里住了十年", "我叫[姓名]，在这里住了十年"),
        ("有事找网格员小张，他很热心", "有事找网格员[姓名]，他很热心"),
        ("老李家门口的路灯坏了", "[姓名]家门口的路灯坏了"),
        ("幸福里二栋全体业主反映", "幸福里[门牌]全体业主反映"),
    ],
)
def test_names_after_a_cue_familiar_names_and_a_building_in_words(text: str, expected: str) -> None:
    """A name after 我叫, a familiar 小张 or 老李, and a building written in Chinese numerals
    before 全体 or 的 are masked too."""
    assert mask_quote(text) == expected


@pytest.mark.parametrize(
    "text", ["小孙子放学没人接", "老陈醋涨价了", "这个小区环境很好", "大小不一"]
)
def test_words_beginning_like_a_familiar_name_are_kept(text: str) -> None:
    """老/小 before a surname's character that begins a word (小孙子, 老陈醋) is no name."""
    assert mask_quote(text) == text


@pytest.mark.parametrize(
    "text",
    ["宿舍区里有一栋3层的违章建筑", "建设1栋213㎡的医务楼", "要它何益？", "请问是何原因"],
)
def test_counts_sizes_and_questions_are_kept(text: str) -> None:
    """How many buildings, how high and how large, and 何 asking "what" are no address or name."""
    assert mask_quote(text) == text


# Written for these tests: a given name alone where a person is named, rare and compound
# surnames, names spoken to, and names in English.
GIVEN_NAMES = [
    ("小明说楼下的垃圾三天没人收", "[姓名]说楼下的垃圾三天没人收"),
    ("我找了建国帮忙修水管", "我找了[姓名]帮忙修水管"),
    ("邻居秀英告诉我电梯又坏了", "邻居[姓名]告诉我电梯又坏了"),
    ("建国师傅修得很快", "[姓名]师傅修得很快"),
    ("阿伟打电话给物业也没用", "[姓名]打电话给物业也没用"),
    ("周末和小明一起去的社区活动", "周末和[姓名]一起去的社区活动"),
    ("秀英阿姨每天在楼下扫地", "[姓名]阿姨每天在楼下扫地"),
]
SURNAMES = [
    ("尊敬的诸葛主任：麻烦看看停车的事", "尊敬的[姓名]：麻烦看看停车的事"),
    ("瞿主任您好，路灯坏了五天", "[姓名]您好，路灯坏了五天"),
    ("向主任，您好，楼道的水管爆了", "[姓名]，您好，楼道的水管爆了"),
    ("尊敬的高书记：早上出门总堵车", "尊敬的[姓名]：早上出门总堵车"),
    ("物业的孙总说下周来修", "物业的[姓名]说下周来修"),
    ("司徒老师和上官医生都很耐心", "[姓名]和[姓名]都很耐心"),
    ("我叫邝志华，住在这里十年了", "我叫[姓名]，住在这里十年了"),
    ("街道的赵副主任上周来量过", "街道的[姓名]上周来量过"),
]
ENGLISH = [
    ("Mr Zhang never answers the phone", "[姓名] never answers the phone"),
    ("I asked Dr. Li Na about the clinic hours", "I asked [姓名] about the clinic hours"),
    ("Wang Wei from the committee said no", "[姓名] from the committee said no"),
    ("Tom from building 3 parks on the fire lane", "[姓名] from [门牌] parks on the fire lane"),
    ("Room 1203 is noisy every night", "[门牌] is noisy every night"),
    ("物业的Mr Wang说下周来修", "物业的[姓名]说下周来修"),
    ("My neighbour Li Xiaoming complained twice", "My neighbour [姓名] complained twice"),
]
# ... and what only looks like one.
LOOK_ALIKES = [
    "找小朋友一起玩",
    "小编说得对",
    "问了物业说没办法",
    "他们都说停车太难",
    "小区的小孩说话很大声",
    "找了物业经理也没用",
    "老公说要投诉",
    "向主任提过这件事",
    "这所高校长年缺宿舍",
    "对于老师布置的作业",
    "谢谢您帮我们问",
    "谢谢您！",
    "雨水和路基都要修",
    "保洁阿姨很辛苦",
    "物业师傅来得很快",
    "他曾任总设计师",
    "旅游局长来视察过",
    "城管局长说会处理",
    "相关经理没有回复",
    "金桂绿城的停车费太贵",
    "明辰塑胶公司晚上冒黑烟",
    "买了华康胶囊吃了没效果",
    "He Said nothing about Hong Kong or Feng Shui",
    "Line 3 is crowded, bus 52 too",
    "I Will ask May and Mark",
    "The Long March museum opens at 9",
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "expected"), GIVEN_NAMES)
def test_given_names_alone_are_masked(text: str, expected: str, engine: Engine) -> None:
    """A given name without a surname, where a person is named (before 说 or a title, after
    找/和 or 邻居), becomes [姓名] with either tagger."""
    assert mask_quote(text, pos_tagger(engine)) == expected


@pytest.mark.parametrize(("text", "expected"), SURNAMES)
def test_compound_rare_and_addressed_surnames_are_masked(text: str, expected: str) -> None:
    """Compound surnames (欧阳, 司徒, 上官), rarer ones (瞿, 邝), a surname that is also a
    word when the title is spoken to (向局长，您好), a boss (王总) and a deputy (刘副主任)."""
    assert mask_quote(text) == expected


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_english_names_and_rooms_are_masked(text: str, expected: str) -> None:
    """A title and a name, a pinyin name with the surname first, a common English given name
    and a building or room number, in English or inside Chinese."""
    assert mask_quote(text) == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_words_shaped_like_names_are_kept(text: str, engine: Engine) -> None:
    """Everyday words where a name could stand (小编, 老公, 保洁阿姨), a preposition before a
    title (向主任反映), thanks (谢谢您), businesses, estates and medicines named like people,
    and English words spelt like pinyin stay as written."""
    assert mask_quote(text, pos_tagger(engine)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们院里有6栋楼，住了三百户", "我们院里有6栋楼，住了三百户"),
        ("空地要建成2栋18层的公寓", "空地要建成2栋18层的公寓"),
        ("租了5栋9楼的一套，窗户漏风", "租了[门牌]的一套，窗户漏风"),
    ],
)
def test_counted_buildings_are_kept_and_a_flat_on_a_floor_is_masked(
    text: str, expected: str
) -> None:
    """How many buildings an estate has or will have is no address; a building and the floor
    of a flat is."""
    assert mask_quote(text) == expected


# Written for these tests: a word that ends in a surname's character (照顾, 分钟, 允许, 约谈,
# 萝卜, 委屈, 仓储, 清廉) before a title is the word and the title, not a person.
WORD_BEFORE_TITLE = [
    "没人照顾奶奶，社区能不能安排助餐",
    "平时照顾爷爷的是请来的保姆",
    "报修以后等了四十分钟师傅才来",
    "也许老师会管一管门口乱停的车",
    "学校允许老师把车停在操场上",
    "希望纪委约谈书记，停车的事拖了两年",
    "卖萝卜大爷每天都在小区门口摆摊",
    "委屈阿姨了，整栋楼的垃圾都是她一个人扫",
    "仓储经理说快递柜下个月就装",
    "清廉书记难得，大家都服气",
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", WORD_BEFORE_TITLE)
def test_a_word_ending_in_a_surname_before_a_title_is_kept(text: str, engine: Engine) -> None:
    assert mask_quote(text, pos_tagger(engine)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("找卜大爷借了梯子", "找[姓名]借了梯子"),
        ("谈主任来小区看过两次", "[姓名]来小区看过两次"),
        ("楼下的屈阿姨天天跳广场舞", "楼下的[姓名]天天跳广场舞"),
    ],
)
def test_a_rare_surname_not_ending_a_word_is_still_masked(text: str, expected: str) -> None:
    assert mask_quote(text) == expected


# Written for these tests: residents who type Traditional characters or full-width letters
# (an input method's full-width mode) are masked as those who do not.
TRADITIONAL_AND_WIDE = [
    ("陳主任說會處理，一直沒人來", "[姓名]說會處理，一直沒人來"),
    ("張師傅修水管修得很好", "[姓名]修水管修得很好"),
    ("我住在3棟2單元502，樓上天天漏水", "我住在[门牌]，樓上天天漏水"),
    ("我叫黃偉明，想問停車費的事", "我叫[姓名]，想問停車費的事"),
    ("Ｍｒ Ｚｈａｎｇ说下周来修路灯", "[姓名]说下周来修路灯"),
    ("ｒｏｏｍ １２０３ 的空调外机太吵", "[门牌] 的空调外机太吵"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "expected"), TRADITIONAL_AND_WIDE)
def test_traditional_characters_and_full_width_letters_are_masked(
    text: str, expected: str, engine: Engine
) -> None:
    assert mask_quote(text, pos_tagger(engine)) == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("孙总说下周安排车位", "[姓名]说下周安排车位"),
        ("李总讲了半天停车的事", "[姓名]讲了半天停车的事"),
        ("保安小刘说车位满了", "保安[姓名]说车位满了"),
    ],
)
def test_what_a_boss_said_is_not_masked_with_the_name(
    text: str, expected: str, engine: Engine
) -> None:
    """The tagger takes 孙总说 (or 刘说 after 小) for one name: the quote keeps 说, the verb,
    readable."""
    assert mask_quote(text, pos_tagger(engine)) == expected


# Written for these tests: a full name whose given name is a common one the dictionary holds
# as a word (桂兰, 海燕, 建国), with no title, cue or verb beside it.
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们楼的陈桂兰经常把车停在消防通道上", "我们楼的[姓名]经常把车停在消防通道上"),
        ("这事刘海燕最清楚，物业费的账她管", "这事[姓名]最清楚，物业费的账她管"),
        ("周建国天天在楼下修车，噪音很大", "[姓名]天天在楼下修车，噪音很大"),
    ],
)
def test_a_surname_and_a_common_given_name_are_masked(
    text: str, expected: str, engine: Engine
) -> None:
    assert mask_quote(text, pos_tagger(engine)) == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "text",
    ["新中国建国以来变化很大", "花钱建新楼不如修旧楼", "园林建新的绿地了", "去年赛季亚军的球队"],
)
def test_a_common_given_name_after_a_word_is_kept(text: str, engine: Engine) -> None:
    assert mask_quote(text, pos_tagger(engine)) == text


# Written for these tests: "building", "unit" and "flat" with a number that is no address.
@pytest.mark.parametrize(
    "text",
    [
        "They are building 3 new car parks next year",
        "The council is building 2 more bus stops",
        "Rents stayed flat 3 years in a row",
        "Prices stayed flat 2 months, then the fees went up",
    ],
)
def test_english_counts_after_building_or_flat_are_kept(text: str) -> None:
    assert mask_quote(text) == text
