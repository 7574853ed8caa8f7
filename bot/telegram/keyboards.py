"""Inline keyboards: every button's callback data is built and parsed here, nowhere else.

Callback data comes back from Telegram as the client sent it, so anyone can forge it: a parser
returns None for anything that is not exactly what this module builds, and the handler also
checks that the press came on the message the button was made for (see handlers/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

RATING_PREFIX = "rate"
FORGET_PREFIX = "forget"
RATING_PATTERN = rf"^{RATING_PREFIX}:\d{{1,12}}:[1-5]$"
FORGET_PATTERN = rf"^{FORGET_PREFIX}:(yes|no)$"
_RATING = re.compile(RATING_PATTERN)
_FORGET = re.compile(FORGET_PATTERN)


@dataclass(frozen=True)
class RatingPress:
    """A press on one of a rating round's 1–5 buttons."""

    round_id: int
    value: int


def rating_keyboard(round_id: int) -> InlineKeyboardMarkup:
    """The 1–5 buttons of a rating round."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(v), callback_data=f"{RATING_PREFIX}:{round_id}:{v}")
                for v in range(1, 6)
            ]
        ]
    )


def parse_rating(data: str | None) -> RatingPress | None:
    """The rating press `data` encodes, or None if it is not one this module built."""
    if data is None or not _RATING.match(data):
        return None
    _, round_id, value = data.split(":")
    return RatingPress(round_id=int(round_id), value=int(value))


def forget_keyboard(yes: str, no: str) -> InlineKeyboardMarkup:
    """The confirmation buttons of /forget, labelled `yes` and `no`."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes, callback_data=f"{FORGET_PREFIX}:yes"),
                InlineKeyboardButton(no, callback_data=f"{FORGET_PREFIX}:no"),
            ]
        ]
    )


def parse_forget(data: str | None) -> Literal["yes", "no"] | None:
    """The /forget choice `data` encodes, or None if it is not one this module built."""
    match = _FORGET.match(data or "")
    if match is None:
        return None
    return "yes" if match.group(1) == "yes" else "no"


def has_button(markup: InlineKeyboardMarkup | None, data: str) -> bool:
    """Whether a message's keyboard carries a button with exactly this callback data."""
    if markup is None:
        return False
    return any(b.callback_data == data for row in markup.inline_keyboard for b in row)
