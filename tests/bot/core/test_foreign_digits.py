"""Numbers people type are ASCII digits, or the full-width ones a Chinese input method types in
full-width mode (`/close １２` is round 12). Any other digits (Arabic-Indic, Devanagari,
superscripts, circled, mathematical) are refused with a message saying so, never read: Python's
int() read `/close ١` as round 1, and NFKC folding read `/close ²` as round 2."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import UsageError
from bot.core.numbers import fold_digits, foreign_digits, read_number
from bot.core.parsing import (
    parse_ask,
    parse_cancel,
    parse_id,
    parse_index,
    parse_poll,
    parse_schedule,
    parse_start_payload,
)
from bot.render.texts import say

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

# Each of these is read as a number by int() (or once NFKC-folded) and must not be.
HOSTILE = [
    "١",  # Arabic-Indic one
    "١٢",
    "۱۲",  # Extended Arabic-Indic (Persian)
    "१२",  # Devanagari
    "১২",  # Bengali
    "๑๒",  # Thai
    "²",  # superscript two
    "₂",  # subscript two
    "①",  # circled one
    "𝟏𝟐",  # mathematical bold
    "1٢",  # mixed ASCII and Arabic-Indic
    "１٢",  # mixed full-width and Arabic-Indic
]


@pytest.mark.parametrize("word", ["1", "12", "１２", "1２", "0042"])
def test_ascii_and_full_width_digits_are_read(word: str) -> None:
    assert read_number(word) == int(fold_digits(word))
    assert foreign_digits(word) == ""


@pytest.mark.parametrize("word", HOSTILE)
def test_other_digits_are_never_read(word: str) -> None:
    assert read_number(word) is None
    assert foreign_digits(word)


@pytest.mark.parametrize("word", ["", " 1", "1 ", "+1", "-1", "1_000", "1.0", "1e3", "9" * 19])
def test_anything_but_a_run_of_digits_is_no_number(word: str) -> None:
    assert read_number(word) is None


def test_machine_made_numbers_take_ascii_digits_only() -> None:
    """Callback data, deep links, form fields and URL paths are made by the bot: full-width
    digits there were typed, not followed."""
    assert read_number("12", typed=False) == 12
    assert read_number("１２", typed=False) is None


@pytest.mark.parametrize("word", HOSTILE)
def test_an_id_in_other_digits_is_refused_saying_so(word: str) -> None:
    for command, parse in (
        ("close", lambda a: parse_id("close", a)),
        ("qr", lambda a: parse_id("qr", a, optional=True)),
        ("cancel", parse_cancel),
    ):
        with pytest.raises(UsageError) as caught:
            parse(word)
        assert caught.value.command == command
        assert caught.value.key == "parse_digits_foreign", (word, caught.value.key)
        with pytest.raises(UsageError) as caught:
            parse(f"#{word}")
        assert caught.value.key == "parse_digits_foreign"


def test_the_refusal_names_the_digits_and_the_ones_to_use() -> None:
    with pytest.raises(UsageError) as caught:
        parse_id("close", "١٢")
    for lang in ("zh", "en"):
        text = say(caught.value.key, lang, **caught.value.values)
        assert "١٢" in text and "0" in text and "9" in text, text


@pytest.mark.parametrize("duration", ["٤٨h", "४८h", "²h", "①d", "4٨h", "٤٨ｈ"])
def test_a_duration_in_other_digits_is_refused_not_made_the_question(duration: str) -> None:
    """`/ask ٤٨h 问题` opened a 48-hour round; with the digits refused but not noticed it would
    open one of the default length asking "٤٨h 问题"."""
    for parse in (parse_ask, lambda a: parse_poll(a + " | 好 | 不好")):
        with pytest.raises(UsageError) as caught:
            parse(f"{duration} 小区停车位够用吗？")
        assert caught.value.key == "parse_digits_foreign", duration
    with pytest.raises(UsageError) as caught:
        parse_ask(f"碧海社区 {duration} 小区停车位够用吗？", private=True)
    assert caught.value.key == "parse_digits_foreign"


def test_full_width_durations_dates_and_ids_keep_working() -> None:
    assert parse_id("close", "１２") == 12
    assert parse_ask("４８ｈ 小区停车位够用吗？").duration is not None
    request = parse_schedule("２０２６-０３-０５ １０：００ ２ｈ 问题", now=NOW, zone=ZONE)
    assert request.opens_at is not None and request.opens_at.day == 5


def test_a_question_may_hold_any_digits() -> None:
    """Only the words of command syntax are numbers: the question keeps what it says."""
    request = parse_ask("48h ٣ 号楼的电梯什么时候修好？")
    assert request.question == "٣ 号楼的电梯什么时候修好？"
    request = parse_ask("第①项：楼道灯坏了怎么办？")
    assert request.duration is None and request.question.startswith("第①项")


@pytest.mark.parametrize(
    "args",
    [
        "٢٠٢٦-٠٣-٠٥ ١٠:٠٠ 2h 问题",
        "2026-03-05 ١٠:٠٠ 2h 问题",
        '--cron "٠ ٩ * * *" 2h 问题',
        '--cron "0 ٩ * * ١" 2h 问题',
    ],
)
def test_schedule_dates_times_and_cron_in_other_digits_are_refused(args: str) -> None:
    """APScheduler read `٠ ٩ * * *` as 09:00 every day."""
    with pytest.raises(UsageError) as caught:
        parse_schedule(args, now=NOW, zone=ZONE)
    assert caught.value.key == "parse_digits_foreign", args


def test_an_index_period_in_other_digits_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        parse_index("٢٠٢٦-Q1")
    assert caught.value.key == "parse_digits_foreign"


@pytest.mark.parametrize("payload", ["r١", "r1c١", "r１", "r²"])
def test_a_start_payload_in_other_digits_is_no_link(payload: str) -> None:
    assert parse_start_payload(payload) is None
