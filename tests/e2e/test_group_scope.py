"""A command sent in a group addresses that group's community and nothing else (SPEC §3), even
from a configured organiser, who may reach every community from private chat: it never closes,
cancels or hides another community's round or answer, never shows a group that is no community
any community's report, and a community named in the group's command opens nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.e2e.dbfiles import snapshot
from tests.e2e.test_roles_scope import UNCAPPED, answer, sent_since, started, texts
from tests.harness import RunningBot

B_SECRET = "B社区的意见：垃圾分类的桶太少了"


async def _b_round_answer_and_schedule(bot: RunningBot) -> None:
    """Community B gets an open round 1 with answer 1 and a scheduled round 2."""
    b = bot.groups["B社区"]
    await bot.command(b, "/ask 2h B的问题？")
    await answer(bot, b, 1, B_SECRET)
    day = (datetime.now() + timedelta(days=20)).strftime("%Y-%m-%d")
    await bot.command(b, f"/schedule {day} 10:00 1h 以后再议")


async def test_an_organiser_in_one_group_cannot_change_another_communitys_round_or_answer(
    minyi_bot: RunningBot,
) -> None:
    """In community A's group, a configured organiser's /close and /cancel of B's rounds and
    /hide of B's answer are refused and change nothing: they closed B's round, posting its
    summary in B's group, and hid B's answer from B's reports."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    a = await bot.register("A群", "A社区")
    b = await bot.register("B群", "B社区")
    await _b_round_answer_and_schedule(bot)
    before, in_a, in_b = snapshot(bot.settings), len(sent_since(bot, a, 0)), len(bot.bot_texts(b))

    for text in ("/close 1", "/cancel 2", "/hide 1"):
        await bot.command(a, text)

    replies = texts(sent_since(bot, a, in_a))
    assert len(replies) == 3, replies
    assert all("不是本群社区“A社区”" in t for t in replies), replies
    assert snapshot(bot.settings) == before
    assert len(bot.bot_texts(b)) == in_b


async def test_a_group_that_is_no_community_reaches_no_community(minyi_bot: RunningBot) -> None:
    """In a group the bot was added to but that was never registered, an organiser's /report,
    /export, /qr, /hide, /close and /cancel say the group is no community: /report posted B's
    report, residents' words included, in that stranger group, and /hide and /close acted on
    B's answer and round."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    await bot.register("B群", "B社区")
    await _b_round_answer_and_schedule(bot)
    private = await started(bot, bot.organiser)
    stray = bot.emulator.add_group("没登记的群")
    bot.emulator.add_bot_to_group(stray, bot.organiser)
    await bot.settle()
    before, in_private = snapshot(bot.settings), len(sent_since(bot, private, 0))
    commands = ["/report", "/report 1", "/export", "/export 1", "/qr", "/hide 1"]
    commands += ["/close 1", "/cancel 2", "/rounds"]

    for text in commands:
        await bot.command(stray, text)

    replies = texts(sent_since(bot, stray, 0))
    assert len(replies) == len(commands), replies
    assert all("这个群还没有登记为社区" in t for t in replies), replies
    assert sent_since(bot, private, in_private) == []
    assert snapshot(bot.settings) == before


async def test_naming_a_community_in_a_group_opens_nothing(minyi_bot: RunningBot) -> None:
    """`/ask all 1h …` or `/ask B社区 1h …` sent in A's group (the private form) opened a
    round in A alone, for the default 72 hours, its question starting "all 1h"; now it is
    refused with how to reach other communities, in Chinese and English. A question that only
    begins with `all` (no duration after it) is a question."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    a = await bot.register("A群", "A社区")
    await bot.register("B群", "B社区")
    english = bot.emulator.add_user("Organiser EN", language_code="en-US")
    bot.settings.roles.organisers.append(english.id)
    bot.emulator.add_member(a, english)
    before = snapshot(bot.settings)
    in_a = len(sent_since(bot, a, 0))

    await bot.command(a, "/ask all 1h 群里用all？")
    await bot.command(a, "/poll b社区 1h 选哪个？ | 甲 | 乙")
    await bot.command(a, "/rate A社区 1h 打几分？")
    await bot.command(a, "/ask ALL 2d Which one?", user=english)
    day = (datetime.now() + timedelta(days=20)).strftime("%Y-%m-%d")
    await bot.command(a, f"/schedule B社区 {day} 10:00 1h 以后再议")

    replies = texts(sent_since(bot, a, in_a))
    assert len(replies) == 5, replies
    assert all("私聊" in t for t in replies[:3] + replies[4:]), replies
    assert "privately" in replies[3], replies
    after = snapshot(bot.settings)
    after.pop("organiser_languages"), before.pop("organiser_languages")  # the English one's
    assert after == before

    await bot.command(a, "/ask all 居民都可以回答吗？")
    async with bot.core.repo.transaction() as session:
        (opened,) = await session.list_rounds()
    assert opened.question == "all 居民都可以回答吗？"
