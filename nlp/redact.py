"""Personal-data redaction before storage (SPEC §4).

Kinds: mainland mobile and landline numbers → [电话], resident ID-card numbers (18-character,
and 15-digit first-generation) → [身份证],
e-mail addresses → [邮箱], bank-card numbers → [银行卡]. Each pattern is anchored on digit
boundaries and checked (ID birth date, Luhn for cards, area-code shape for landlines) so that
prices, dates, order numbers and room numbers stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

PHONE = "[电话]"
ID_CARD = "[身份证]"
EMAIL = "[邮箱]"
BANK_CARD = "[银行卡]"
PLACEHOLDERS = (PHONE, ID_CARD, EMAIL, BANK_CARD)

_D = r"[0-9０-９]"
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"
_SEP = r"[ \-‐－.]?"  # 138 1234 5678, 138-1234-5678, 138.1234.5678

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# 18-digit resident ID: 6-digit area, birth date YYYYMMDD, 3-digit sequence, check digit.
_ID18 = re.compile(
    "(?=[0-9０-９])"  # its first character (a look-ahead lets the regex engine skip to one)
    + _NOT_DIGIT_BEFORE
    + rf"({_D}{{6}})((?:19|20){_D}{{2}})({_D}{{2}})({_D}{{2}}){_D}{{3}}[0-9０-９Xx]"
    r"(?![0-9０-９A-Za-z])"
)

# 15-digit first-generation resident ID (issued until 2004, still written from memory): 6-digit
# area (its first digit 1-8, a region), birth date YYMMDD in the 1900s, 3-digit sequence.
_ID15 = re.compile(
    "(?=[1-8１-８])"
    + _NOT_DIGIT_BEFORE
    + rf"([1-8１-８]{_D}{{5}})({_D}{{2}})({_D}{{2}})({_D}{{2}}){_D}{{3}}"
    r"(?![0-9０-９A-Za-z])"
)

# Card numbers: 16-19 digits, optionally in groups of 4 separated by a space or dash.
_CARD = re.compile(
    "(?=[0-9０-９])"
    + _NOT_DIGIT_BEFORE
    + rf"(?:{_D}{{4}}(?:[ \-]{_D}{{4}}){{3}}(?:[ \-]?{_D}{{1,3}})?|{_D}{{16,19}})"
    + _NOT_DIGIT_AFTER
)
_CARD_CONTEXT = re.compile(r"(银行卡|卡号|账号|帐号|储蓄卡|信用卡|card)", re.I)

# Mobile: optional +86 / 86 / 0086, then 1[3-9]x, 11 digits, optionally split 3-4-4.
_MOBILE = re.compile(
    "(?=[+081１])"
    + _NOT_DIGIT_BEFORE
    + r"(?:(?:\+|00)?86[ \-]?)?"
    + rf"[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"
    + _NOT_DIGIT_AFTER
)

# Landline with area code: 0 + 2-3 digits, then 7-8 digits; separator or brackets optional.
_LANDLINE = re.compile(
    "(?=[(（0])"
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
_DIGIT = re.compile(r"\d")
# The fewest digits any kind but e-mail has: a local number after a cue (电话 8888666).
_MIN_DIGITS = 7


def _enough_digits(text: str) -> bool:
    """Whether the text holds at least _MIN_DIGITS digits (of any script, as \\d matches)."""
    return len(_DIGIT.findall(text)) >= _MIN_DIGITS


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


def _replace_id15(match: re.Match[str]) -> str:
    year = "19" + match.group(2)
    if _valid_birth_date(year, match.group(3), match.group(4)):
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
    placeholders such as [电话]; everything else is returned unchanged.

    The patterns read the text as a spreadsheet or a person would: full-width characters
    folded (`１１０１…Ｘ`, `ｚｓｆ＠ｅｘａｍｐｌｅ．ｃｏｍ`), invisible characters dropped (a mobile
    split by zero-width spaces), and then also with the spacing inside digit runs ignored
    (`110101 19900307 7777`). Only what matches is replaced, in the original text.
    """
    if "@" not in text and "＠" not in text and not _enough_digits(text):
        # Nothing to find, however the text is read: an e-mail address needs an @, every
        # other kind at least _MIN_DIGITS digits (folding and joining never add one).
        return text
    if not _DISGUISED.search(text):
        return _redact_plain(text)
    text = _redact_view(text, join_digits=False)
    return _redact_view(text, join_digits=True)


def _redact_plain(text: str) -> str:
    """`redact` for text with nothing to fold, drop or join (nearly every answer)."""
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    if not _FOUR_DIGITS.search(text) or not _enough_digits(text):
        return text  # every other kind has at least four digits in a row, and seven in all
    text = _ID18.sub(_replace_id, text)
    text = _ID15.sub(_replace_id15, text)
    text = _CARD.sub(lambda m: _replace_card(m, text), text)
    text = _MOBILE.sub(PHONE, text)
    text = _LANDLINE.sub(PHONE, text)
    text = _LOCAL_AFTER_CUE.sub(lambda m: m.group(1) + PHONE, text)
    return text


