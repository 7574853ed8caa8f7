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
LABEL_PREFIX = "lbl"
# ASCII digits and `\Z`: `\d` takes any script's digits (`rate:１:5`), `$` matches before a
# final newline (`rate:1:5\n`), and int() read both as `rate:1:5`, data no button carries;
# so is a leading zero (`rate:02:1`), which int() read as round 2.
_ID = "[1-9][0-9]{0,11}"
RATING_PATTERN = rf"^{RATING_PREFIX}:{_ID}:[1-5]\Z"
FORGET_PATTERN = rf"^{FORGET_PREFIX}:(yes|no)\Z"
# lbl:<answer id>:<chosen themes as a hex bit mask>:<action>. The selection travels in the
# button itself (no server state between presses); 64 bytes allow up to 32 themes.
LABEL_PATTERN = (
    rf"^{LABEL_PREFIX}:{_ID}:(?:0|[1-9a-f][0-9a-f]{{0,7}}):(t(?:[1-9]?[0-9])|ok|skip|stop|p[01])\Z"
)
_RATING = re.compile(RATING_PATTERN)
_FORGET = re.compile(FORGET_PATTERN)
_LABEL = re.compile(LABEL_PATTERN)
MAX_LABEL_CHOICES = 32
LABELS_PER_ROW = 3


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


LabelAction = Literal["toggle", "ok", "skip", "stop", "page"]


@dataclass(frozen=True)
class LabelPress:
    """A press on a /label keyboard: toggle theme `index`, confirm, skip, stop or turn `page`."""

    answer_id: int
    chosen: frozenset[int]  # indices into the label choices, as the message showed them
    action: LabelAction
    index: int = 0  # the theme toggled
    page: int = 0  # the page asked for


@dataclass(frozen=True)
class LabelWords:
    """The fixed button texts of a /label keyboard, in the organiser's language."""

    confirm: str
    skip: str
    stop: str
    other_page: str


def _mask(chosen: frozenset[int]) -> str:
    return format(sum(1 << i for i in chosen), "x")


def label_keyboard(
    answer_id: int,
    names: list[str],
    pages: list[list[int]],
    page: int,
    chosen: frozenset[int],
    words: LabelWords,
) -> InlineKeyboardMarkup:
    """The /label buttons: the themes of `pages[page]` (indices into `names`, ✓ when chosen),
    then a button to the other page, and confirm, skip and stop."""
    if len(names) > MAX_LABEL_CHOICES:
        raise ValueError(f"at most {MAX_LABEL_CHOICES} themes fit in a /label button")
    mask = _mask(chosen)
    head = f"{LABEL_PREFIX}:{answer_id}:{mask}"
    buttons = [
        InlineKeyboardButton(("✓ " if i in chosen else "") + names[i], callback_data=f"{head}:t{i}")
        for i in pages[page]
    ]
    rows = [buttons[k : k + LABELS_PER_ROW] for k in range(0, len(buttons), LABELS_PER_ROW)]
    if len(pages) > 1:
        rows.append([InlineKeyboardButton(words.other_page, callback_data=f"{head}:p{1 - page}")])
    rows.append(
        [
            InlineKeyboardButton(words.confirm, callback_data=f"{head}:ok"),
            InlineKeyboardButton(words.skip, callback_data=f"{head}:skip"),
            InlineKeyboardButton(words.stop, callback_data=f"{head}:stop"),
        ]
    )
    return InlineKeyboardMarkup(rows)


def parse_label(data: str | None) -> LabelPress | None:
    """The /label press `data` encodes, or None if it is not one this module built."""
    if data is None or not _LABEL.match(data):
        return None
    _, answer_id, mask, action = data.split(":")
    bits = int(mask, 16)
    chosen = frozenset(i for i in range(MAX_LABEL_CHOICES) if bits >> i & 1)
    if action.startswith("t"):
        index = int(action[1:])
        if index >= MAX_LABEL_CHOICES:
            return None
        return LabelPress(int(answer_id), chosen, "toggle", index=index)
    if action.startswith("p"):
        return LabelPress(int(answer_id), chosen, "page", page=int(action[1:]))
    named: dict[str, LabelAction] = {"ok": "ok", "skip": "skip", "stop": "stop"}
    return LabelPress(int(answer_id), chosen, named[action])


def has_button(markup: InlineKeyboardMarkup | None, data: str) -> bool:
    """Whether a message's keyboard carries a button with exactly this callback data."""
    if markup is None:
        return False
    return any(b.callback_data == data for row in markup.inline_keyboard for b in row)
