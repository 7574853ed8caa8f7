"""/rounds for an organiser of several communities: every scheduled and open round listed (they
were cut at 30 without a word), each with its communities in private chat, in messages within
Telegram's 4096 UTF-16 units, and one community's rounds with `/rounds <name>`."""

from __future__ import annotations

from datetime import timedelta

from nlp.normalise import utf16_length
from tests.harness import RunningBot

# A long question with a character outside the BMP (two UTF-16 units).
QUESTION = "𠮷" + "你觉得小区的停车、物业和垃圾分类哪一件最需要改进？请说说理由。" * 5


async def _seed_rounds(bot: RunningBot, count: int) -> None:
    """`count` open rounds, alternating between every community and the first by name."""
    now = bot.core.now()
    async with bot.core.repo.transaction() as session:
        ids = [c.id for c in await session.list_communities()]
        for i in range(count):
            await session.add_round(
                kind="text",
                state="open",
                question=f"{i}号：{QUESTION}",
                community_ids=ids[:1] if i % 2 else ids,
                opens_at=now - timedelta(minutes=count - i),
                closes_at=now + timedelta(days=1),
                reminder_at=None,
                created_by="x",
                at=now,
            )


async def test_sixty_rounds_are_all_listed_with_their_communities_in_whole_lines(
    minyi_bot: RunningBot,
) -> None:
    """60 open rounds: all 60 listed privately, in Chinese and English, in messages of at most
    4096 UTF-16 units split between lines, each line naming its communities; /rounds 碧海社区
    lists only the 30 that went to it too, named as typed in Simplified or Traditional."""
    bot = minyi_bot
    await bot.register("碧海社区居民群", "碧海社区")
    await bot.register("會展城群", "會展城社區")
    await _seed_rounds(bot, 60)
    english = bot.emulator.add_user("Organiser EN", language_code="en-US")
    bot.settings.roles.organisers.append(english.id)

    for user, to in ((bot.organiser, "发往："), (english, "to: ")):
        private = bot.emulator.private_chat(user)
        await bot.command(private, "/rounds", user=user)
        messages = bot.bot_texts(private)
        assert len(messages) > 1
        assert all(utf16_length(m) <= 4096 for m in messages)
        lines = [line for m in messages for line in m.split("\n")][1:]
        assert len(lines) == 60, lines[-3:]
        assert all(line.startswith("#") and to in line for line in lines), lines
        assert sum(line.endswith("會展城社區") for line in lines) == 30

    private = bot.emulator.private_chat(bot.organiser)
    before = len(bot.bot_texts(private))
    await bot.command(private, "/rounds 碧海社區")
    listed = [line for m in bot.bot_texts(private)[before:] for line in m.split("\n")][1:]
    assert len(listed) == 30 and all(line.endswith("會展城社區、碧海社区") for line in listed)


async def test_beyond_a_hundred_rounds_the_listing_says_how_many_it_left_out(
    minyi_bot: RunningBot,
) -> None:
    """130 open rounds: the newest 100 are listed, then a line says 30 older ones are not."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await _seed_rounds(bot, 130)

    await bot.command(group, "/rounds")

    replies = bot.bot_texts(group)[1:]  # after the registration's reply
    lines = [line for m in replies for line in m.split("\n")][1:]
    assert len(lines) == 101
    assert lines[0].startswith("#130 ") and lines[99].startswith("#31 ")
    assert lines[100] == "……另有 30 轮较早的征询没有列出。"
    assert "发往" not in replies[0]  # in a group, every round is this community's
