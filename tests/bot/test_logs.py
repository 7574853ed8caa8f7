"""The log record factory (bot/logs.py) never costs a library its log line.

It replaces a library's arguments by safe stand-ins before any handler formats the record. A
number that is no `int` or `float` (a Decimal, a NumPy integer, a Fraction) became a text such
as '<Decimal>', so a `%d` or `%.2f` in the library's message failed when the record was
formatted: the line was lost and logging printed its own traceback to stderr. Arguments given
as one value instead of a tuple (a `makeRecord` call, as log bridges make) were walked
character by character, so '%s' met several arguments and failed the same way.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from fractions import Fraction

import numpy as np

from bot.logs import _protected

make = _protected(logging.LogRecord)


def record(msg: str, args: object) -> logging.LogRecord:
    return make("somelibrary.module", logging.INFO, __file__, 1, msg, args, None)


def test_numbers_of_any_kind_still_format() -> None:
    """`%d`, `%.2f` and `%s` with numbers that are not int or float give the number."""
    assert record("took %d tries", (np.int64(3),)).getMessage() == "took 3 tries"
    assert record("ratio %.2f", (Decimal("1.5"),)).getMessage() == "ratio 1.50"
    assert record("share %.1f", (np.float32(0.25),)).getMessage() == "share 0.2"
    assert record("part %s", (Fraction(1, 3),)).getMessage() == "part 1/3"


def test_a_single_argument_not_in_a_tuple_is_one_argument() -> None:
    """A lone value as `args` is reduced as one argument, and its text still hidden."""
    assert record("sent %s", "居民的住址").getMessage() == "sent <text of 5 characters>"
    assert record("sent %s", ["a", "b"]).getMessage() == "sent <list of 2>"


def test_texts_and_mappings_are_still_reduced() -> None:
    """What the factory is for: a resident's words never reach a library's line."""
    assert record("text %s", ("我家住在幸福路3号",)).getMessage() == "text <text of 9 characters>"
    assert record("%(who)s", ({"who": "张三"},)).getMessage() == "<text of 2 characters>"


def test_a_short_bot_api_url_keeps_no_token() -> None:
    """PTB logs its Bot API URL at DEBUG (`minyi -v`) as a plain text: one short enough to pass
    as a word (a local Bot API server's) still loses its token."""
    url = "http://bot-api:8081/bot123456:AAE-x_TOKEN"
    message = record("Set Bot API URL: %s", (url,)).getMessage()
    assert message == "Set Bot API URL: http://bot-api:8081/bot<token>"
