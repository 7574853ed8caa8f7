"""Update intake when the database fails: the bot keeps running and loses nothing."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from tests.harness import RunningBot


def rename_table(bot: RunningBot, old: str, new: str) -> None:
    """Rename a table of the bot's SQLite file from outside the bot (a real database fault).

    The running bot takes the write lock many times a second (its scheduler ticks every 0.2 s
    in tests, and its intake retries): on a busy machine the rename may wait a while for a
    gap, so it waits up to a minute rather than SQLite's usual few seconds."""
    path = bot.settings.storage.url.removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=60) as conn:
        conn.execute(f"ALTER TABLE {old} RENAME TO {new}")


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

    rename_table(bot, "processed_updates", "processed_updates_away")
    try:
        em.send_message(resident, group, "希望公开物业账目。", reply_to=post["message_id"])
        await em.wait_for(lambda: any("processing" in r.getMessage() for r in caplog.records), 30)
        assert em.pending_updates == 1  # not confirmed
    finally:
        rename_table(bot, "processed_updates_away", "processed_updates")
    await bot.settle(30)
    em.send_message(resident, group, "停车位太少了。", reply_to=post["message_id"])
    await bot.settle(30)
    async with bot.core.repo.transaction() as session:
        texts = sorted(a.text for a in await session.list_answers())
    assert texts == sorted(["希望公开物业账目。", "停车位太少了。"])
