"""Votes Telegram reports as cast by a chat (`PollAnswer.voter_chat`: an administrator who
remains anonymous votes as the group): Telegram counts each such chat as one voter, and puts
the same @Channel_Bot user in every one of them, which must not merge them."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.base import utcnow
from sandbox.models import SimChat
from tests.e2e.test_digest_delivery import shifted_clock
from tests.harness import RunningBot


async def _register_supergroup(bot: RunningBot, title: str, name: str) -> SimChat:
    chat = bot.emulator.add_group(title, supergroup=True, admins=[bot.organiser])
    bot.emulator.add_bot_to_group(chat, bot.organiser)
    await bot.command(chat, f"/community {name}")
    bot.groups[name] = chat
    return chat


async def test_votes_cast_as_groups_count_once_per_group(minyi_bot: RunningBot) -> None:
    """A poll in two communities: a resident and the first group's anonymous administrators
    vote there, the second group's anonymous administrators vote in theirs (and change their
    mind); each summary counts the voters Telegram counts, with their last choices."""
    bot = minyi_bot
    em = bot.emulator
    bihai = await _register_supergroup(bot, "碧海社区居民群", "碧海社区")
    huizhan = await _register_supergroup(bot, "会展城业主群", "会展城社区")
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/poll all 1h 小区最需要先改善哪一项？ | 停车 | 绿化")
    await em.wait_for(lambda: len(em.polls()) == 2)
    poll_of = {p["chat_id"]: p["id"] for p in em.polls().values()}

    em.vote_poll(em.add_user("居民"), poll_of[bihai.id], [1])
    em.vote_poll_as_group(bihai, poll_of[bihai.id], [0])
    em.vote_poll_as_group(huizhan, poll_of[huizhan.id], [0])
    await bot.settle()
    em.vote_poll_as_group(huizhan, poll_of[huizhan.id], [1])
    await bot.settle()
    assert [p["total_voter_count"] for p in em.polls().values()] == [2, 1]

    bot.core.clock = shifted_clock(utcnow() + timedelta(hours=1, minutes=1))
    mine = await bot.wait_text(bihai, lambda t: "征询 #1 已结束" in t)
    theirs = await bot.wait_text(huizhan, lambda t: "征询 #1 已结束" in t)
    assert "参与居民：2" in mine, mine
    assert "参与居民：1" in theirs, theirs
    assert re.search(r"绿化\s+1\s+100%", theirs), theirs
