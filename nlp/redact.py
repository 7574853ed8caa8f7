"""Personal-data redaction before storage (SPEC §4).

Kinds: mainland mobile and landline numbers → [电话], resident ID-card numbers → [身份证],
e-mail addresses → [邮箱], bank-card numbers → [银行卡]. Each pattern is anchored on digit
boundaries and checked (ID birth date, Luhn for cards, area-code shape for landlines) so that
prices, dates, order numbers and room numbers stay as written.
"""

from __future__ import annotations

import re
from datetime import date

PHONE = "[电话]"
ID_CARD = "[身份证]"
EMAIL = "[邮箱]"
BANK_CARD = "[银行卡]"

_D = r"[0-9０-９]"
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"
_SEP = r"[ \-‐－]?"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# 18-digit resident ID: 6-digit area, birth date YYYYMMDD, 3-digit sequence, check digit.
_ID18 = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"({_D}{{6}})((?:19|20){_D}{{2}})({_D}{{2}})({_D}{{2}}){_D}{{3}}[0-9０-９Xx]"
    r"(?![0-9０-９A-Za-z])"
)

# Card numbers: 16-19 digits, optionally in groups of 4 separated by a space or dash.
_CARD = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"(?:{_D}{{4}}(?:[ \-]{_D}{{4}}){{3}}(?:[ \-]?{_D}{{1,3}})?|{_D}{{16,19}})"
    + _NOT_DIGIT_AFTER
)
_CARD_CONTEXT = re.compile(r"(银行卡|卡号|账号|帐号|储蓄卡|信用卡|card)", re.I)

# Mobile: optional +86 / 86 / 0086, then 1[3-9]x, 11 digits, optionally split 3-4-4.
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:(?:\+|00)?86[ \-]?)?"
    + rf"[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"
    + _NOT_DIGIT_AFTER
)

# Landline with area code: 0 + 2-3 digits, then 7-8 digits; separator or brackets optional.
_LANDLINE = re.compile(
    r"(?:[(（]0[1-9]\d{1,2}[)）][ \-]?|"
    + _NOT_DIGIT_BEFORE
    + r"0[1-9]\d{1,2}[ \-‐－]?)"
    + r"[2-9]\d{6,7}(?:[\-转]\d{1,5})?"
    + _NOT_DIGIT_AFTER
)
# Landline without an area code only right after a word that says it is a phone number.
_LOCAL_AFTER_CUE = re.compile(
    r"((?:电话|座机|手机|联系方式|联系电话|tel|phone)[:：\s号码是为]*)"
    + r"([2-9]\d{6,7})"
    + _NOT_DIGIT_AFTER,
    re.I,
)


# A run of four digits (any script's, as \d matches): each pattern but e-mail needs one.
_FOUR_DIGITS = re.compile(r"\d{4}")


def _digits(text: str) -> list[int]:
    return [int(ch) for ch in text if ch.isdigit()]


def _valid_birth_date(year: str, month: str, day: str) -> bool:
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _luhn_ok(number: str) -> bool:
    digits = _digits(number)
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _replace_id(match: re.Match[str]) -> str:
    if _valid_birth_date(match.group(2), match.group(3), match.group(4)):
        return ID_CARD
    return match.group(0)


def _replace_card(match: re.Match[str], text: str) -> str:
    number = match.group(0)
    if _luhn_ok(number):
        return BANK_CARD
    # A typo'd card number is still a card number when the resident says so.
    before = text[max(0, match.start() - 12) : match.start()]
    if _CARD_CONTEXT.search(before):
        return BANK_CARD
    return number


def redact(text: str) -> str:
    """Replace phone numbers, ID-card numbers, e-mail addresses and bank-card numbers with
    placeholders such as [电话]; everything else is returned unchanged."""
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    if not _FOUR_DIGITS.search(text):
        return text  # every other kind has at least four digits in a row
    text = _ID18.sub(_replace_id, text)
    text = _CARD.sub(lambda m: _replace_card(m, text), text)
    text = _MOBILE.sub(PHONE, text)
    text = _LANDLINE.sub(PHONE, text)
    text = _LOCAL_AFTER_CUE.sub(lambda m: m.group(1) + PHONE, text)
    return text
