"""Replies throttled by Telegram's group flood limit never hold the database.

Twenty-five stickers answering a text round each earn a "text only" hint, but Telegram lets a
bot post only 20 messages a minute in one group, so the last hints wait. Meanwhile the
scheduler must still be able to close another community's round on time, and the hints beyond
the per-chat refusal cap are dropped.
"""

from __future__ import annotations

from tests.harness import RunningBot

HINT = "只收文字回答"


async def test_a_round_closes_while_flood_limited_hints_are_still_queued(
    minyi_bot: RunningBot,
) -> None:
    """Round B's closing summary arrives before group A's 25th hint has been sent."""
    bot = minyi_bot
    em = bot.emulator
    group_a = await bot.register("会展城业主群", "会展城社区")
    group_b = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group_a, "/ask 1h 你希望社区怎样改进？")
    post_a = next(m for m in em.messages_to(group_a.id) if "社区征询 #" in m.get("text", ""))
    await bot.command(group_b, "/ask 4s 今晚的活动怎么样？")
    residents = [em.add_user(f"居民{i}") for i in range(25)]
    for person in residents:
        em.send_sticker(person, group_a, reply_to=post_a["message_id"])

    def hints() -> int:
        return sum(HINT in t for t in bot.bot_texts(group_a))

    summary = await bot.wait_text(group_b, lambda t: "已结束" in t, timeout=60)
    assert "今晚的活动怎么样" in summary
    assert hints() < len(residents), "the close waited for every throttled hint"
    await bot.settle(60)
    # Refusals are capped per chat and minute (bot/telegram/replies.py): most hints are dropped.
    assert 1 <= hints() < len(residents)
