"""Telegram's flood limits kept per chat (SPEC §9): never more than 20 messages in any minute to
one group, and a flood wait Telegram asks of one chat pauses only that chat.

PTB's AIORateLimiter let a group have 20 messages at once and then one every 3 s (a leaky
bucket: up to 39 in a minute, which Telegram answers with a minute's flood wait), and on any
flood wait it paused every request to every chat until the wait was over.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.telegram import intake
from tests.e2e.test_rounds import shifted_clock
from tests.harness import RunningBot

NO_ROUNDS = "还没有征询"


async def test_a_flood_wait_in_one_group_pauses_no_other_chat(minyi_bot: RunningBot) -> None:
    """Group A's reply meets a 30 s flood wait; a resident's /help in private sent after that
    is answered before group A's reply goes out, and group A's reply is not lost."""
    bot = minyi_bot
    em = bot.emulator
    group_a = await bot.register("会展城业主群", "会展城社区")
    em.inject_fault("429", method="sendMessage", retry_after=30, chat_id=group_a.id)
    em.send_message(bot.organiser, group_a, "/rounds")

    def waited() -> bool:
        return any(c.error_code == 429 for c in em.calls_to("sendMessage"))

    await em.wait_for(waited, timeout=30)
    resident = em.add_user("碧海居民")
    private = em.private_chat(resident)
    em.send_message(resident, private, "/help")

    await bot.wait_text(private, lambda t: "/privacy" in t, timeout=60)
    assert not any(NO_ROUNDS in t for t in bot.bot_texts(group_a)), (
        "the private /help waited for group A's flood wait"
    )
    await bot.wait_text(group_a, lambda t: NO_ROUNDS in t, timeout=90)


async def test_a_group_gets_at_most_20_messages_a_minute(minyi_bot: RunningBot) -> None:
    """Twenty-four replies owed to one group go out without Telegram refusing any: the 21st
    waits until the first is a minute old."""
    bot = minyi_bot
    em = bot.emulator
    flood = em.enable_flood_control()
    group_a = await bot.register("会展城业主群", "会展城社区")
    for _ in range(24):
        em.send_message(bot.organiser, group_a, "/rounds")

    await em.wait_for(lambda: sum(NO_ROUNDS in t for t in bot.bot_texts(group_a)) == 24, 150)
    assert flood.violations == 0


async def test_a_round_posted_to_many_groups_waits_for_no_throttled_one(
    minyi_bot: RunningBot,
) -> None:
    """`/ask all` owes three groups the question; Telegram makes the bot wait 30 s before
    posting in group A. Groups B and C get it, and a resident's private /help sent meanwhile is
    answered, before group A's post goes out; group A's post is not lost."""
    bot = minyi_bot
    em = bot.emulator
    group_a = await bot.register("会展城业主群", "会展城社区")
    group_b = await bot.register("碧海社区居民群", "碧海社区")
    group_c = await bot.register("花果园居民群", "花果园社区")
    em.inject_fault("429", method="sendMessage", retry_after=30, chat_id=group_a.id)
    em.send_message(
        bot.organiser, em.private_chat(bot.organiser), "/ask all 1h 你希望社区怎样改进？"
    )

    def waited() -> bool:
        return any(c.error_code == 429 for c in em.calls_to("sendMessage"))

    await em.wait_for(waited, timeout=30)
    resident = em.add_user("碧海居民")
    private = em.private_chat(resident)
    em.send_message(resident, private, "/help")

    def posted(group: object) -> bool:
        return any("社区征询 #1" in t for t in bot.bot_texts(group))  # type: ignore[arg-type]

    await em.wait_for(lambda: posted(group_b) and posted(group_c), timeout=60)
    await bot.wait_text(private, lambda t: "/privacy" in t, timeout=60)
    assert not posted(group_a), "the other groups or the resident waited for group A"
    await em.wait_for(lambda: posted(group_a), timeout=90)


async def test_the_question_reaches_the_group_before_the_organisers_confirmation(
    minyi_bot: RunningBot,
) -> None:
    """Round posts go out in the background, yet in the group that asked, the question comes
    first and the organiser's "round opened" after it, as people read them."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    before = len(bot.bot_texts(group))
    await bot.command(group, "/ask 1h 小区停车有什么建议？")
    await bot.wait_text(group, lambda t: "小区停车有什么建议" in t and "#1" in t, timeout=30)
    texts = bot.bot_texts(group)[before:]
    question = next(i for i, t in enumerate(texts) if "回复这条消息" in t or "私信" in t)
    confirmation = next(i for i, t in enumerate(texts) if t.startswith("✅"))
    assert question < confirmation, texts


async def test_a_round_asked_while_another_groups_post_waits_goes_out_at_once(
    minyi_bot: RunningBot,
) -> None:
    """Group A's question meets a 30 s flood wait; a round asked in group B while the bot
    waits for group A is posted in group B before group A's question goes out (the pass that
    waits for group A must not hold up posts owed after it began)."""
    bot = minyi_bot
    em = bot.emulator
    group_a = await bot.register("会展城业主群", "会展城社区")
    group_b = await bot.register("碧海社区居民群", "碧海社区")
    em.inject_fault("429", method="sendMessage", retry_after=30, chat_id=group_a.id)
    em.send_message(bot.organiser, group_a, "/ask 1h 会展城停车有什么建议？")

    def waited() -> bool:
        return any(c.error_code == 429 for c in em.calls_to("sendMessage"))

    await em.wait_for(waited, timeout=30)
    em.send_message(bot.organiser, group_b, "/ask 1h 碧海社区绿化有什么建议？")

    def posted(group: object, question: str) -> bool:
        return any("社区征询" in t and question in t for t in bot.bot_texts(group))  # type: ignore[arg-type]

    await em.wait_for(lambda: posted(group_b, "绿化"), timeout=60)
    assert not posted(group_a, "停车"), "group B's round waited for group A's flood wait"
    await em.wait_for(lambda: posted(group_a, "停车"), timeout=90)


async def test_a_reply_that_owed_no_round_posts_waits_for_none(
    minyi_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler closes a round and sends its summary; a resident's /help sent afterwards
    owed no round posts and waits for none, even while another pass holds the outbox (another
    process's tick, or a long pass over hundreds of groups): the scheduler's transition left
    `posts_owed` set, so the next reply waited for the posts up to POSTS_FIRST_SECONDS."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 小区停车有什么建议？")
    async with bot.core.repo.transaction() as session:
        (round_,) = await session.list_rounds()
    bot.core.clock = shifted_clock(round_.closes_at + timedelta(seconds=1))
    await bot.wait_text(group, lambda t: "已结束" in t and "小区停车" in t, timeout=30)
    await bot.posts_sent()
    # A reply that waits for round posts would wait until the outbox is free again.
    monkeypatch.setattr(intake, "POSTS_FIRST_SECONDS", 600.0)
    resident = em.add_user("碧海居民")
    private = em.private_chat(resident)
    async with bot.core.post_lock:
        em.send_message(resident, private, "/help")
        await bot.wait_text(private, lambda t: "/privacy" in t, timeout=30)
