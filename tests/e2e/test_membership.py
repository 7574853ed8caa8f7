"""Only a member of a community's group may answer its round privately (issue 14 defect 2).

Round ids are sequential, so `/start r1` is easy to guess: a stranger in no group once stored
answers for 汇展城社区. The bot now asks Telegram (getChatMember) whether the person is in the
community's group before a private session counts, and a refused link also ends any earlier
session, so the next message cannot slip into another round.
"""

from __future__ import annotations

from tests.harness import RunningBot

BAD_LINK = "这个链接无效"
MEMBERS_ONLY = "只有该社区群的成员"


async def stored(bot: RunningBot) -> list[tuple[int, str]]:
    """(round id, text) of every stored answer, oldest first."""
    async with bot.core.repo.transaction() as session:
        return [(a.round_id, a.text) for a in await session.list_answers(include_hidden=True)]


async def community_id(bot: RunningBot, name: str) -> int:
    """The id of community `name`."""
    async with bot.core.repo.transaction() as session:
        community = await session.get_community_by_name(name)
    assert community is not None
    return community.id


async def test_a_stranger_cannot_answer_through_a_guessed_link(minyi_bot: RunningBot) -> None:
    """Someone in no group who opens `/start r1` is refused and their message is not stored;
    once they join the group the same link works."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("汇展城业主群", "汇展城社区")
    await bot.command(group, "/ask 1h 小区停车难怎么解决？")
    stranger = em.add_user("路人甲")
    chat = em.private_chat(stranger)
    await bot.command(chat, "/start r1", user=stranger)
    await bot.command(chat, "多划几个车位就好了。", user=stranger)
    assert await stored(bot) == []
    refusal = bot.bot_texts(chat)[0]
    assert MEMBERS_ONLY in refusal and BAD_LINK not in refusal
    assert "汇展城" not in refusal  # nothing about a group the stranger cannot see
    em.add_member(group, stranger)
    await bot.settle()
    await bot.command(chat, "/start r1", user=stranger)
    await bot.command(chat, "晚上可以借用学校的操场停车。", user=stranger)
    assert await stored(bot) == [(1, "晚上可以借用学校的操场停车。")]


async def test_a_link_to_another_community_is_refused_and_ends_the_earlier_session(
    minyi_bot: RunningBot,
) -> None:
    """A member of group A who opens a link for community B (whose group they are not in) is
    refused, and their next message answers neither round, not even A's earlier session."""
    bot = minyi_bot
    em = bot.emulator
    group_a = await bot.register("汇展城业主群", "汇展城社区")
    group_b = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group_a, "/ask 1h 小区停车难怎么解决？")
    await bot.command(group_b, "/ask 1h 碧海的垃圾分类怎么样？")
    resident = em.add_user("汇展城居民")
    em.add_member(group_a, resident)
    chat = em.private_chat(resident)
    a_id, b_id = await community_id(bot, "汇展城社区"), await community_id(bot, "碧海社区")
    await bot.command(chat, f"/start r1c{a_id}", user=resident)
    await bot.command(chat, f"/start r2c{b_id}", user=resident)
    await bot.command(chat, "垃圾站太臭了。", user=resident)
    # Round 1 put to community B: a link naming a community the round is not for.
    await bot.command(chat, f"/start r1c{b_id}", user=resident)
    await bot.command(chat, "这条也不该算。", user=resident)
    assert await stored(bot) == []
    texts = bot.bot_texts(chat)
    assert sum(MEMBERS_ONLY in t for t in texts) == 1  # round 2 is B's: members only
    assert sum(BAD_LINK in t for t in texts) == 1  # round 1 was never put to B
    await bot.command(chat, f"/start r1c{a_id}", user=resident)
    await bot.command(chat, "建立体车库。", user=resident)
    assert await stored(bot) == [(1, "建立体车库。")]


