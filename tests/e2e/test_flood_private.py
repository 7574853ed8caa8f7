"""One resident flooding their private chat with commands (/help, /privacy, /mydata, /start)
is answered only so many times a minute (SPEC §9): the bot's 30 messages a second are
everyone's, and a hundred help texts to one person would take their share from other chats.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from bot.core.privacy import chat_label
from bot.telegram.replies import PRIVATE_REPLIES_PER_MINUTE
from tests.harness import RunningBot

COMMANDS = ("/help", "/privacy", "/mydata", "/start")


async def test_a_command_flood_in_a_private_chat_is_answered_a_few_times_a_minute(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """200 commands from one resident in their private chat get at most the private allowance
    of answers that minute, the drop is logged once (pseudonymously), and a neighbour's /help
    sent after the flood is answered."""
    bot = minyi_bot
    em = bot.emulator
    flood = em.enable_flood_control()
    frozen: datetime = bot.core.now()
    bot.core.clock = lambda: frozen
    flooder, neighbour = em.add_user("刷屏的人"), em.add_user("邻居")
    private, other = em.private_chat(flooder), em.private_chat(neighbour)

    caplog.set_level(logging.INFO, logger="bot.telegram.replies")
    for i in range(200):
        em.send_message(flooder, private, COMMANDS[i % len(COMMANDS)])
    em.send_message(neighbour, other, "/help")
    await bot.wait_text(other, lambda t: "/privacy" in t, timeout=60)
    await bot.settle(60)

    assert len(em.messages_to(private.id)) == PRIVATE_REPLIES_PER_MINUTE
    assert flood.violations == 0
    # Logged once the minute is over (or at shutdown): move the clock on a minute.
    bot.core.clock = lambda: frozen + timedelta(minutes=2)
    em.send_message(neighbour, other, "/privacy")
    await bot.settle(60)
    label = chat_label(private.id, bot.core.secret)
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    many = 200 - PRIVATE_REPLIES_PER_MINUTE
    assert dropped == [f"{many} replies to chat {label} dropped (over its cap)"]
    assert not any(str(flooder.id) in r.getMessage() for r in caplog.records)
