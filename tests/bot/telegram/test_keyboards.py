"""Property-based tests: callback data parses only if it is exactly what a keyboard builds
(bot/telegram/keyboards.py), so a forged variant of a real button is no press at all."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.telegram.keyboards import (
    LabelWords,
    label_keyboard,
    parse_forget,
    parse_label,
    parse_rating,
    rating_keyboard,
)

EXAMPLES = settings(max_examples=500)
WORDS = LabelWords(confirm="ok", skip="skip", stop="stop", other_page="more")
# Pieces of callback data, real and forged: digits of other scripts, leading zeros, signs.
PIECES = st.sampled_from(
    ["rate", "lbl", "forget", ":", "0", "00", "1", "2", "5", "6", "9", "a", "f", "ff", "g", "t",
     "p", "ok", "skip", "stop", "yes", "no", "-", "+", "１", "٢", "\n", " ", "\x00"]
)  # fmt: skip
DATA = st.one_of(st.lists(PIECES, max_size=9).map("".join), st.text(max_size=64))


def _built_data(markup: object) -> set[str]:
    rows = getattr(markup, "inline_keyboard", ())
    return {str(button.callback_data) for row in rows for button in row}


@EXAMPLES
@given(DATA)
@example("rate:02:1")
@example("rate:0:1")
def test_rating_data_parses_only_as_a_rating_keyboard_builds_it(data: str) -> None:
    """`rate:02:1` or `rate:2:1\\n` is no rating press: whatever parses is the data of a
    button rating_keyboard makes for that round."""
    press = parse_rating(data)
    if press is not None:
        assert data in _built_data(rating_keyboard(press.round_id)), data


@EXAMPLES
@given(DATA)
@example("lbl:01:0:ok")
@example("lbl:1:03:ok")
@example("lbl:1:0:t05")
@example("lbl:1:0:p1")
def test_label_data_parses_only_as_a_label_keyboard_builds_it(data: str) -> None:
    """`lbl:01:0:ok` or `lbl:1:03:ok` is no /label press: whatever parses is the data of a
    button label_keyboard makes for that answer and selection."""
    press = parse_label(data)
    if press is None:
        return
    names = [f"theme{i}" for i in range(32)]
    pages = [list(range(16)), list(range(16, 32))]
    made = set()
    for page in (0, 1):
        made |= _built_data(
            label_keyboard(press.answer_id, names, pages, page, press.chosen, WORDS)
        )
    assert data in made, data


@EXAMPLES
@given(DATA)
def test_forget_data_parses_only_as_its_two_buttons(data: str) -> None:
    """Only `forget:yes` and `forget:no` are /forget presses."""
    assert (parse_forget(data) is not None) == (data in ("forget:yes", "forget:no"))
