"""The weekly digest's delivery per staff chat: a chat that missed part of it gets only the
rest, later; a chat that got it is never sent it again; the period is sent once all have it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.base import utcnow
from bot.telegram.digests import last_due_period
from sandbox.emulator import BotAPIEmulator
from tests.e2e.test_digest import wait_all_digests_sent
from tests.harness import start_bot


def shifted_clock(to: datetime) -> Callable[[], datetime]:
    """A clock that reads `to` now and runs on from there in real time."""
    offset = to - utcnow()
    return lambda: utcnow() + offset


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    """What each message the bot sent to a chat carried: text, photo or document."""
    return [next(k for k in ("photo", "document", "text") if k in m) for m in messages]


async def test_a_staff_chat_that_missed_the_chart_gets_only_what_it_missed(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With the chart failing once (a passing network error) for the first staff chat, that
    chat later gets the chart and the CSV without the text again, the other chat gets the
    digest once at once, and the period is marked sent only after both have it all."""
    em = emulator
    staff_user = em.add_user("值班员")
    first, second = em.add_group("街道办工作群"), em.add_group("社区办工作群")
    for chat in (first, second):
        em.add_bot_to_group(chat, staff_user)
    roles = {"staff_chats": [first.id, second.id]}
    async with start_bot(em, tmp_path, roles=roles) as bot:
        fire = last_due_period(bot.core, utcnow())
        assert fire is not None
        bot.core.clock = shifted_clock(fire - timedelta(days=6))
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 社区最需要改进什么？")
        post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
        em.send_message(em.add_user("居民"), group, "停车位太少了。", reply_to=post["message_id"])
        await bot.settle()

        em.inject_fault("500", method="sendPhoto", count=1)
        bot.core.clock = utcnow
        await em.wait_for(lambda: kinds(em.messages_to(second.id))[-1:] == ["document"], 30)
        async with bot.core.repo.transaction() as session:
            assert await session.list_unsent_digests() == [fire]  # the first chat still waits
        await em.wait_for(lambda: kinds(em.messages_to(first.id))[-1:] == ["document"], 60)
        for chat in (first, second):
            assert kinds(em.messages_to(chat.id)) == ["text", "photo", "document"], chat.title
        await wait_all_digests_sent(bot)
        async with bot.core.repo.transaction() as session:
            deliveries = await session.list_digest_deliveries(fire)
        assert [(d.chat_id, d.outcome, d.parts_sent) for d in deliveries] == sorted(
            [(first.id, "sent", 3), (second.id, "sent", 3)]
        )
