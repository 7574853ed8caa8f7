"""Scheduled rounds in a time zone with daylight saving time (Europe/Berlin): a duration is
that much real time, whichever way the clocks change inside the window, for a round scheduled
by date and for each occurrence of a recurring one; what organisers and residents read is in
the configured zone, and `minyi report --json` agrees."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.base import utcnow
from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, start_bot

BERLIN = {"timezone": "Europe/Berlin"}
NO_REMINDER = {"reminder_before": ""}


def shifted_clock(to: datetime) -> Callable[[], datetime]:
    """A clock that reads `to` now and runs on from there in real time."""
    offset = to - utcnow()
    return lambda: utcnow() + offset


async def report_json(bot: RunningBot) -> dict[int, dict[str, Any]]:
    """`python -m bot report --json` on the bot's database, by round id."""
    database = Path(bot.settings.storage.url.removeprefix("sqlite:///"))
    config = database.parent / "config.toml"
    config.write_text(
        f'[storage]\nurl = "{bot.settings.storage.url}"\n'
        '\n[schedule]\ntimezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "report",
        "--json",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return {r["id"]: r for r in json.loads(out)["rounds"]}


def hours(round_: dict[str, Any]) -> float:
    """How long a round of `minyi report --json` is open, in real hours."""
    opens = datetime.fromisoformat(round_["opens_at"])
    closes = datetime.fromisoformat(round_["closes_at"])
    return (closes - opens).total_seconds() / 3600


async def test_a_48h_round_scheduled_over_the_spring_clock_change_lasts_48_hours(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Berlin's clocks go forward on 2025-03-30: a round scheduled for Saturday 12:00 with 48h
    closes on Monday at 13:00 (48 real hours, as `/ask 48h` would), the confirmation says so,
    and the round is still open at 12:01 on Monday (it closed an hour early, after 47 hours)."""
    async with start_bot(emulator, tmp_path, schedule=BERLIN, rounds=NO_REMINDER) as bot:
        bot.core.clock = shifted_clock(datetime(2025, 3, 28, 9, 0, tzinfo=UTC))
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/schedule 2025-03-29 12:00 48h 周末的社区活动怎么样？")
        confirmation = await bot.wait_text(group, lambda t: "已安排" in t)
        assert "2025-03-29 12:00 开始，2025-03-31 13:00 结束" in confirmation, confirmation

        opens = datetime(2025, 3, 29, 11, 0, tzinfo=UTC)  # 12:00 CET
        bot.core.clock = shifted_clock(opens + timedelta(seconds=1))
        post = await bot.wait_text(group, lambda t: "社区征询 #1" in t)
        assert "2025-03-31 13:00" in post, post

        # Monday 12:01 CEST: 47 hours and a minute after the opening.
        bot.core.clock = shifted_clock(opens + timedelta(hours=47, minutes=1))
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            round_ = await session.get_round(1)
        assert round_ is not None and round_.state == "open", round_

        bot.core.clock = shifted_clock(opens + timedelta(hours=48, seconds=1))
        await bot.wait_text(group, lambda t: "征询 #1 已结束" in t)
        rounds = await report_json(bot)
        assert hours(rounds[1]) == 48, rounds[1]


async def test_each_occurrence_of_a_recurring_round_lasts_its_duration_over_clock_changes(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A weekly `--cron "0 12 * * sat"` round of 48h: the occurrence after the spring clock
    change still opens at 12:00 local time and lasts 48 real hours, closing at 13:00 on Monday
    (as residents are told), and the one after the autumn change closes at 11:00."""
    async with start_bot(emulator, tmp_path, schedule=BERLIN, rounds=NO_REMINDER) as bot:
        bot.core.clock = shifted_clock(datetime(2025, 3, 21, 9, 0, tzinfo=UTC))
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, '/schedule --cron "0 12 * * sat" 48h 这周小区有什么新情况？')
        confirmation = await bot.wait_text(group, lambda t: "已安排" in t)
        assert "2025-03-22 12:00 开始，2025-03-24 12:00 结束" in confirmation, confirmation

        # The first occurrence opens and closes; its closing stores the next one.
        bot.core.clock = shifted_clock(datetime(2025, 3, 22, 11, 0, 1, tzinfo=UTC))
        await bot.wait_text(group, lambda t: "社区征询 #1" in t)
        bot.core.clock = shifted_clock(datetime(2025, 3, 24, 11, 0, 1, tzinfo=UTC))
        await bot.wait_text(group, lambda t: "征询 #1 已结束" in t)
        bot.core.clock = shifted_clock(datetime(2025, 3, 29, 11, 0, 1, tzinfo=UTC))
        post = await bot.wait_text(group, lambda t: "社区征询 #2" in t)
        assert "2025-03-31 13:00" in post, post

        rounds = await report_json(bot)
        assert hours(rounds[1]) == 48 and hours(rounds[2]) == 48, rounds

    # Autumn: the clocks go back on 2025-10-26.
    autumn = tmp_path / "autumn"
    autumn.mkdir()
    async with start_bot(emulator, autumn, schedule=BERLIN, rounds=NO_REMINDER) as bot:
        bot.core.clock = shifted_clock(datetime(2025, 10, 17, 9, 0, tzinfo=UTC))
        group = await bot.register("会展城业主群", "会展城社区")
        await bot.command(group, '/schedule --cron "0 12 * * sat" 48h 这周小区有什么新情况？')
        await bot.wait_text(group, lambda t: "已安排" in t)
        bot.core.clock = shifted_clock(datetime(2025, 10, 18, 10, 0, 1, tzinfo=UTC))
        await bot.wait_text(group, lambda t: "社区征询 #1" in t)
        bot.core.clock = shifted_clock(datetime(2025, 10, 20, 10, 0, 1, tzinfo=UTC))
        await bot.wait_text(group, lambda t: "征询 #1 已结束" in t)
        bot.core.clock = shifted_clock(datetime(2025, 10, 25, 10, 0, 1, tzinfo=UTC))
        post = await bot.wait_text(group, lambda t: "社区征询 #2" in t)
        assert "2025-10-27 11:00" in post, post
        rounds = await report_json(bot)
        assert hours(rounds[2]) == 48, rounds