# What can hide personal data from the plain patterns: the full-width forms of what they read
# (digits, Latin letters, the ideographic space and the @ . _ % + - of an e-mail address or a
# separator), invisible characters, and digits with spacing between them. Chinese text is full
# of other full-width forms (，：！？（）) that folding changes nothing for: the patterns take
# （）and ：as they are, and no pattern reads ， ！ ？ at all.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_READ_FULL_WIDTH = "\uff05\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff3f\uff41-\uff5a\u3000"
_DISGUISED = re.compile(
    f"[{_READ_FULL_WIDTH}{_INVISIBLE}]|[0-9０-９][\\s\\-{_INVISIBLE}]+[0-9０-９]"
)
_INVISIBLE_CHARS = frozenset(
    "\u00ad\u180e\ufeff"
    + "".join(
        chr(c)
        for r in ((0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069))
        for c in range(r[0], r[1] + 1)
    )
)
# Full-width ASCII to half-width, one character for one (so positions map back).
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_INVISIBLE_CHAR = re.compile(f"[{_INVISIBLE}]")
# What may follow a digit in a gap that joining removes (white space or a dash, folded).
_GAP_CHAR = re.compile(r"[\s\-]")
# What the view may leave out: invisible characters, and white space or a dash between digits.
_DROPPABLE = re.compile(f"[{_INVISIBLE}\\s\\-]")
# Spacing between two digits that is ignored when joining: at most this many characters.
_MAX_GAP = 3
# Stands in for a found span in the view, so later patterns neither match it again nor see a
# digit there (like the placeholder it will become).
_MASK = "\u25a0"


def _view(text: str, join_digits: bool) -> tuple[str, Sequence[int]]:
    """The text as the patterns read it, and for each of its characters the position in
    `text` it came from."""
    folded = text.translate(_WIDTH)
    if _INVISIBLE_CHAR.search(folded) is None and not (
        join_digits
        and any(m.start() and folded[m.start() - 1].isdigit() for m in _GAP_CHAR.finditer(folded))
    ):
        # Nothing to drop and no digits to join (nearly every text): the view is the folded
        # text, character for character.
        return folded, range(len(folded))
    invisible = _INVISIBLE_CHARS
    # Only the characters the view may drop need a look: the runs between them are kept whole.
    pieces: list[str] = []
    origin: list[int] = []
    position = 0  # where the text not handled yet starts
    last = ""  # the last character kept
    for match in (_DROPPABLE if join_digits else _INVISIBLE_CHAR).finditer(folded):
        index = match.start()
        if index < position:
            continue  # in a gap between digits, already left out
        if index > position:
            pieces.append(folded[position:index])
            origin.extend(range(position, index))
            last = folded[index - 1]
        char = folded[index]
        position = index + 1
        if char in invisible:
            continue
        if join_digits and last.isdigit() and (char.isspace() or char == "-"):
            end = index
            while (
                end < len(folded)
                and end - index < _MAX_GAP
                and (folded[end].isspace() or folded[end] == "-" or folded[end] in invisible)
            ):
                end += 1
            if end < len(folded) and folded[end].isdigit():
                position = end
                continue
        pieces.append(char)
        origin.append(index)
        last = char
    pieces.append(folded[position:])
    origin.extend(range(position, len(folded)))
    return "".join(pieces), origin


def _spans(view: str) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) in `view` of everything to redact, in the order `redact`
    checks the kinds (an ID before a card, a card before a phone)."""
    found: list[tuple[int, int, str]] = []

    def take(start: int, end: int, placeholder: str) -> None:
        nonlocal view
        found.append((start, end, placeholder))
        view = view[:start] + _MASK * (end - start) + view[end:]

    if "@" in view:
        for match in list(_EMAIL.finditer(view)):
            take(match.start(), match.end(), EMAIL)
    if not _enough_digits(view):
        return found
    for match in list(_ID18.finditer(view)):
        if _replace_id(match) == ID_CARD:
            take(match.start(), match.end(), ID_CARD)
    for match in list(_ID15.finditer(view)):
        if _replace_id15(match) == ID_CARD:
            take(match.start(), match.end(), ID_CARD)
    text = view
    for match in list(_CARD.finditer(view)):
        if _replace_card(match, text) == BANK_CARD:
            take(match.start(), match.end(), BANK_CARD)
    for pattern in (_MOBILE, _LANDLINE):
        for match in list(pattern.finditer(view)):
            take(match.start(), match.end(), PHONE)
    for match in list(_LOCAL_AFTER_CUE.finditer(view)):
        take(match.start(2), match.end(2), PHONE)
    return found


def _redact_view(text: str, join_digits: bool) -> str:
    """Redact what the patterns find in `text`'s view, replacing the original characters."""
    view, origin = _view(text, join_digits)
    if "@" not in view and not _FOUR_DIGITS.search(view):
        return text
    spans = sorted(
        (origin[start], origin[end - 1] + 1, placeholder)
        for start, end, placeholder in _spans(view)
    )
    out: list[str] = []
    position = 0
    for start, end, placeholder in spans:
        if start < position:
            continue  # overlaps one already replaced (masked, so it cannot; kept safe)
        out.append(text[position:start])
        out.append(placeholder)
        position = end
    out.append(text[position:])
    return "".join(out)
