"""Reading the numbers people type and the ones the bot made (ids, counts, ports, dates,
durations, callback data, form fields): the one place that says which digits are digits.

Typed numbers are ASCII digits, or the full-width digits a Chinese input method types in
full-width mode (`１２` is 12). Any other digits are refused, never read: Arabic-Indic `١٢`,
Devanagari `१२`, superscripts `²`, circled `①`, mathematical `𝟏`. Python reads many of them
(int("١") is 1; NFKC folds "²" to "2"), so `/close ١` closed round 1 and `/ask ٤٨h …` opened a
48-hour round: a look-alike of a digit, pasted or typed by a keyboard in another script, is
not what a Chinese organiser or resident means, and one that is read silently can act on the
wrong round. Numbers the bot made itself (callback data, deep links, form fields, URL paths)
are ASCII only: full-width digits there were typed, not followed.
"""

from __future__ import annotations

import re
import unicodedata

_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_DIGITS = re.compile(r"[0-9]+")
# Digits enough for any id storage holds (2**62 has 19): a longer run is no number we read.
MAX_DIGITS = 18


def fold_digits(text: str) -> str:
    """`text` with full-width digits written as ASCII ones (nothing else changed)."""
    return text.translate(_FULL_WIDTH)


def _foreign(char: str) -> bool:
    if char.isascii() or "０" <= char <= "９":
        return False
    return (
        unicodedata.category(char) == "Nd"
        or unicodedata.digit(char, None) is not None
        or any("0" <= c <= "9" for c in unicodedata.normalize("NFKC", char))
    )


def foreign_digits(text: str) -> str:
    """The characters of `text` that are digits, or become digits once NFKC-folded, but are
    neither ASCII nor full-width ones (each once, in order): "" if there are none."""
    return "".join(dict.fromkeys(c for c in text if _foreign(c)))


def fold_typed(text: str) -> str:
    """`text` NFKC-folded (full-width letters, digits and signs as ASCII: what an input method
    in full-width mode types) except for the digits `foreign_digits` names, which stay as they
    are, so that no reader of numbers takes them (NFKC would make `²` a 2 and `①` a 1)."""
    if not foreign_digits(text):
        return unicodedata.normalize("NFKC", text)
    return "".join(c if _foreign(c) else unicodedata.normalize("NFKC", c) for c in text)


def as_ascii_digits(text: str) -> str:
    """`text` with every digit, of whatever script, written as the ASCII digit it stands for:
    to tell whether a word refused for its digits was meant as a number (`٤٨h` as `48h`)."""
    return "".join(
        str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in text
    )


def read_number(text: str, *, typed: bool = True, max_digits: int = MAX_DIGITS) -> int | None:
    """The whole number `text` is, or None: a run of 1 to `max_digits` ASCII digits (with
    `typed`, full-width ones too), and nothing else: no sign, space, underscore, decimal point
    or any other script's digits, which int() would take."""
    word = fold_digits(text) if typed else text
    if not 0 < len(word) <= max_digits or _DIGITS.fullmatch(word) is None:
        return None
    return int(word)
