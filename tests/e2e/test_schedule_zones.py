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

import pytest

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


def containing(fragment: str) -> Callable[[str], bool]:
    """Whether a text contains `fragment`."""
    return lambda text: fragment in text


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


@pytest.mark.timeout(120)
async def test_an_hourly_round_runs_through_the_night_the_clocks_go_back(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """`--cron "0 * * * *"` in Berlin on 2025-10-26, when 02:00–03:00 happens twice: the
    occurrences at 01:00, 02:00 (summer time), 02:00 (winter time) and 03:00 each open and
    close once, an hour apart in real time, and the bot goes on answering. Closing the one at
    02:00 winter time used to spin forever looking for the next firing, freezing the bot."""
    async with start_bot(emulator, tmp_path, schedule=BERLIN, rounds=NO_REMINDER) as bot:
        bot.core.clock = shifted_clock(datetime(2025, 10, 25, 22, 30, tzinfo=UTC))
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, '/schedule --cron "0 * * * *" 10m 这一小时里有什么新情况？')
        await bot.wait_text(group, lambda t: "已安排" in t)
        first = datetime(2025, 10, 25, 23, 0, tzinfo=UTC)  # 01:00 summer time
        for hour in range(4):
            opens = first + timedelta(hours=hour)
            opening, closing = f"社区征询 #{hour + 1}", f"征询 #{hour + 1} 已结束"
            bot.core.clock = shifted_clock(opens + timedelta(seconds=1))
            await bot.wait_text(group, containing(opening))
            bot.core.clock = shifted_clock(opens + timedelta(minutes=10, seconds=1))
            await bot.wait_text(group, containing(closing))
        await bot.command(group, "/rounds")
        await bot.wait_text(group, lambda t: "征询列表" in t)

        rounds = await report_json(bot)
        opened = [datetime.fromisoformat(rounds[n]["opens_at"]) for n in (1, 2, 3, 4)]
        assert opened == [first + timedelta(hours=h) for h in range(4)], opened
        assert [rounds[n]["state"] for n in (1, 2, 3, 4)] == ["closed"] * 4
        assert rounds[5]["state"] == "scheduled"
        assert datetime.fromisoformat(rounds[5]["opens_at"]) == first + timedelta(hours=4)


@pytest.mark.timeout(120)
async def test_a_digest_at_two_on_sundays_is_sent_once_the_night_the_clocks_go_back(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """`schedule.digest_cron = "0 2 * * sun"` in Berlin: on 2025-10-26 02:00 comes twice; the
    staff chat gets that week's digest once, and the bot goes on working afterwards. Looking for
    the fire after the second 02:00 used to spin forever in every tick, freezing the bot for
    the eight days the digest looks back (and again on every restart)."""
    staff = emulator.add_user("王主任", language_code="zh-hans")
    staff_chat = emulator.private_chat(staff)
    emulator.send_message(staff, staff_chat, "/start")  # a bot may write only after /start
    async with start_bot(
        emulator,
        tmp_path,
        schedule={**BERLIN, "digest_cron": "0 2 * * sun"},
        roles={"staff_chats": [staff_chat.id]},
    ) as bot:
        bot.core.clock = shifted_clock(datetime(2025, 10, 24, 12, 0, tzinfo=UTC))
        group = await bot.register("碧海社区居民群", "碧海社区")
        # 02:00 summer time, the first 02:00 of the night.
        bot.core.clock = shifted_clock(datetime(2025, 10, 26, 0, 0, 1, tzinfo=UTC))
        await bot.wait_text(staff_chat, lambda t: "2025-10-19" in t)
        # 03:30 winter time: past the second 02:00.
        bot.core.clock = shifted_clock(datetime(2025, 10, 26, 2, 30, tzinfo=UTC))
        await bot.command(group, "/ask 1h 今晚换时间了，大家还好吗？")
        await bot.wait_text(group, lambda t: "社区征询 #1" in t)
        async with bot.core.repo.transaction() as session:
            unsent = await session.list_unsent_digests()
        assert unsent == []
        digests = [t for t in bot.bot_texts(staff_chat) if t.startswith("📰")]
        assert len(digests) == 1, digests