async def test_leaving_the_group_is_noticed_after_the_cache_expires(minyi_bot: RunningBot) -> None:
    """The membership answer is cached only briefly: a member who left is refused once the
    bot asks Telegram again."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("汇展城业主群", "汇展城社区")
    await bot.command(group, "/ask 1h 小区停车难怎么解决？")
    resident = em.add_user("要搬走的居民")
    em.add_member(group, resident)
    chat = em.private_chat(resident)
    await bot.command(chat, "/start r1", user=resident)
    em.remove_member(group, resident)
    bot.app.bot_data.member_cache.seconds = 0.0  # the brief cache has run out
    await bot.command(chat, "/start r1", user=resident)
    await bot.command(chat, "搬走前说一句。", user=resident)
    assert await stored(bot) == []
    assert MEMBERS_ONLY in bot.bot_texts(chat)[-2]


async def test_leaving_the_group_ends_a_private_answer_already_begun(
    minyi_bot: RunningBot,
) -> None:
    """A member who opened the link and then left the group (or was removed from it) no
    longer answers for that community: their next private message is not stored, as if they
    had opened the link after leaving."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("汇展城业主群", "汇展城社区")
    await bot.command(group, "/ask 1h 小区停车难怎么解决？")
    resident = em.add_user("要搬走的居民")
    em.add_member(group, resident)
    chat = em.private_chat(resident)
    await bot.command(chat, "/start r1", user=resident)
    await bot.command(chat, "还在群里时说一句。", user=resident)
    em.remove_member(group, resident)
    await bot.settle()
    await bot.command(chat, "搬走后又说一句。", user=resident)
    # The cached "is a member" from the first link is dropped too.
    await bot.command(chat, "/start r1", user=resident)
    await bot.command(chat, "再开一次链接后说一句。", user=resident)
    assert await stored(bot) == [(1, "还在群里时说一句。")]
    assert MEMBERS_ONLY in bot.bot_texts(chat)[-2]


async def test_an_outsider_is_told_in_english_that_only_members_count(
    minyi_bot: RunningBot,
) -> None:
    """An outsider whose Telegram speaks English is told, in English, that answers through
    the link count only from members of the community's group; a link to a round that does
    not exist still says the link is not valid."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("汇展城业主群", "汇展城社区")
    await bot.command(group, "/ask 1h 小区停车难怎么解决？")
    outsider = em.add_user("Visitor", language_code="en")
    chat = em.private_chat(outsider)
    await bot.command(chat, "/start r1", user=outsider)
    await bot.command(chat, "/start r9", user=outsider)
    members_only, invalid = bot.bot_texts(chat)
    assert "only from members of that community's group" in members_only
    assert "not valid" in invalid


async def test_removing_the_bot_from_the_group_ends_a_private_answer_already_begun(
    minyi_bot_each: RunningBot,
) -> None:
    """Once the bot is removed from a community's group it cannot check who is a member: a
    private answer begun for that community takes no more answers, the resident is told why,
    and it does not come back when the bot is added to the group again (on either backend)."""
    bot = minyi_bot_each
    em = bot.emulator
    group = await bot.register("汇展城业主群", "汇展城社区")
    await bot.command(group, "/ask 1h 小区停车难怎么解决？")
    resident = em.add_user("私聊居民")
    em.add_member(group, resident)
    chat = em.private_chat(resident)
    await bot.command(chat, "/start r1", user=resident)
    await bot.command(chat, "还能回答时说一句。", user=resident)
    em.remove_bot_from_group(group, bot.organiser)
    await bot.settle()
    await bot.command(chat, "机器人走了以后说一句。", user=resident)
    assert "本机器人已不在这个社区的群里" in bot.bot_texts(chat)[-1]
    em.add_bot_to_group(group, bot.organiser)
    await bot.settle()
    await bot.command(chat, "机器人回来以后说一句。", user=resident)
    assert await stored(bot) == [(1, "还能回答时说一句。")]
    assert "请点群里征询消息中的链接" in bot.bot_texts(chat)[-1]
