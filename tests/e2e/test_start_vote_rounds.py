"""`/start r<id>` for an open poll or rating round (SPEC §2: private answers are text answers):
the resident is told where to vote, not that the link is broken or the round over."""

from __future__ import annotations

from tests.harness import RunningBot


async def test_a_start_link_to_an_open_vote_says_to_vote_in_the_group(
    minyi_bot: RunningBot,
) -> None:
    """A member who opens `start=r<id>` of an open poll or rating round is told, in their
    language, to vote on its message in the group; nothing is stored, and their next private
    message answers no round."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 你给社区服务打几分？")
    await bot.command(group, "/poll 1h 周末活动选哪个？ | 义诊 | 电影")
    for code, words in (("zh-hans", "群里"), ("en", "group")):
        resident = em.add_user("居民", language_code=code)
        em.add_member(group, resident)
        chat = em.private_chat(resident)
        for round_id in (1, 2):
            await bot.command(chat, f"/start r{round_id}", user=resident)
            told = bot.bot_texts(chat)[-1]
            assert words in told and str(round_id) in told, told
            assert "无效" not in told and "not valid" not in told, told
        await bot.command(chat, "我想说几句。", user=resident)
    async with bot.core.repo.transaction() as session:
        assert await session.list_answers(include_hidden=True) == []
