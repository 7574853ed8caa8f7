"""An organiser who never opened a private chat with the bot cannot be sent a closed round's
report: the miss is remembered (under their pseudonym), their next command in a group tells
them once how to get it, and /start in private then says which reports to ask for."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot

NOTICE = "/start"


async def test_a_report_missed_is_told_once_in_the_group_then_offered_at_start(
    minyi_bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    """The organiser only ever wrote in the group: the report of round 1 cannot reach them;
    their next command there is answered, and also told once to open a private chat and send
    /start; their /start lists `/report 1`, and a later /start no longer does."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    await bot.command(group, "/close 1")
    private = emulator.private_chat(bot.organiser)
    assert bot.bot_texts(private) == []
    async with bot.core.repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT organiser, round_id FROM missed_reports")
    assert [(r["organiser"], r["round_id"]) for r in rows] == [
        (bot.core.resident(bot.organiser.id), 1)
    ]

    before = len(bot.bot_texts(group))
    await bot.command(group, "/rounds")
    told = [t for t in bot.bot_texts(group)[before:] if "#1" in t and NOTICE in t]
    assert len(told) == 1, bot.bot_texts(group)[before:]
    assert "私聊" in told[0]
    before = len(bot.bot_texts(group))
    await bot.command(group, "/rounds")
    assert not [t for t in bot.bot_texts(group)[before:] if NOTICE in t and "#1" in t]

    await bot.command(private, "/start")
    assert any("/report 1" in t for t in bot.bot_texts(private)), bot.bot_texts(private)
    before = len(bot.bot_texts(private))
    await bot.command(private, "/start")
    assert not any("/report 1" in t for t in bot.bot_texts(private)[before:])
    async with bot.core.repo.transaction() as session:
        assert await session.tx.fetchall("SELECT round_id FROM missed_reports") == []


async def test_start_before_any_group_command_offers_the_report_and_the_group_is_not_told(
    minyi_bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    """An organiser who opens the private chat first is offered the missed report there; their
    next command in the group then carries no notice."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    await bot.command(group, "/close 1")
    private = emulator.private_chat(bot.organiser)
    await bot.command(private, "/start")
    assert any("/report 1" in t for t in bot.bot_texts(private)), bot.bot_texts(private)
    before = len(bot.bot_texts(group))
    await bot.command(group, "/rounds")
    assert not [t for t in bot.bot_texts(group)[before:] if NOTICE in t]


async def test_the_english_notice_counts_one_report_and_several_in_their_number(
    minyi_bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    """An organiser writing in English is told of one missed report in the singular and of
    two in the plural (it read "the report on round #2, #3")."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    english = replace(bot.organiser, language_code="en")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    await bot.command(group, "/close 1")
    before = len(bot.bot_texts(group))
    await bot.command(group, "/rounds", user=english)
    told = [t for t in bot.bot_texts(group)[before:] if NOTICE in t]
    assert len(told) == 1 and "1 report privately (#1)" in told[0], told

    # Two rounds closed by the scheduler: no group command between them tells of the first.
    await bot.command(group, "/ask 1h 社区最需要改进什么？")
    await bot.command(group, "/ask 1h 今晚的活动怎么样？")
    later = bot.core.now() + timedelta(hours=2)
    bot.core.clock = lambda: later
    organiser = bot.core.resident(bot.organiser.id)
    async with asyncio.timeout(30):
        while True:
            async with bot.core.repo.transaction() as session:
                if await session.untold_missed_reports(organiser) == [2, 3]:
                    break
            await asyncio.sleep(0.05)
    before = len(bot.bot_texts(group))
    await bot.command(group, "/rounds", user=english)
    told = [t for t in bot.bot_texts(group)[before:] if NOTICE in t]
    assert len(told) == 1 and "2 reports privately (#2, #3)" in told[0], told
