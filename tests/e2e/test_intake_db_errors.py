"""Update intake when the database fails: the bot keeps running and loses nothing."""

from __future__ import annotations

import logging

import pytest

from tests.harness import RunningBot


async def test_answers_sent_while_the_database_fails_are_stored_once_it_recovers(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """While the database cannot claim updates, intake logs the failure and confirms nothing;
    once it recovers, the answer sent meanwhile is stored exactly once and intake goes on."""
    caplog.set_level(logging.ERROR, logger="bot.telegram.intake")
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
    resident = em.add_user("居民")

    await bot.write_outside("ALTER TABLE processed_updates RENAME TO processed_updates_away")
    try:
        em.send_message(resident, group, "希望公开物业账目。", reply_to=post["message_id"])
        await em.wait_for(lambda: any("processing" in r.getMessage() for r in caplog.records), 30)
        assert em.pending_updates == 1  # not confirmed
    finally:
        await bot.write_outside("ALTER TABLE processed_updates_away RENAME TO processed_updates")
    await bot.settle(30)
    em.send_message(resident, group, "停车位太少了。", reply_to=post["message_id"])
    await bot.settle(30)
    async with bot.core.repo.transaction() as session:
        texts = sorted(a.text for a in await session.list_answers())
    assert texts == sorted(["希望公开物业账目。", "停车位太少了。"])
