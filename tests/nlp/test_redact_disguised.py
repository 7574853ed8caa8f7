"""Personal data disguised by width, spacing or invisible characters is redacted too (issue 14
defect 6), while numbers that only look similar stay as written."""

from __future__ import annotations

import pytest

from nlp.redact import EMAIL, ID_CARD, PHONE, redact

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
        "ｗｉｆｉ 密码 ｍｉｎｙｉ２０２４",
    ],
)
def test_near_misses_stay_untouched(text: str) -> None:
    """Prices, dates, room numbers and other numbers that are no personal data are unchanged,
    also when written full-width or spaced."""
    assert redact(text) == text
