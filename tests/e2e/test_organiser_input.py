"""Bad organiser input through the running bot: a usage reply, no dead letter, a safe file
name (issue 14 defect 9)."""

from __future__ import annotations

from tests.harness import RunningBot


async def test_huge_durations_get_a_usage_reply_and_no_dead_letter(minyi_bot: RunningBot) -> None:
    """`/ask 999999999999999999999999d q` and `/ask <5000 digits>s q` are answered with the
    reason and the usage line; no round is made and nothing is dead-lettered."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    for duration in ("999999999999999999999999d", "9" * 5000 + "s"):
        before = len(bot.bot_texts(group))
        await bot.command(group, f"/ask {duration} 你的建议？")
        replies = bot.bot_texts(group)[before:]
        assert len(replies) == 1, replies
        assert "时长最多 366 天" in replies[0] and "/ask" in replies[0]
    async with bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []
        assert await session.tx.fetchall("SELECT update_id FROM dead_letters") == []


async def test_a_community_named_like_a_path_or_formula_exports_under_a_safe_name(
    minyi_bot: RunningBot,
) -> None:
    """/export in the groups of communities `../../x` and `=1+1` (one answer each) sends files named
    minyi-answers-all-x.csv and minyi-answers-all-1_1.csv."""
    bot = minyi_bot
    em = bot.emulator
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/start")
    names = []
    for title, name in (("路径群", "../../x"), ("公式群", "=1+1")):
        group = await bot.register(title, name)
        await bot.command(group, "/ask 48h 大家对小区管理有什么意见？")
        post = next(m["message_id"] for m in em.messages_to(group.id) if "小区" in m["text"])
        em.send_message(em.add_user(f"居民{title}"), group, "停车位太少了", reply_to=post)
        await bot.command(group, "/export")
        documents = [m for m in em.messages_to(private.id) if "document" in m]
        names.append(documents[-1]["document"]["file_name"])
    assert names == ["minyi-answers-all-x.csv", "minyi-answers-all-1_1.csv"]


async def test_community_again_in_a_registered_group_renames_it(minyi_bot: RunningBot) -> None:
    """`/community <new name>` in a registered group renames its community (its open round goes
    on, private commands take the new name, the old one is unknown); a name another group
    uses is refused and changes nothing."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    other = await bot.register("会展城业主群", "会展城社区")
    await bot.command(group, "/ask 2h 改名前开的征询")
    await bot.command(group, "/community 碧海新社区")
    assert bot.bot_texts(group)[-1] == "✅ 社区已更名为“碧海新社区”。"
    await bot.command(other, "/community 碧海新社区")
    assert "已被另一个群使用" in bot.bot_texts(other)[-1]
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask 碧海社区 1h 旧名字")
    assert "找不到社区“碧海社区”" in bot.bot_texts(private)[-1]
    await bot.command(private, "/ask 碧海新社区 1h 新名字")
    assert "碧海新社区" in bot.bot_texts(private)[-1]
    async with bot.core.repo.transaction() as session:
        names = sorted(c.name for c in await session.list_communities())
        rounds = await session.list_rounds()
    assert names == ["会展城社区", "碧海新社区"]
    assert sorted((r.id, r.state) for r in rounds) == [(1, "open"), (2, "open")]
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    em.send_message(em.add_user("居民"), group, "改名后回答。", reply_to=post["message_id"])
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        assert [(a.round_id, a.text) for a in await session.list_answers()] == [(1, "改名后回答。")]
