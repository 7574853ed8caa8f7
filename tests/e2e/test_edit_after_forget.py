"""An answer deleted by /forget does not come back when its message is edited, on each backend.

Telegram keeps a resident's messages editable for ever, and an edit of a message with no
stored answer is stored as a new answer (an over-long first try, shortened, counts). A resident
who said "forget me" and then fixes a typo in an old reply has not answered again: the edit is
not stored, and nothing is said in the group or privately. A new message afterwards is a new
answer, stored as any other.
"""

from __future__ import annotations

from bot.core.residents import data_of
from tests.e2e.test_privacy import open_post, press_forget
from tests.harness import RunningBot


async def test_an_edit_of_a_forgotten_answer_is_not_stored_and_a_new_answer_is(
    minyi_bot_each: RunningBot,
) -> None:
    """After /forget, edits of the resident's old group reply and private answer store
    nothing and say nothing; a new reply and a new private answer are stored."""
    bot = minyi_bot_each
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    resident = em.add_user("紫藤居民")
    bot.join(resident)
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = open_post(bot, group, "社区征询 #1")["message_id"]
    reply = em.send_message(resident, group, "路灯坏了三个月", reply_to=post)
    await bot.settle()
    private = em.private_chat(resident)
    await bot.command(private, "/start r1", user=resident)
    old_private = await bot.command(private, "晚上太暗，老人看不清", user=resident)
    await press_forget(bot, resident, confirm=True)
    who = bot.core.resident(resident.id)
    assert not (await data_of(bot.core, who)).answers
    said_in_group, said_privately = len(bot.bot_texts(group)), len(bot.bot_texts(private))

    em.edit_message(resident, group, reply, "路灯坏了三个月，一直没人修")
    await bot.command(private, "/start r1", user=resident)  # a new private answer begun
    said_privately = len(bot.bot_texts(private))
    em.edit_message(resident, private, old_private, "晚上太暗，老人看不清路")
    await bot.settle()

    assert not (await data_of(bot.core, who)).answers
    assert len(bot.bot_texts(group)) == said_in_group
    assert len(bot.bot_texts(private)) == said_privately

    em.send_message(resident, group, "希望尽快修好路灯", reply_to=post)
    await bot.command(private, "再补充一句：垃圾桶也不够", user=resident)
    texts = sorted(a.text for a in (await data_of(bot.core, who)).answers)
    assert texts == ["再补充一句：垃圾桶也不够", "希望尽快修好路灯"]
