"""Forged button presses change nothing (issue 14 defect 4).

Callback data comes back as the client sent it, so a modified client can send `forget:no` on
a group's rating post (the bot once edited that post into "好的，什么都没有删除。", taking the
question and buttons from everyone) or a rating for another round. A press acts only on the
message and kind it was made for; anything else gets a short notice.
"""

from __future__ import annotations

from typing import Any

from sandbox.models import SimChat, SimUser
from tests.e2e.test_privacy import open_post
from tests.harness import RunningBot

NOT_HERE = "这个按钮不属于这条消息"


async def rating_with_a_vote(
    bot: RunningBot, voter: str, value: int
) -> tuple[SimChat, dict[str, Any], SimUser]:
    """碧海社区's group with rating round 1 open (`/rate 1h 物业服务打几分？`) and a new
    resident `voter` having pressed `value` on its post; returns (group, post, voter)."""
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = open_post(bot, group, "社区评分 #1")
    resident = bot.emulator.add_user(voter)
    bot.emulator.press_button(resident, group, rating["message_id"], f"rate:1:{value}")
    await bot.settle()
    return group, rating, resident


async def test_forget_presses_on_a_rating_post_change_nothing(minyi_bot: RunningBot) -> None:
    """`forget:no` and `forget:yes` forged on a group's rating post leave the post, its buttons
    and the presser's vote as they were, and are answered with a notice."""
    bot = minyi_bot
    em = bot.emulator
    group, rating, attacker = await rating_with_a_vote(bot, "捣乱的人", 2)
    queries = [
        em.press_button(attacker, group, rating["message_id"], data, forged=True)
        for data in ("forget:no", "forget:yes")
    ]
    await bot.settle()
    after = open_post(bot, group, "社区评分 #1")
    assert after["text"] == rating["text"]
    assert after["reply_markup"] == rating["reply_markup"]
    assert not em.calls_to("editMessageText")
    for query in queries:
        answer = em.callback_answer(query)
        assert answer is not None and NOT_HERE in str(answer.get("text"))
    async with bot.core.repo.transaction() as session:
        votes = await session.list_resident_votes(bot.core.resident(attacker.id))
    assert votes == [(1, 2)]


async def test_a_rating_for_another_round_on_a_post_does_nothing(minyi_bot: RunningBot) -> None:
    """A press carrying round 2's id on round 1's post stores no vote in either round."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    await bot.command(group, "/rate 1h 保洁打几分？")
    first = open_post(bot, group, "社区评分 #1")
    attacker = em.add_user("捣乱的人")
    query = em.press_button(attacker, group, first["message_id"], "rate:2:5", forged=True)
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        assert await session.count_votes(1) == []
        assert await session.count_votes(2) == []
    answer = em.callback_answer(query)
    assert answer is not None and NOT_HERE in str(answer.get("text"))
    assert open_post(bot, group, "社区评分 #1")["reply_markup"] == first["reply_markup"]
