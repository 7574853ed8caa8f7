"""`/ask all` says which communities it left out, and why (audit of the Telegram side).

`all` means every community the bot can still post in (SPEC §3): a community whose group
removed the bot is left out. The confirmation used to name only the communities the round went
to ("发往：碧海社区"), so the organiser could not tell that 汇展城社区 was skipped, or why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.reports import build_round_report
from sandbox.models import SimChat
from tests.harness import RunningBot


async def two_communities_one_without_the_bot(bot: RunningBot) -> tuple[SimChat, SimChat]:
    """碧海社区 with the bot in its group, 汇展城社区 whose group removed it."""
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("汇展城业主群", "汇展城社区")
    bot.emulator.remove_bot_from_group(huizhan, bot.organiser)
    await bot.settle()
    return bihai, huizhan


async def test_ask_all_names_the_community_it_could_not_post_to(minyi_bot: RunningBot) -> None:
    """The round goes to 碧海社区 only; the confirmation says so and that 汇展城社区 was left
    out because the bot is no longer in its group."""
    bot = minyi_bot
    bihai, huizhan = await two_communities_one_without_the_bot(bot)
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/ask all 1h 你希望社区怎样改进？")
    (confirmation,) = bot.bot_texts(private)
    assert "发往：碧海社区。" in confirmation
    skipped = confirmation.split("发往：碧海社区。", 1)[1]
    assert "汇展城社区" in skipped and "机器人已不在" in skipped
    assert any("你希望社区怎样改进" in t for t in bot.bot_texts(bihai))
    assert not any("你希望社区怎样改进" in t for t in bot.bot_texts(huizhan))


async def test_an_english_organiser_is_told_in_english(minyi_bot: RunningBot) -> None:
    """The same note in the organiser's language, for a scheduled round too."""
    bot = minyi_bot
    await two_communities_one_without_the_bot(bot)
    organiser = replace(bot.organiser, language_code="en")
    private = bot.emulator.private_chat(organiser)
    await bot.command(private, "/poll all 1h Which evening? | Friday | Saturday", user=organiser)
    when = (bot.core.now() + timedelta(days=30)).astimezone(bot.settings.schedule.tz)
    schedule = f"/schedule all {when:%Y-%m-%d %H:%M} 1h Anything else?"
    await bot.command(private, schedule, user=organiser)
    texts = bot.bot_texts(private)
    assert len(texts) == 2
    for text in texts:
        assert "in: 碧海社区." in text
        assert "汇展城社区" in text and "no longer in" in text


async def test_a_round_that_reaches_nobody_is_refused_with_the_reason(
    minyi_bot: RunningBot,
) -> None:
    """With the bot removed from every group, `/ask all` opens no round and says why."""
    bot = minyi_bot
    bihai, _ = await two_communities_one_without_the_bot(bot)
    bot.emulator.remove_bot_from_group(bihai, bot.organiser)
    await bot.settle()
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/ask all 1h 你希望社区怎样改进？")
    (reply,) = bot.bot_texts(private)
    assert "碧海社区" in reply and "汇展城社区" in reply and "机器人已不在" in reply
    async with bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []


async def test_nothing_is_said_when_every_community_is_reached(minyi_bot: RunningBot) -> None:
    """With the bot in every group the confirmation is as before."""
    bot = minyi_bot
    await bot.register("碧海社区居民群", "碧海社区")
    await bot.register("汇展城业主群", "汇展城社区")
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/ask all 1h 你希望社区怎样改进？")
    (confirmation,) = bot.bot_texts(private)
    assert confirmation.endswith(("发往：碧海社区、汇展城社区。", "发往：汇展城社区、碧海社区。"))


async def test_a_community_named_after_it_removed_the_bot_is_warned_about(
    minyi_bot: RunningBot,
) -> None:
    """`/ask 汇展城社区 …` names a community whose group removed the bot: the round is stored
    (its web page still works), and the confirmation says it cannot be posted in the group."""
    bot = minyi_bot
    _, huizhan = await two_communities_one_without_the_bot(bot)
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/ask 汇展城社区 1h 你希望社区怎样改进？")
    (confirmation,) = bot.bot_texts(private)
    assert "发往：汇展城社区。" in confirmation
    assert "机器人已不在汇展城社区的群里" in confirmation and "/qr" in confirmation
    assert not any("你希望社区怎样改进" in t for t in bot.bot_texts(huizhan))


async def test_a_round_no_group_saw_says_so_in_its_report(minyi_bot: RunningBot) -> None:
    """A round whose opening post reached no group reports its zeros with a warning that
    residents were never asked there, and `posted: false` in its JSON; a round that was
    posted says nothing of the kind."""
    bot = minyi_bot
    bihai, _ = await two_communities_one_without_the_bot(bot)
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/ask 汇展城社区 1h 你希望社区怎样改进？")
    await bot.command(bihai, "/ask 1h 碧海的停车怎么办？")
    await bot.command(private, "/close 1")
    await bot.command(private, "/close 2")
    await bot.settle()
    reports = [t for t in bot.bot_texts(private) if "征询报告" in t]
    unseen = [t for t in reports if "#1" in t]
    seen = [t for t in reports if "#2" in t]
    assert unseen and "没有发到任何群里" in unseen[0], reports
    assert seen and not any("没有发到任何群里" in t for t in seen), reports
    first = await build_round_report(bot.core, 1)
    second = await build_round_report(bot.core, 2)
    assert first is not None and first.json_dict()["posted"] is False
    assert second is not None and second.json_dict()["posted"] is True
