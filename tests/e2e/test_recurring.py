"""Recurring rounds as organisers manage them: skipping one occurrence, stopping the series,
closing an occurrence early, and seeing when a round really opened after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.models import SimChat
from tests.e2e.test_schedule_clock import last_text, shifted_clock
from tests.harness import RunningBot

# 08:00 in Asia/Shanghai (the default zone): the daily 09:00 round is an hour away.
START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
DAILY = '/schedule --cron "0 9 * * *" 2h 今天小区有什么新情况？'


async def _states(bot: RunningBot) -> list[tuple[int, str, datetime]]:
    async with bot.core.repo.transaction() as session:
        listed = await session.list_rounds()
    return sorted((r.id, r.state, r.opens_at) for r in listed)


def _openings(bot: RunningBot, group: SimChat) -> list[str]:
    return [t for t in bot.bot_texts(group) if t.startswith("📣 社区征询 #")]


async def _english(bot: RunningBot) -> object:
    english = bot.emulator.add_user("Organiser EN", language_code="en")
    bot.settings.roles.organisers.append(english.id)
    return english


async def test_cancelling_one_occurrence_skips_it_and_the_series_goes_on(
    minyi_bot_each: RunningBot,
) -> None:
    """/cancel of a scheduled occurrence of a daily round cancels that day only: the reply
    says so and names the next occurrence (its id and date) and how to stop the series; the
    next day's round opens as usual."""
    bot = minyi_bot_each
    bot.core.clock = shifted_clock(START)
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, DAILY)
    await bot.command(group, "/cancel 1")
    reply = last_text(bot, group)
    assert "第 1 轮征询已取消" in reply, reply
    assert "第 2 轮" in reply and "2026-06-02 09:00" in reply, reply
    assert "/cancel --series 2" in reply, reply
    assert [(i, s) for i, s, _ in await _states(bot)] == [(1, "cancelled"), (2, "scheduled")]

    english = await _english(bot)
    await bot.command(group, "/cancel 2", english)  # type: ignore[arg-type]
    reply = last_text(bot, group)
    assert "Round 2 is cancelled" in reply and "round 3" in reply, reply
    assert "2026-06-03 09:00" in reply and "/cancel --series 3" in reply, reply

    bot.core.clock = shifted_clock(START + timedelta(days=2, hours=1, seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #3" in t)
    await bot.settle()
    assert len(_openings(bot, group)) == 1, _openings(bot, group)


async def test_stopping_a_series_before_its_occurrence_opens(minyi_bot_each: RunningBot) -> None:
    """`/cancel --series <id>` cancels the scheduled occurrence and schedules no other: the
    reply says the series is stopped, and nothing opens on the following days."""
    bot = minyi_bot_each
    bot.core.clock = shifted_clock(START)
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, DAILY)
    await bot.command(group, "/cancel 1")
    await bot.command(group, "/cancel --series 2")
    reply = last_text(bot, group)
    assert "周期征询已停止" in reply and "第 2 轮" in reply, reply
    assert [(i, s) for i, s, _ in await _states(bot)] == [(1, "cancelled"), (2, "cancelled")]

    bot.core.clock = shifted_clock(START + timedelta(days=3))
    await bot.command(group, "/rounds")
    assert "待开始" not in last_text(bot, group)
    assert [(i, s) for i, s, _ in await _states(bot)] == [(1, "cancelled"), (2, "cancelled")]
    assert _openings(bot, group) == []


async def test_stopping_a_series_while_an_occurrence_is_open(minyi_bot_each: RunningBot) -> None:
    """`/cancel --series` naming an open occurrence (or any earlier one of the series) lets
    it run to its closing time, then no next occurrence is scheduled; plain /cancel of an
    open occurrence points to both /close and --series; asked again, the series is said to be
    stopped already. A round that does not recur is refused with --series, and nothing
    changes."""
    bot = minyi_bot_each
    bot.core.clock = shifted_clock(START)
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, DAILY)
    bot.core.clock = shifted_clock(START + timedelta(hours=1, seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #1" in t)
    await bot.command(group, "/cancel 1")
    reply = last_text(bot, group)
    assert "/close 1" in reply and "/cancel --series 1" in reply, reply

    await bot.command(group, "/ask 1h 不重复的问题？")
    await bot.command(group, "/cancel --series 2")
    assert "不是周期征询" in last_text(bot, group), last_text(bot, group)

    await bot.command(group, "/cancel --series 1")
    reply = last_text(bot, group)
    assert "周期征询已停止" in reply and "2026-06-01 11:00" in reply, reply
    assert [(i, s) for i, s, _ in await _states(bot)] == [(1, "open"), (2, "open")]
    # Asked again, the first round of a stopped series is still one of a series.
    await bot.command(group, "/cancel --series 1")
    assert "周期征询已经停止了" in last_text(bot, group), last_text(bot, group)

    bot.core.clock = shifted_clock(START + timedelta(hours=3, seconds=1))
    await bot.wait_text(group, lambda t: "征询 #1 已结束" in t)
    await bot.settle()
    assert [(i, s) for i, s, _ in await _states(bot)] == [(1, "closed"), (2, "closed")]


async def test_closing_an_occurrence_says_when_the_next_one_opens(
    minyi_bot_each: RunningBot,
) -> None:
    """/close of an open occurrence of a daily round says the next occurrence (its id and
    when it opens) and how to stop the series, in Chinese and in English."""
    bot = minyi_bot_each
    bot.core.clock = shifted_clock(START)
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, DAILY)
    await bot.command(group, DAILY.replace("今天", "今晚"))
    bot.core.clock = shifted_clock(START + timedelta(hours=1, seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #2" in t)
    await bot.command(group, "/close 1")
    reply = last_text(bot, group)
    assert "第 1 轮征询已结束" in reply, reply
    assert "第 3 轮" in reply and "2026-06-02 09:00" in reply, reply
    assert "/cancel --series 3" in reply, reply
    english = await _english(bot)
    await bot.command(group, "/close 2", english)  # type: ignore[arg-type]
    reply = last_text(bot, group)
    assert "Round 2 is closed" in reply and "round 4" in reply, reply
    assert "2026-06-02 09:00" in reply, reply


async def test_organisers_see_when_a_late_round_really_opened(
    minyi_bot_each: RunningBot,
) -> None:
    """A round that opened two days late (the bot was down): /rounds and the organisers'
    report give the time it opened with the time it was due; one that opened on time shows
    its scheduled time alone."""
    bot = minyi_bot_each
    bot.core.clock = shifted_clock(START)
    organiser_chat = bot.emulator.private_chat(bot.organiser)
    await bot.command(organiser_chat, "/start")
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/schedule 2026-06-01 09:00 7d 准时开始的问题？")
    await bot.command(group, "/schedule 2026-06-02 09:00 7d 晚开始的问题？")
    bot.core.clock = shifted_clock(START + timedelta(hours=1, seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #1" in t)
    bot.core.clock = shifted_clock(datetime(2026, 6, 4, 4, 30, tzinfo=UTC))
    await bot.wait_text(group, lambda t: "社区征询 #2" in t)

    await bot.command(group, "/rounds")
    listing = last_text(bot, group)
    (late,) = [line for line in listing.splitlines() if line.startswith("#2")]
    assert "2026-06-04 12:30" in late and "原定 2026-06-02 09:00" in late, late
    (on_time,) = [line for line in listing.splitlines() if line.startswith("#1")]
    assert "原定" not in on_time and "2026-06-01 09:00 →" in on_time, on_time
    english = await _english(bot)
    await bot.command(group, "/rounds", english)  # type: ignore[arg-type]
    listing = last_text(bot, group)
    (late,) = [line for line in listing.splitlines() if line.startswith("#2")]
    assert "2026-06-04 12:30" in late and "due 2026-06-02 09:00" in late, late

    await bot.command(group, "/close 2")
    report = await bot.wait_text(organiser_chat, lambda t: "征询报告 #2" in t)
    assert "2026-06-04 12:30" in report and "原定 2026-06-02 09:00" in report, report
    await bot.command(group, "/close 1")
    report = await bot.wait_text(organiser_chat, lambda t: "征询报告 #1" in t)
    assert "原定" not in report, report
