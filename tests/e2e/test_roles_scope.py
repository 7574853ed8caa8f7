"""What an organiser command reaches: a group admin only their own group's community; a command
in a group only that group's community; CSV exports and the digest only the caller's private
chat (SPEC §1, §3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.e2e.dbfiles import snapshot
from tests.harness import RunningBot, start_bot

# These tests expect a refusal for each command: the per-chat cap on refusals (what it drops is
# tested in tests/e2e/test_flood.py) is lifted.
UNCAPPED = 1_000_000

REFUSAL = "只有组织者"
ADMINS_ON = {"group_admins_are_organisers": True}
B_SECRET = "B社区的意见：垃圾分类的桶太少了"
A_ANSWER = "A社区的意见：停车位太少"


async def answer(bot: RunningBot, group: SimChat, round_id: int, text: str) -> None:
    """A new resident replies to the round's opening post in `group`."""
    em = bot.emulator
    post = next(m for m in em.messages_to(group.id) if f"#{round_id}" in m.get("text", ""))
    em.send_message(em.add_user("居民"), group, text, reply_to=post["message_id"])
    await bot.settle()


async def started(bot: RunningBot, user: SimUser) -> SimChat:
    """`user` opens a private chat with the bot (so it may write to them); that chat."""
    chat = bot.emulator.private_chat(user)
    await bot.command(chat, "/start", user=user)
    return chat


def sent_since(bot: RunningBot, chat: SimChat, before: int) -> list[dict[str, Any]]:
    """The messages the bot sent to `chat` after the first `before`."""
    return list(bot.emulator.messages_to(chat.id))[before:]


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """The texts of messages (documents and photos have none)."""
    return [m.get("text", "") for m in messages]


def documents(bot: RunningBot, messages: list[dict[str, Any]]) -> list[str]:
    """The documents among messages, decoded as CSV text."""
    return [bytes(m["file_bytes"]).decode("utf-8-sig") for m in messages if "document" in m]


