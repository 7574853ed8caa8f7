"""Telegram faults: flood waits, dropped connections, removal from a group, supergroup upgrade."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, start_bot

RECEIVED = "已收到你对征询 #1 的回答"


async def test_burst_of_answers_survives_flood_waits_and_dropped_connections(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With 429s and dropped connections mid-burst, each answer is stored once, each reply sent."""
    async with start_bot(emulator, tmp_path) as bot:
        em = bot.emulator
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 2h 你希望社区怎样改进？")
        post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
        privately = [em.add_user(f"私下居民{i}") for i in range(10)]
        in_group = [em.add_user(f"群里居民{i}") for i in range(10)]
        for person in privately:
            bot.join(person, group)
        await bot.settle()
        # Alternate the faults: a flood wait, then a connection dropped before Telegram saw the
        # call, on replies; and two long polls dropped after Telegram handed out updates.
        for _ in range(4):
            em.inject_fault("429", method="sendMessage", retry_after=1)
            em.inject_fault("drop", method="sendMessage")
        em.inject_fault("drop_after", method="getUpdates", count=2)

        expected: dict[int, str] = {}
        for i, (alone, among) in enumerate(zip(privately, in_group, strict=True)):
            chat = em.private_chat(alone)
            em.send_message(alone, chat, "/start r1")
            expected[alone.id] = f"第{i}位：希望增加公共座椅和照明。"
            em.send_message(alone, chat, expected[alone.id])
            expected[among.id] = f"第{i}位：垃圾分类需要更多指导。"
            em.send_message(among, group, expected[among.id], reply_to=post["message_id"])
        await bot.settle(timeout=90)
        await em.wait_for(lambda: not em.faults, timeout=30)

        async with bot.core.repo.transaction() as session:
            stored = await session.list_answers()
        assert Counter(a.text for a in stored) == Counter(expected.values())
        for person in [*privately, *in_group]:
            async with bot.core.repo.transaction() as session:
                mine = await session.list_answers(resident=bot.core.resident(person.id))
            assert [a.text for a in mine] == [expected[person.id]]
        for person in privately:
            texts = bot.bot_texts(em.private_chat(person))
            assert sum(RECEIVED in t for t in texts) == 1, texts
            assert sum("你正在私下回答征询 #1" in t for t in texts) == 1, texts
        failed = Counter(c.error_code for c in em.calls if not c.ok)
        assert failed[429] == 4, failed


async def test_bot_removed_from_a_group_marks_its_community_inactive(minyi_bot: RunningBot) -> None:
    """Removal makes the community inactive (rounds for `all` skip it); adding back revives it."""
    bot = minyi_bot
    em = bot.emulator
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("会展城业主群", "会展城社区")
    em.remove_bot_from_group(bihai, bot.organiser)
    await bot.settle()

    async def active() -> dict[str, bool]:
        async with bot.core.repo.transaction() as session:
            return {c.name: c.active for c in await session.list_communities()}

    assert await active() == {"碧海社区": False, "会展城社区": True}
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 1h 大家最关心什么？")
    async with bot.core.repo.transaction() as session:
        (round_,) = await session.list_rounds()
        names = [c.name for c in await session.list_round_communities(round_.id)]
    assert names == ["会展城社区"]
    assert any("社区征询 #1" in t for t in bot.bot_texts(huizhan))

    em.add_bot_to_group(bihai, bot.organiser)
    await bot.settle()
    assert await active() == {"碧海社区": True, "会展城社区": True}


async def test_a_403_from_a_group_whose_removal_was_missed_marks_it_inactive(
    minyi_bot: RunningBot,
) -> None:
    """When a post gets 403 (the removal update never came), the community goes inactive."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 大家最关心什么？")
    # Removed while the bot was down for longer than Telegram keeps updates: no update.
    state = em.chats[group.id]
    state.bot_status, state.bot_was_removed = "left", True
    await bot.command(em.private_chat(bot.organiser), "/close 1")
    async with bot.core.repo.transaction() as session:
        (community,) = await session.list_communities()
        (round_,) = await session.list_rounds()
    assert community.active is False
    assert round_.state == "closed"
    assert any(c.error_code == 403 for c in em.calls_to("sendMessage"))
    assert any("第 1 轮征询已结束" in t for t in bot.bot_texts(em.private_chat(bot.organiser)))


async def test_group_upgraded_to_a_supergroup_keeps_its_community_and_rounds(
    minyi_bot: RunningBot,
) -> None:
    """After migration, answers in the supergroup count for the same round and community."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    before, after, late = em.add_user("升级前"), em.add_user("升级后"), em.add_user("太啰嗦")
    em.send_message(before, group, "希望公开物业账目。", reply_to=post["message_id"])
    # Queued before the upgrade, answered after it: the reply must follow to the supergroup.
    em.send_message(late, group, "长" * 2001, reply_to=post["message_id"])
    supergroup = em.migrate_to_supergroup(group)
    em.send_message(after, supergroup, "停车位太少。", reply_to=post["message_id"])
    await bot.settle()

    async with bot.core.repo.transaction() as session:
        (community,) = await session.list_communities()
        answers = await session.list_answers()
    assert (community.id, community.name, community.chat_id) == (1, "碧海社区", supergroup.id)
    assert sorted(a.text for a in answers) == ["停车位太少。", "希望公开物业账目。"]
    assert {(a.round_id, a.community_id) for a in answers} == {(1, 1)}
    assert any("回答太长了" in t for t in bot.bot_texts(supergroup))

    await bot.command(supergroup, "/report")
    report = await bot.wait_text(supergroup, lambda t: "征询报告" in t)
    assert "回答：2" in report
    await bot.command(supergroup, "/close 1")
    await bot.wait_text(supergroup, lambda t: "征询 #1 已结束" in t)


async def test_a_missed_upgrade_is_followed_when_telegram_names_the_new_chat(
    minyi_bot: RunningBot,
) -> None:
    """The upgrade's service messages never came (the bot was down longer than Telegram keeps
    updates): the closing summary, refused at the old id with the new one named, goes to the
    supergroup, and the community follows it there with its round and answers."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    em.send_message(em.add_user("居民"), group, "希望公开物业账目。", reply_to=post["message_id"])
    await bot.settle()
    supergroup = em.migrate_to_supergroup(group)
    em.queue.clear()  # both service messages lost with the downtime
    await bot.command(em.private_chat(bot.organiser), "/close 1")
    await bot.wait_text(supergroup, lambda t: "征询 #1 已结束" in t)
    async with bot.core.repo.transaction() as session:
        (community,) = await session.list_communities()
        (answer,) = await session.list_answers()
    assert (community.chat_id, community.active) == (supergroup.id, True)
    assert (answer.round_id, answer.community_id) == (1, community.id)
