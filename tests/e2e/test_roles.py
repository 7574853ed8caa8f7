"""Roles: only organisers (and, if allowed, group admins in their group) run organiser commands."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import ORGANISER_COMMANDS
from bot.telegram.flood import FloodLimiter
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.e2e.dbfiles import snapshot
from tests.harness import RunningBot, start_bot

# These tests expect a refusal for each command: the per-chat cap on refusals (what it drops is
# tested in tests/e2e/test_flood.py) is lifted.
UNCAPPED = 1_000_000

REFUSAL = "只有组织者"
# Where a group admin's commands work (roles.group_admins_are_organisers).
HERE = "请在那个社区的群里发送"


def organiser_commands(community: str, private: bool) -> list[str]:
    """Every organiser command of SPEC §3, with arguments an organiser would use."""
    day = (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    where = f"{community} " if private else ""
    return [
        "/community 新名字社区",
        f"/ask {where}1h 大家觉得停车怎么样？",
        f"/poll {where}1h 选哪个方案？ | 方案甲 | 方案乙",
        f"/rate {where}1h 物业服务打几分？",
        f"/schedule {where}{day} 09:00 2h 下个月议题是什么？",
        "/rounds",
        "/close 1",
        "/cancel 2",
        "/report 1",
        "/digest",
        "/themes",
        "/export 1",
        "/hide 1",
        f"/priorities {where}1h",
        f"/rate --indicator voice_heard {where}1h 社区听取意见了吗？",
        "/index",
        "/qr 1",
        "/label",
    ]


async def _prepare(bot: RunningBot, group: SimChat) -> None:
    """One open round with an answer, one scheduled round: something to close, hide, cancel."""
    em = bot.emulator
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    em.send_message(em.add_user("居民"), group, "希望公开物业账目。", reply_to=post["message_id"])
    day = (datetime.now() + timedelta(days=20)).strftime("%Y-%m-%d")
    await bot.command(group, f"/schedule {day} 10:00 1h 以后再议")
    async with bot.core.repo.transaction() as session:
        states = [r.state for r in await session.list_rounds()]
        assert sorted(states) == ["open", "scheduled"], states
        assert len(await session.list_answers()) == 1


async def _prepared_bihai(bot: RunningBot) -> SimChat:
    """碧海社区 registered and prepared (see `_prepare`), refusals uncapped so that every
    refused command is answered; returns its group."""
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    group = await bot.register("碧海社区居民群", "碧海社区")
    await _prepare(bot, group)
    return group


async def _refused_everything(bot: RunningBot, chat: SimChat, who: SimUser, private: bool) -> None:
    # More replies than Telegram takes in a group's minute: not what this test is about.
    limiter = bot.app.bot.rate_limiter
    assert isinstance(limiter, FloodLimiter)
    limiter.set_group_limit(UNCAPPED)
    before = snapshot(bot.settings)
    sent_before = len(bot.emulator.messages_to(chat.id))
    commands = organiser_commands("碧海社区", private)
    assert {c.split()[0][1:] for c in commands} == set(ORGANISER_COMMANDS)
    for text in commands:
        await bot.command(chat, text, user=who)
    await bot.settle()
    replies = bot.bot_texts(chat)[sent_before:]
    assert len(replies) == len(commands), replies
    assert all(REFUSAL in r for r in replies), replies
    assert not any("document" in m or "photo" in m for m in bot.emulator.messages_to(chat.id))
    assert snapshot(bot.settings) == before


async def test_resident_cannot_run_any_organiser_command_in_the_group(
    minyi_bot: RunningBot,
) -> None:
    """Each organiser command from a resident in the group is refused, no change."""
    bot = minyi_bot
    group = await _prepared_bihai(bot)
    await _refused_everything(bot, group, bot.emulator.add_user("好奇的居民"), private=False)


async def test_resident_cannot_run_any_organiser_command_in_private(
    minyi_bot: RunningBot,
) -> None:
    """Each organiser command from a resident in private chat is refused, no change."""
    bot = minyi_bot
    await _prepared_bihai(bot)
    resident = bot.emulator.add_user("私聊居民")
    await _refused_everything(bot, bot.emulator.private_chat(resident), resident, private=True)


async def test_group_admin_is_no_organiser_unless_configured(minyi_bot: RunningBot) -> None:
    """With group_admins_are_organisers off (the default), a group's own admin is refused."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    em = bot.emulator
    chair = em.add_user("群主")
    group = em.add_group("碧海社区居民群", admins=[chair])
    em.add_bot_to_group(group, bot.organiser)
    await bot.command(group, "/community 碧海社区")
    await _prepare(bot, group)
    await _refused_everything(bot, group, chair, private=False)


