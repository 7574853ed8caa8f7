"""A button press set aside as a dead letter is still answered, once.

Presses are answered once their update has committed (handlers/common.py `answer_press`); a
press whose processing fails is retried, and its answer is dropped with each rolled-back
attempt. When every attempt failed and the update was kept in `dead_letters`, nothing
answered the press at all: the resident's rating button kept spinning until their client gave
up (before presses were answered after the commit, the first attempt had answered it). The
intake now answers such a press, without a text, once it is set aside.
"""

from __future__ import annotations

from tests.harness import RunningBot


async def test_a_rating_press_that_keeps_failing_is_answered_once(minyi_bot: RunningBot) -> None:
    """Storing votes is refused by the database: the press ends in dead_letters, answered."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = next(m for m in em.messages_to(group.id) if "社区评分 #1" in m.get("text", ""))
    resident = em.add_user("碧海居民")
    await bot.write_outside(
        "CREATE TRIGGER refuse_votes BEFORE INSERT ON votes "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    query = em.press_button(resident, group, rating["message_id"], "rate:1:4")
    await bot.settle(60)

    async with bot.core.repo.transaction() as session:
        dead = await session.tx.fetchall("SELECT update_id FROM dead_letters")
        assert list(await session.list_resident_votes(bot.core.resident(resident.id))) == []
    assert len(dead) == 1
    answers = [
        c for c in em.calls_to("answerCallbackQuery") if c.params.get("callback_query_id") == query
    ]
    assert em.callback_answer(query) is not None, "the set-aside press was left spinning"
    assert len(answers) == 1
