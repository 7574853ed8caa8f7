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
    """/export in the groups of communities `../../x` and `=1+1` sends files named
    minyi-answers-all-x.csv and minyi-answers-all-1_1.csv."""
    bot = minyi_bot
    em = bot.emulator
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/start")
    names = []
    for title, name in (("路径群", "../../x"), ("公式群", "=1+1")):
        group = await bot.register(title, name)
        await bot.command(group, "/export")
        documents = [m for m in em.messages_to(private.id) if "document" in m]
        names.append(documents[-1]["document"]["file_name"])
    assert names == ["minyi-answers-all-x.csv", "minyi-answers-all-1_1.csv"]
