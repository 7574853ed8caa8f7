"""A district organiser running forty communities, as they meet Minyi from outside (SPEC §3, §5,
§9): every round command addressed to `all` reaches each of the forty groups exactly once,
within Telegram's flood limits, through 429s, without holding up anyone else's commands, and
every message the bot sends stays inside Telegram's size limits."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sandbox.models import SimChat
from tests.e2e.test_rounds import shifted_clock
from tests.harness import RunningBot

COUNT = 40


def name_of(i: int) -> str:
    """The i-th community's registered name (distinct, realistic lengths)."""
    return f"观山湖区第{i + 1:02d}社区"


async def register_district(bot: RunningBot, count: int = COUNT) -> list[SimChat]:
    """`count` groups, each registered with `/community` by the organiser in one burst."""
    em = bot.emulator
    groups = []
    for i in range(count):
        chat = em.add_group(f"{name_of(i)}居民群")
        em.add_bot_to_group(chat, bot.organiser)
        groups.append(chat)
    for i, chat in enumerate(groups):
        em.send_message(bot.organiser, chat, f"/community {name_of(i)}")
        bot.groups[name_of(i)] = chat
    await bot.settle(60)
    return groups


def count_in(bot: RunningBot, chat: SimChat, fragment: str) -> int:
    """How many of the bot's messages in `chat` contain `fragment`."""
    return sum(fragment in t for t in bot.bot_texts(chat))


def polls_in(bot: RunningBot, chat: SimChat) -> list[dict[str, object]]:
    """The polls the bot sent to `chat`."""
    return [p for p in bot.emulator.polls().values() if p["chat_id"] == chat.id]


def refused(bot: RunningBot) -> list[str]:
    """Every call Telegram refused for something other than flood control (4xx but 429)."""
    return [
        f"{c.method} {c.error_code}"
        for c in bot.emulator.calls
        if c.error_code is not None and c.error_code != 429 and c.method != "getUpdates"
    ]


async def test_forty_groups_register_each_confirmed_once(minyi_bot: RunningBot) -> None:
    """Forty /community commands sent in one burst: each group is confirmed once, all forty are
    stored, and Telegram's flood limits are never crossed."""
    bot = minyi_bot
    flood = bot.emulator.enable_flood_control()
    groups = await register_district(bot)
    for chat in groups:
        assert len(bot.bot_texts(chat)) == 1, bot.bot_texts(chat)
    async with bot.core.repo.transaction() as session:
        names = {c.name for c in await session.list_communities()}
    assert names == {name_of(i) for i in range(COUNT)}
    assert flood.violations == 0


async def test_every_kind_of_round_reaches_all_forty_groups_once(minyi_bot: RunningBot) -> None:
    """/ask, /poll, /rate and /priorities to `all` from private chat: each group gets each
    round exactly once, the organiser a confirmation per round, and no send is refused."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    flood = em.enable_flood_control()
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.command(private, "/poll all 48h 周末活动选哪天？ | 周六 | 周日")
    await bot.command(private, "/rate all 48h 你对社区卫生满意吗？")
    await bot.command(private, "/priorities all 48h")
    await bot.settle(120)
    for chat in groups:
        assert count_in(bot, chat, "你希望社区怎样改进") == 1, bot.bot_texts(chat)
        assert count_in(bot, chat, "你对社区卫生满意吗") == 1, bot.bot_texts(chat)
        assert len(polls_in(bot, chat)) == 2
    confirmations = bot.bot_texts(private)
    assert len(confirmations) == 4, confirmations
    assert flood.violations == 0
    assert refused(bot) == []


async def test_a_429_midway_through_a_broadcast_drops_and_duplicates_nothing(
    minyi_bot: RunningBot,
) -> None:
    """Telegram answers 429 for groups 10, 20 and 30 mid-way through `/ask all` and `/poll
    all`: every group still gets each round exactly once."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    for i in (10, 20, 30):
        em.inject_fault("429", method="sendMessage", retry_after=1, chat_id=groups[i].id)
        em.inject_fault("429", method="sendPoll", retry_after=1, chat_id=groups[i].id)
    em.inject_fault("429", method="sendMessage", retry_after=1, count=3)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.command(private, "/poll all 48h 周末活动选哪天？ | 周六 | 周日")
    await em.wait_for(lambda: all(polls_in(bot, g) for g in groups), 60)
    await em.wait_for(lambda: all(count_in(bot, g, "你希望社区怎样改进") for g in groups), 60)
    await bot.settle(60)
    for chat in groups:
        assert count_in(bot, chat, "你希望社区怎样改进") == 1, bot.bot_texts(chat)
        assert len(polls_in(bot, chat)) == 1
    assert Counter(c.error_code for c in em.calls)[429] >= 6


async def test_a_round_scheduled_for_all_opens_in_every_group_once(minyi_bot: RunningBot) -> None:
    """`/schedule all` a minute ahead; when the (injected) clock passes it, all forty groups
    get the question exactly once."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    flood = em.enable_flood_control()
    private = em.private_chat(bot.organiser)
    when = (bot.core.now() + timedelta(minutes=1)).astimezone(bot.settings.schedule.tz)
    await bot.command(private, f"/schedule all {when:%Y-%m-%d %H:%M} 1h 下个月社区活动有什么建议？")
    assert not any(count_in(bot, g, "下个月社区活动") for g in groups)
    bot.core.clock = shifted_clock(bot.core.now() + timedelta(minutes=2))
    await em.wait_for(lambda: all(count_in(bot, g, "下个月社区活动") for g in groups), 60)
    await bot.settle(60)
    for chat in groups:
        assert count_in(bot, chat, "下个月社区活动") == 1, bot.bot_texts(chat)
    assert flood.violations == 0


async def test_rounds_lists_forty_communities_within_one_message_limit(
    minyi_bot: RunningBot,
) -> None:
    """With ten rounds to all forty communities and one round in each community, /rounds in
    private is answered (nothing refused for length) and names every round id."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    for n in range(10):
        await bot.command(private, f"/ask all 48h 第{n}个问题：你希望社区怎样改进？")
    for i in range(COUNT):
        await bot.command(private, f"/ask {name_of(i)} 48h 本社区的停车问题怎么解决？")
    await bot.settle(120)
    mark = len(bot.bot_texts(private))
    await bot.command(private, "/rounds")
    listing = "\n".join(bot.bot_texts(private)[mark:])
    assert listing, "no answer to /rounds"
    assert refused(bot) == []
    for round_id in range(1, 10 + COUNT + 1):
        assert f"#{round_id}" in listing, (round_id, listing[:500])
    for chat in groups[:1]:
        mark = len(bot.bot_texts(chat))
        await bot.command(chat, "/rounds")
        assert bot.bot_texts(chat)[mark:], "no answer to /rounds in a group"
