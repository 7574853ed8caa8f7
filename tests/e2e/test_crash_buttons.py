"""Button presses whose handlers talk to Telegram, across a crash and a network error.

A /forget confirmation (and a /label press) is a callback query: it goes into a run of updates
committed as one transaction. Its handler used to answer the query and edit the message while
that transaction was still open, so a crash (or a dropped connection) after Telegram took the
answer left an update that could never be processed again: on redelivery Telegram refuses a
second answer to the same query, the handler failed every time and the press ended as a dead
letter, the resident's data never deleted (SPEC §9: nothing lost; §3 /forget deletes).
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path
from typing import Any

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.e2e.processes import sqlite_run_config, start_minyi_run, stop
from tests.harness import RunningBot

FORGET_DONE = "已删除你的 1 条回答和 1 次投票。"


def _rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute(sql))


def _post(em: BotAPIEmulator, chat: SimChat, fragment: str) -> dict[str, Any]:
    return next(m for m in em.messages_to(chat.id) if fragment in m.get("text", ""))


async def test_forget_confirmed_just_before_a_crash_still_deletes(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """`minyi run` killed (SIGKILL) while Telegram holds back the edit that confirms /forget
    (a flood wait): once restarted, the resident's answer and rating are deleted, and the
    press is no dead letter."""
    em = emulator
    organiser = em.add_user("Organiser")
    config, database = sqlite_run_config(tmp_path, em, organiser, secret="crash-buttons-secret")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    resident = em.add_user("王阿姨")
    em.add_member(group, resident)
    proc = start_minyi_run(config)
    try:
        em.send_message(organiser, group, "/community 碧海社区")
        em.send_message(organiser, group, "/ask 1h 你希望社区怎样改进？")
        em.send_message(organiser, group, "/rate 1h 你对小区保洁满意吗？")
        await em.wait_for(
            lambda: (
                any("社区征询 #1" in m.get("text", "") for m in em.messages_to(group.id))
                and any("reply_markup" in m for m in em.messages_to(group.id))
            ),
            60,
        )
        ask = _post(em, group, "社区征询 #1")
        rate = next(m for m in em.messages_to(group.id) if "reply_markup" in m)
        em.send_message(
            resident, group, "希望物业公开停车费的收支明细。", reply_to=ask["message_id"]
        )
        em.press_button(resident, group, rate["message_id"], "rate:2:4")
        await em.wait_idle(60)
        await em.wait_for(
            lambda: (
                len(_rows(database, "SELECT 1 FROM answers"))
                + len(_rows(database, "SELECT 1 FROM votes"))
                == 2
            ),
            30,
        )

        private = em.private_chat(resident)
        em.send_message(resident, private, "/forget")
        await em.wait_for(lambda: any("reply_markup" in m for m in em.messages_to(private.id)), 30)
        confirm = next(m for m in em.messages_to(private.id) if "reply_markup" in m)
        # Telegram makes the bot wait a minute before it may edit the confirmation.
        em.inject_fault("429", method="editMessageText", retry_after=60)
        em.press_button(resident, private, confirm["message_id"], "forget:yes")
        await em.wait_for(
            lambda: any(c.error_code == 429 for c in em.calls_to("editMessageText")), 30
        )
        await stop(proc, signal.SIGKILL)
        em.faults.clear()

        proc = start_minyi_run(config)
        await em.wait_idle(60)
        # What the restarted bot owes for the press (if anything) is done once it is idle.
        await em.wait_for(lambda: em.pending_updates == 0, 30)
        await stop(proc, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert _rows(database, "SELECT text FROM answers") == [], log[-3000:]
    assert _rows(database, "SELECT round_id FROM votes") == [], log[-3000:]
    assert _rows(database, "SELECT update_id FROM dead_letters") == [], log[-3000:]


async def test_forget_whose_confirmation_edit_loses_its_connection_deletes(
    minyi_bot: RunningBot,
) -> None:
    """A connection dropped while the bot edits the /forget confirmation (a network error,
    SPEC §9) neither keeps the resident's data nor leaves them without the confirmation."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 你希望社区怎样改进？")
    await bot.command(group, "/rate 1h 你对小区保洁满意吗？")
    ask = _post(em, group, "社区征询 #1")
    rate = next(m for m in em.messages_to(group.id) if "reply_markup" in m)
    resident = em.add_user("李师傅")
    em.send_message(resident, group, "电梯经常坏，希望及时维修。", reply_to=ask["message_id"])
    em.press_button(resident, group, rate["message_id"], "rate:2:3")
    await bot.settle()
    private = em.private_chat(resident)
    await bot.command(private, "/forget", user=resident)
    confirm = next(m for m in em.messages_to(private.id) if "reply_markup" in m)

    em.inject_fault("drop", method="editMessageText")
    em.press_button(resident, private, confirm["message_id"], "forget:yes")
    await bot.settle(30)
    await em.wait_for(lambda: FORGET_DONE in bot.bot_texts(private), 30)

    async with bot.core.repo.transaction() as session:
        mine = await session.list_answers(resident=bot.core.resident(resident.id))
        votes = await session.list_resident_votes(bot.core.resident(resident.id))
    assert (mine, votes) == ([], [])
    assert bot.bot_texts(private).count(FORGET_DONE) == 1
