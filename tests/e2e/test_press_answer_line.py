"""A rating press is answered on its presser's line, not behind the group's replies.

Button presses are answered once their update has committed, queued like replies
(handlers/common.py `answer_press`). The answer to a press on a group's rating post used to
join the group's reply line, so it waited behind everything the bot owed the group, which
Telegram lets through at 20 messages a minute (the bot's rate limiter holds the rest): after a
burst of replies in a group, a resident's rating stayed spinning for the minutes the group's
queue took. With more than the line's limit waiting (100, a busy rating round's presses
included), answers to recorded votes were dropped outright.
"""

from __future__ import annotations

from tests.harness import RunningBot

RECORDED = "已记录你的评分"
HELPS = 25


async def test_a_rating_press_is_answered_while_the_group_line_is_throttled(
    minyi_bot: RunningBot,
) -> None:
    """Twenty-five /help replies fill the group's line past its flood limit; a rating press
    made after them is answered before the last of them is sent."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = next(m for m in em.messages_to(group.id) if "社区评分 #1" in m.get("text", ""))
    resident = em.add_user("碧海居民")
    em.add_member(group, resident)
    before = len(em.messages_to(group.id))

    for _ in range(HELPS):
        em.send_message(resident, group, "/help")
    query = em.press_button(resident, group, rating["message_id"], "rate:1:4")

    def replies_sent() -> int:
        return len(em.messages_to(group.id)) - before

    await em.wait_for(lambda: em.callback_answer(query) is not None, timeout=120)
    sent = replies_sent()
    answer = em.callback_answer(query)
    assert answer is not None and RECORDED in str(answer["text"])
    assert sent < HELPS, f"the press was answered only after all {sent} group replies"
    async with bot.core.repo.transaction() as session:
        assert list(await session.list_resident_votes(bot.core.resident(resident.id))) == [(1, 4)]