@pytest.mark.parametrize("as_admin", [True, False])
async def test_group_admins_are_organisers_in_their_own_group_only(
    emulator: BotAPIEmulator, tmp_path: Path, as_admin: bool
) -> None:
    """With the option on, an admin may /ask in their group; elsewhere, or a non-admin, not.
    A refusal away from a community's group says where an admin's commands work; one in a
    community's group does not."""
    chair = emulator.add_user("群管理员")
    async with start_bot(emulator, tmp_path, roles={"group_admins_are_organisers": True}) as bot:
        bot.app.bot_data.replies.set_cap(UNCAPPED)
        theirs = emulator.add_group("碧海社区居民群", admins=[bot.organiser])
        emulator.add_bot_to_group(theirs, bot.organiser)
        if as_admin:
            emulator.add_member(theirs, chair, as_admin=True)
        await bot.command(theirs, "/community 碧海社区")
        other = await bot.register("会展城业主群", "会展城社区")

        await bot.command(theirs, "/ask 1h 停车难怎么办？", user=chair)
        await bot.command(other, "/ask 1h 停车难怎么办？", user=chair)
        await bot.command(emulator.private_chat(chair), "/ask all 1h 停车难怎么办？", user=chair)

        async with bot.core.repo.transaction() as session:
            rounds = await session.list_rounds()
        assert len(rounds) == (1 if as_admin else 0)
        assert any(REFUSAL in t for t in bot.bot_texts(other))
        assert any(REFUSAL in t for t in bot.bot_texts(emulator.private_chat(chair)))
        refused_at_home = [t for t in bot.bot_texts(theirs) if REFUSAL in t]
        assert bool(refused_at_home) is not as_admin
        # Told where an admin's commands work only away from a community's group: in one, a
        # resident refused is not sent to "that community's group", where they already are.
        assert not any(HERE in t for t in refused_at_home), refused_at_home
        assert any(HERE in t for t in bot.bot_texts(emulator.private_chat(chair)))
        assert emulator.calls_to("getChatMember"), "admin status is looked up through Telegram"


@pytest.mark.parametrize("admins_are_organisers", [True, False])
async def test_an_anonymous_admin_is_an_admin_of_the_group_they_write_in(
    emulator: BotAPIEmulator, tmp_path: Path, admins_are_organisers: bool
) -> None:
    """An administrator who "remains anonymous" writes as GroupAnonymousBot with the group as
    sender: where group admins are organisers they may /ask there (and are told in the group
    that a private result cannot reach them); otherwise they are told that an anonymous
    sender cannot be recognised as an organiser, and nothing changes."""
    roles = {"group_admins_are_organisers": admins_are_organisers}
    async with start_bot(emulator, tmp_path, roles=roles) as bot:
        bot.app.bot_data.replies.set_cap(UNCAPPED)
        chair = emulator.add_user("匿名管理员")
        group = emulator.add_group("碧海社区居民群", supergroup=True, admins=[bot.organiser, chair])
        emulator.add_bot_to_group(group, bot.organiser)
        await bot.command(group, "/community 碧海社区")
        emulator.send_as_group(group, "/ask 1h 停车难怎么办？", by=chair)
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            rounds = await session.list_rounds()
        texts = bot.bot_texts(group)
        if admins_are_organisers:
            assert [r.question for r in rounds] == ["停车难怎么办？"]
            emulator.send_as_group(group, "/export 1", by=chair)
            await bot.settle()
            assert "匿名" in bot.bot_texts(group)[-1]
        else:
            assert rounds == []
            assert "匿名" in texts[-1], texts
