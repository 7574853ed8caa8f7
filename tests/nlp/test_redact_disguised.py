"""Personal data disguised by width, spacing or invisible characters is redacted too (issue 14
defect 6), while numbers that only look similar stay as written."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nlp.redact import (
    _CARD,
    _ID18,
    _LANDLINE,
    _MOBILE,
    EMAIL,
    ID_CARD,
    PHONE,
    _redact_view,
    _view,
    redact,
)

ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的身份证１１０１０１１９９００３０７７７７Ｘ丢了", f"我的身份证{ID_CARD}丢了"),
        ("身份证 110101 19900307 7777 办不了门禁", f"身份证 {ID_CARD} 办不了门禁"),
        ("证件号110101-19900307-777X", f"证件号{ID_CARD}"),
        ("邮箱 ｚｓｆ＠ｅｘａｍｐｌｅ．ｃｏｍ 联系我", f"邮箱 {EMAIL} 联系我"),
        (f"电话138{ZWSP}1234{ZWSP}5678，晚上打", f"电话{PHONE}，晚上打"),
        (f"手机１３８\u20601２３４{ZWSP}5６78", f"手机{PHONE}"),
        ("打 138 1234 5678 找我", f"打 {PHONE} 找我"),
        ("电话 138.1234.5678，晚上打", f"电话 {PHONE}，晚上打"),
        ("号码是1 3 8 1 2 3 4 5 6 7 8", f"号码是{PHONE}"),
        ("交了 100 元，电话 13812345678", f"交了 100 元，电话 {PHONE}"),
    ],
)
def test_disguised_personal_data_is_redacted(text: str, expected: str) -> None:
    """Full-width IDs and e-mails, spaced IDs and phones split by zero-width or spacing are
    replaced, the text around them kept as written."""
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "物业费 1299 元一年，太贵",
        "价格 ¥ 3 500，比去年多 200",
        "２０２４年３月７日开会",
        "2024 03 07 停水，2024-03-08 恢复",
        "3 栋 1201 室和 1202 室漏水",
        "订单 2024 0307 1530 号",
        "楼层 18 层 1801 到 1806 共 6 户",
        "会议号 845 2231 907",
        "版本 13.8.1234 和 138.12 元",
        "ｗｉｆｉ 密码 ｍｉｎｙｉ２０２４",
    ],
)
def test_near_misses_stay_untouched(text: str) -> None:
    """Prices, dates, room numbers and other numbers that are no personal data are unchanged,
    also when written full-width or spaced."""
    assert redact(text) == text


# Personal data as residents disguise it (see the cases above), and the text around it.
_DATA = [
    "13812345678",
    "+86 138 1234 5678",
    "11010119900307777X",
    "zsf@example.com",
    "6222 0202 0011 2233",
    "010-62345678",
    "(010)62345678",
    "电话 2345678",
    "tel:2345678",
    "card 6222020200112234",
]
_AROUND = ["小区停车太难", "物业费 1299 元", "2024年3月7日", "3栋1201室", "", " "]
_PUNCTUATION = list("，。：！？；（）【】、“”～／＃")
_GAPS = ["", "", "", " ", "-", "\u200b", "－", "\u3000", "  "]


def _full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


@st.composite
def _disguised(draw: st.DrawFn) -> str:
    """A datum with some characters full-width and some gaps between them."""
    datum = draw(st.sampled_from(_DATA))
    out = []
    for char in datum:
        out.append(_full_width(char) if draw(st.booleans()) else char)
        if char.isdigit() and draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(_GAPS)))
    return "".join(out)


_ANSWERS = st.lists(
    st.one_of(_disguised(), st.sampled_from(_AROUND), st.sampled_from(_PUNCTUATION)),
    max_size=8,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_ANSWERS)
@example("邮箱zsf@example．com，谢谢！")
@example("电话１３８　１２３４　５６７８！")
@example("卡号６２２２＿0202")
@example("（010）６２３４５６７８转８８")
def test_only_what_the_patterns_read_sends_a_text_the_slow_way(text: str) -> None:
    """`redact` takes the plain path for text whose full-width characters are only Chinese
    punctuation: the result is the same as reading every text through the folded, joined
    views (what it did for any full-width character)."""
    slow = _redact_view(_redact_view(text, join_digits=False), join_digits=True)
    assert redact(text) == slow


@settings(max_examples=300, deadline=None)
@given(_ANSWERS)
@example("电话+86 138 1234 5678，座机(010)62345678转123，卡号 6222 0202 0011 2233")
@example("8613812345678和0086 13812345678")
def test_a_patterns_first_character_look_ahead_changes_no_match(text: str) -> None:
    """Each number pattern opens with a look-ahead for the characters it can start with, so
    that the regex engine skips to them; the matches are those of the pattern without it."""
    for pattern in (_ID18, _CARD, _MOBILE, _LANDLINE):
        assert pattern.pattern.startswith("(?=[")
        without = re.compile(pattern.pattern[pattern.pattern.index("])") + 2 :], pattern.flags)
        assert [m.span() for m in pattern.finditer(text)] == [
            m.span() for m in without.finditer(text)
        ]


def _view_by_definition(text: str, join_digits: bool) -> tuple[str, list[int]]:
    """`_view` character by character: folded, invisible characters dropped and, when joining,
    up to three spacing characters (white space, dash, invisible) between digits dropped."""
    folded = text.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 32})
    invisible = set("\u00ad\u180e\ufeff") | {
        chr(c)
        for first, last in ((0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069))
        for c in range(first, last + 1)
    }
    chars: list[str] = []
    origin: list[int] = []
    index = 0
    while index < len(folded):
        char = folded[index]
        if char in invisible:
            index += 1
            continue
        if join_digits and chars and chars[-1].isdigit() and (char.isspace() or char == "-"):
            end = index
            while (
                end < len(folded)
                and end - index < 3
                and (folded[end].isspace() or folded[end] == "-" or folded[end] in invisible)
            ):
                end += 1
            if end < len(folded) and folded[end].isdigit():
                index = end
                continue
        chars.append(char)
        origin.append(index)
        index += 1
    return "".join(chars), origin


@settings(max_examples=1000, deadline=None)
@given(
    st.text(
        st.sampled_from([*"0123456789０１９ -－\t\n\u3000停车a@", ZWSP, "\u00ad", "\u2060"]),
        max_size=30,
    ),
    st.booleans(),
)
@example(f"1 {ZWSP} 2", True)
@example(f"1{ZWSP}   2-3", True)
def test_the_view_drops_what_its_definition_drops(text: str, join_digits: bool) -> None:
    """The view copies the runs between droppable characters whole (fast on a long message):
    the same view, with the same origins, as going through the text character by character."""
    view, origin = _view(text, join_digits)
    assert (view, list(origin)) == _view_by_definition(text, join_digits)