async def test_an_admin_of_an_unregistered_group_reaches_no_community(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A stranger who made their own group and added the bot gets refusals there for every
    organiser command (no CSV, report, hiding, closing or registering) and nothing changes."""
    async with start_bot(emulator, tmp_path, roles=ADMINS_ON) as bot:
        bot.app.bot_data.replies.set_cap(UNCAPPED)
        home = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(home, "/ask 2h 社区最需要改进什么？")
        await answer(bot, home, 1, "希望公开物业账目，电话很难打通。")
        stranger = emulator.add_user("陌生人")
        own = emulator.add_group("我自己的群", admins=[stranger])
        emulator.add_bot_to_group(own, stranger)
        private = await started(bot, stranger)
        await bot.settle()
        before, in_own, in_private = snapshot(bot.settings), len(texts(sent_since(bot, own, 0))), 1
        commands = ["/export", "/export 1", "/report 1", "/hide 1", "/close 1", "/digest"]
        commands += ["/rounds", "/ask 1h 问题？", "/community 假社区"]
        for text in commands:
            await bot.command(own, text, user=stranger)
        replies = sent_since(bot, own, in_own)
        assert len(replies) == len(commands), texts(replies)
        assert all(REFUSAL in t for t in texts(replies)), texts(replies)
        assert sent_since(bot, private, in_private) == []
        assert snapshot(bot.settings) == before


async def test_a_group_admin_acts_only_on_their_own_community(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """An admin of community A's group is refused, there and in private, for community B's
    rounds and answers and for /digest; on A's own round and answers they may act."""
    chair = emulator.add_user("A群管理员")
    async with start_bot(emulator, tmp_path, roles=ADMINS_ON) as bot:
        bot.app.bot_data.replies.set_cap(UNCAPPED)
        a = emulator.add_group("A群", admins=[bot.organiser])
        emulator.add_bot_to_group(a, bot.organiser)
        emulator.add_member(a, chair, as_admin=True)
        await bot.command(a, "/community A社区")
        b = await bot.register("B群", "B社区")
        await bot.command(b, "/ask 2h B的问题？")  # round 1
        await answer(bot, b, 1, B_SECRET)  # answer 1
        day = (datetime.now() + timedelta(days=20)).strftime("%Y-%m-%d")
        await bot.command(b, f"/schedule {day} 10:00 1h 以后再议")  # round 2
        await bot.command(a, "/ask 2h A的问题？")  # round 3
        await answer(bot, a, 3, A_ANSWER)  # answer 2
        private = await started(bot, chair)

        before = snapshot(bot.settings)
        in_a = len(sent_since(bot, a, 0))
        in_private = len(sent_since(bot, private, 0))
        refused = ["/report 1", "/export 1", "/close 1", "/cancel 2", "/hide 1", "/digest"]
        for text in refused:
            await bot.command(a, text, user=chair)
        for text in ("/report 3", "/rounds", "/close 3", "/ask all 1h 问题？"):
            await bot.command(private, text, user=chair)
        replies = texts(sent_since(bot, a, in_a))
        assert len(replies) == len(refused), replies
        assert sum("不是本群社区“A社区”" in t for t in replies) == 5, replies
        assert "只有配置的组织者" in replies[-1]
        assert not any(B_SECRET in t for t in replies)
        private_replies = texts(sent_since(bot, private, in_private))
        assert private_replies == [private_replies[0]] * 4 and REFUSAL in private_replies[0]
        assert "请在那个社区的群里发送" in private_replies[0]  # where an admin's commands work
        assert snapshot(bot.settings) == before

        await bot.command(a, "/export", user=chair)
        (csv,) = documents(bot, sent_since(bot, private, in_private))
        assert A_ANSWER in csv and B_SECRET not in csv
        await bot.command(a, "/hide 2", user=chair)
        await bot.command(a, "/close 3", user=chair)
        assert any("回答 2 已隐藏" in t for t in bot.bot_texts(a))
        async with bot.core.repo.transaction() as session:
            states = {r.id: r.state for r in await session.list_rounds()}
        assert states == {1: "open", 2: "scheduled", 3: "closed"}


async def test_exports_and_the_digest_go_to_the_caller_not_the_group(
    minyi_bot: RunningBot,
) -> None:
    """/export and /digest in community A's group send the CSV and digest to the organiser's
    private chat (the CSV with A's answers only) and only a short note to the group; /report
    of community B's round there is refused."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    a = await bot.register("A群", "A社区")
    b = await bot.register("B群", "B社区")
    await bot.command(b, "/ask 2h B的问题？")
    await answer(bot, b, 1, B_SECRET)
    await bot.command(a, "/ask 2h A的问题？")
    await answer(bot, a, 2, A_ANSWER)
    private = await started(bot, bot.organiser)
    in_a = len(sent_since(bot, a, 0))

    await bot.command(a, "/export")
    await bot.command(a, "/digest")
    await bot.command(a, "/report 1")
    await bot.command(a, "/export 1")
    await bot.wait_text(private, lambda t: "社区民意周报" in t)
    await bot.emulator.wait_for(lambda: len(documents(bot, sent_since(bot, private, 0))) == 2)

    in_group = sent_since(bot, a, in_a)
    assert not any("document" in m or "photo" in m for m in in_group)
    replies = texts(in_group)
    assert replies[:2] == ["📬 已私聊发给你。"] * 2, replies
    assert all("第 1 轮征询不是本群社区“A社区”的征询" in t for t in replies[2:]), replies
    assert not any(B_SECRET in t or "B社区" in t for t in replies)
    export, digest_csv = documents(bot, sent_since(bot, private, 0))
    assert A_ANSWER in export and B_SECRET not in export
    assert B_SECRET in digest_csv  # the digest covers every community, privately


async def test_without_a_private_chat_the_group_is_told_to_open_one(
    minyi_bot: RunningBot,
) -> None:
    """An organiser who never started the bot gets, in the group, a hint to open a private
    chat first, and no CSV or digest lands anywhere."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    group = await bot.register("A群", "A社区")
    await bot.command(group, "/ask 2h A的问题？")
    await answer(bot, group, 1, A_ANSWER)
    before = len(sent_since(bot, group, 0))
    await bot.command(group, "/export")
    await bot.command(group, "/digest")
    replies = sent_since(bot, group, before)
    assert [m.get("text", "") for m in replies] == [replies[0]["text"]] * 2
    assert "请先私聊我" in replies[0]["text"]
    assert f"https://t.me/{bot.emulator.bot.username}" in replies[0]["text"]
    private = bot.emulator.private_chat(bot.organiser)
    assert bot.emulator.messages_to(private.id) == []


async def test_a_report_in_a_group_shows_only_that_communitys_part(minyi_bot: RunningBot) -> None:
    """/report of a round put to two communities shows, in A's group, A's figures and quotes
    only; in private chat it shows both communities."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    a = await bot.register("A群", "A社区")
    b = await bot.register("B群", "B社区")
    await bot.command(bot.emulator.private_chat(bot.organiser), "/ask all 2h 小区最需要什么？")
    await answer(bot, a, 1, A_ANSWER)
    await answer(bot, b, 1, B_SECRET)

    await bot.command(a, "/report 1")
    in_group = bot.bot_texts(a)[-1]
    assert "征询报告 #1" in in_group and "回答：1" in in_group, in_group
    assert "B社区" not in in_group and "垃圾分类" not in in_group, in_group
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/report 1")
    whole = bot.bot_texts(private)[-1]
    assert "回答：2" in whole and "B社区" in whole, whole
