"""Bad organiser input gets a usage reply, never a crash (issue 14 defect 9): huge durations,
recurring rounds more often than hourly, long cron strings, community names in file names."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.durations import parse_duration
from bot.core.errors import DurationError, UsageError
from bot.core.exports import file_name_part
from bot.core.parsing import MAX_CRON_CHARS, parse_ask, parse_schedule

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "duration",
    ["999999999999999999999999d", "9" * 5000 + "s", "1d" + "9" * 30 + "h", "0" * 50 + "1h"],
)
def test_huge_durations_are_refused_as_too_long(duration: str) -> None:
    """A number too big for a timedelta (or for int() itself) is 'too long', not a crash; a
    long run of leading zeros is still the small number it is."""
    if duration.startswith("000"):
        assert parse_duration(duration).total_seconds() == 3600
        return
    with pytest.raises(DurationError) as caught:
        parse_duration(duration)
    assert caught.value.key == "duration_too_long"


@pytest.mark.parametrize("duration", ["999999999999999999999999d", "9" * 5000 + "s"])
def test_ask_with_a_huge_duration_is_a_usage_error(duration: str) -> None:
    """`/ask <huge> q` raises the UsageError the handlers answer with the usage line."""
    with pytest.raises(UsageError) as caught:
        parse_ask(f"{duration} 你的建议？")
    assert caught.value.command == "ask" and caught.value.key == "duration_too_long"


@pytest.mark.parametrize(
    "cron", ["*/30 * * * *", "0,30 9 * * *", "* 9 * * mon", "0,59 8-9 * * *", "*/5 * 1 1 *"]
)
def test_recurring_rounds_more_often_than_hourly_are_refused(cron: str) -> None:
    """A cron expression that fires twice within an hour anywhere in its next fires is refused."""
    with pytest.raises(UsageError) as caught:
        parse_schedule(f'--cron "{cron}" 10m 问题', now=NOW, zone=ZONE)
    assert caught.value.key == "parse_cron_too_often"


@pytest.mark.parametrize("cron", ["0 * * * *", "0 9 * * mon", "30 8-18 * * 1-5", "0 0 1 * *"])
def test_hourly_and_rarer_recurring_rounds_are_accepted(cron: str) -> None:
    """Hourly, weekly, working-hours hourly and monthly rounds are fine."""
    assert parse_schedule(f'--cron "{cron}" 10m 问题', now=NOW, zone=ZONE).cron == cron


def test_a_cron_string_over_100_characters_is_refused() -> None:
    """A cron value longer than MAX_CRON_CHARS is refused before APScheduler reads it."""
    long_cron = "0 9 * * " + ",".join(["mon"] * 40)
    assert len(long_cron) > MAX_CRON_CHARS
    with pytest.raises(UsageError) as caught:
        parse_schedule(f'--cron "{long_cron}" 10m 问题', now=NOW, zone=ZONE)
    assert caught.value.key == "parse_cron_too_long"


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("../../x", "x"),
        ("=1+1", "1_1"),
        ("碧海社区", "碧海社区"),
        ("..\\..\\windows", "windows"),
        ("@SUM(1)", "SUM_1"),
        ("a\u202egnp.exe", "a_gnp_exe"),
        ("／etc／passwd", "etc_passwd"),
        ("...", "community"),
        ("长" * 60, "长" * 40),
    ],
)
def test_community_names_are_safe_in_file_names(name: str, part: str) -> None:
    """No path separator, dot, formula sign, control or bidi character survives into a file
    name; Chinese names stay readable."""
    assert file_name_part(name) == part
