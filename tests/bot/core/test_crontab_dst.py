"""Cron firings in a zone whose clocks go back (Europe/Berlin, 2025-10-26: 02:00–03:00 twice).

`next_fire` runs inside the scheduler's tick on the event loop: a call that never returns
freezes the whole bot, so each call here runs in a thread that the test gives up on.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.crontab import next_fire, shortest_interval

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = datetime(2025, 10, 25, 22, 0, tzinfo=UTC)  # 00:00 summer time, the night of the change


def within(seconds: float, call: Callable[[], object]) -> object:
    # A hang guard, not a timing: each call takes microseconds; the bound only ends a loop that
    # would never return (on a busy machine, 60 s is still no measure of speed).
    """`call()`'s result, failing the test if it has not returned within `seconds`."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still computing after {seconds} s (a loop that never ends)")
    return result[0]


def firings(expression: str, count: int) -> list[datetime]:
    """The first `count` firings from NIGHT on, each looked for after the one before."""
    out: list[datetime] = []
    moment = NIGHT
    for _ in range(count):
        found = within(60, functools.partial(next_fire, expression, moment, BERLIN))
        assert isinstance(found, datetime)
        out.append(found)
        moment = found
    return out


def test_hourly_firings_go_on_through_the_repeated_hour() -> None:
    """`0 * * * *` fires every real hour through the night: both 02:00s, then 03:00."""
    fired = [f.astimezone(UTC) for f in firings("0 * * * *", 5)]
    assert fired == [NIGHT + timedelta(hours=h) for h in range(1, 6)]


def test_a_fixed_time_fires_once_in_the_repeated_hour() -> None:
    """`30 2 * * *` and `0 2 * * sun` fire once on the night the clocks go back (at the first
    02:30 / 02:00, as cron does), then the next day or week at that local time."""
    daily = firings("30 2 * * *", 2)
    assert [f.astimezone(UTC) for f in daily] == [
        datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
        datetime(2025, 10, 27, 1, 30, tzinfo=UTC),
    ]
    weekly = firings("0 2 * * sun", 2)
    assert [f.astimezone(UTC) for f in weekly] == [
        datetime(2025, 10, 26, 0, 0, tzinfo=UTC),
        datetime(2025, 11, 2, 1, 0, tzinfo=UTC),
    ]


def test_after_the_second_two_oclock_itself() -> None:
    """Asked for the firing after the second 02:00 (given in UTC, as the database stores
    times), `next_fire` answers 03:00 winter time."""
    second = datetime(2025, 10, 26, 1, 0, tzinfo=UTC)
    found = within(60, lambda: next_fire("0 * * * *", second, BERLIN))
    assert found == datetime(2025, 10, 26, 2, 0, tzinfo=UTC)


def test_hourly_is_not_too_often_over_the_change() -> None:
    """The shortest gap of `0 * * * *` is one real hour, not the zero wall-clock minutes
    between the two 02:00s (which made /schedule refuse it as too often that evening)."""
    gap = within(60, lambda: shortest_interval("0 * * * *", NIGHT, BERLIN))
    assert gap == timedelta(hours=1)
