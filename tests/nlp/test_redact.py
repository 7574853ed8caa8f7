"""Personal-data redaction: each kind is replaced, look-alikes are left alone."""

from __future__ import annotations

import pytest

from nlp.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的电话13812345678，有事找我", "我的电话[电话]，有事找我"),
        ("手机 139-1234-5678 晚上打", "手机 [电话] 晚上打"),
        ("联系 +86 150 1234 5678", "联系 [电话]"),
        ("拨打8615012345678咨询", "拨打[电话]咨询"),
        ("全角号码１３８１２３４５６７８也算", "全角号码[电话]也算"),
        ("座机0851-86543210", "座机[电话]"),
        ("(010)62345678 转人工", "[电话] 转人工"),
        ("电话：86543210", "电话：[电话]"),
    ],
)
def test_phone_numbers_are_redacted(text: str, expected: str) -> None:
    """Mobile numbers (with or without +86 and separators) and landlines become [电话]."""
    assert redact(text) == expected


def test_id_card_is_redacted() -> None:
    """An 18-character resident ID with a real birth date becomes [身份证]."""
    assert redact("身份证号520102199003071234，请核实") == "身份证号[身份证]，请核实"
    assert redact("ID 11010519491231002X") == "ID [身份证]"


def test_first_generation_15_digit_id_card_is_redacted() -> None:
    """A 15-digit first-generation resident ID (6-digit area, birth date YYMMDD in the 1900s,
    3-digit sequence), still written from memory by older residents, becomes [身份证] like the
    18-character one; fifteen digits whose middle is no date stay as written."""
    assert redact("我母亲的老身份证号520102470307123，不知道还能不能用") == (
        "我母亲的老身份证号[身份证]，不知道还能不能用"
    )
    assert redact("身份证 110105 491231 002 补办") == "身份证 [身份证] 补办"
    assert redact("快递单号 202403991234567 查不到") == "快递单号 202403991234567 查不到"


def test_email_is_redacted() -> None:
    """An e-mail address becomes [邮箱]."""
    assert redact("发到 zhang.san+minyi@example.com.cn 就行") == "发到 [邮箱] 就行"


def test_bank_card_is_redacted() -> None:
    """A Luhn-valid card number, grouped or not, becomes [银行卡]."""
    assert redact("转到6222021234567890128") == "转到[银行卡]"
    assert redact("卡号 4111 1111 1111 1111") == "卡号 [银行卡]"


def test_card_number_after_a_cue_is_redacted_even_with_a_typo() -> None:
    """A 16–19 digit number right after 银行卡/卡号 is treated as a card number."""
    assert redact("银行卡号6222021234567890120") == "银行卡号[银行卡]"


@pytest.mark.parametrize(
    "text",
    [
        "房价每平米13800元，太贵了",
        "总价￥1380000，首付30%",
        "2024-03-15开业主大会",
        "2024年3月15日下午3点",
        "20240315上午停水",
        "3栋2单元1501室漏水",
        "订单号20240315123456789还没发货",
        "编号 12345678901234567890",
        "身份证上的出生年份是1990年",
        "投诉电话12345",
        "老人今年85岁，住在8号楼1单元",
        "价格从138元涨到158元",
    ],
)
def test_near_misses_are_not_redacted(text: str) -> None:
    """Prices, dates, room numbers, order numbers and hotline 12345 stay as written."""
    assert redact(text) == text


def test_several_kinds_in_one_text() -> None:
    """A text with several kinds has each replaced and the rest unchanged."""
    text = "张阿姨13812345678，邮箱a@b.cn，身份证520102199003071234，住3栋1501"
    assert redact(text) == "张阿姨[电话]，邮箱[邮箱]，身份证[身份证]，住3栋1501"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The shortest number any kind but e-mail has: seven digits after a cue.
        ("电话 2345678，晚上打", "电话 [电话]，晚上打"),
        ("电话：２３４５６７８。", "电话：[电话]。"),
        ("电话 2 3 4 5 6 7 8", "电话 [电话]"),
        # Six digits can be nothing: left alone, full-width punctuation or not.
        ("电话 234567，晚上打", "电话 234567，晚上打"),
        ("停车位（1234）太少！", "停车位（1234）太少！"),
        ("２０２３年５月，１２３", "２０２３年５月，１２３"),
        # An e-mail address needs no digit at all.
        ("找我：ｚｓｆ＠ｅｘａｍｐｌｅ．ｃｏｍ，谢谢", "找我：[邮箱]，谢谢"),
    ],
)
def test_texts_with_few_digits_are_judged_as_before(text: str, expected: str) -> None:
    """Texts without an @ and with fewer than seven digits skip the patterns (they cannot
    match); at seven digits, or with an @, the patterns still find what is there."""
    assert redact(text) == expected
