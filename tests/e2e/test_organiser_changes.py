"""An organiser's day when things change under a command: a command edited after it was sent,
and an organiser taken off `roles.organisers` while a /label card or a /forget confirmation is
open."""

from __future__ import annotations

from tests.e2e.test_roles_scope import UNCAPPED
from tests.harness import RunningBot
from tests.labelling_helpers import label_button, label_message


async def _rounds(bot: RunningBot) -> list[str]:
    async with bot.core.repo.transaction() as session:
        return [r.question for r in await session.list_rounds()]


async def test_an_edited_command_is_not_run_again_and_the_sender_is_told(
    minyi_bot: RunningBot,
) -> None:
    """A mistyped /ask corrected by editing it, and a good /ask edited afterwards: neither edit
    opens a round (nor a second one), and each gets a note to send the command again (the
    edit went unanswered); an edited /ask@another_bot gets nothing."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    typo = await bot.command(group, "/ask 1hh 写错了")
    good = await bot.command(group, "/ask 1h 编辑前？")
    other = await bot.command(group, "/ask@another_bot 1h 别的机器人")
    seen = len(bot.bot_texts(group))

    em.edit_message(bot.organiser, group, typo, "/ask 1h 改对了")
    em.edit_message(bot.organiser, group, good, "/ask 1h 编辑后？")
    em.edit_message(bot.organiser, group, other, "/ask@another_bot 1h 又改了")
    await bot.settle()

    replies = bot.bot_texts(group)[seen:]
    assert len(replies) == 2 and all("编辑过的命令不会再执行" in t for t in replies), replies
    assert await _rounds(bot) == ["编辑前？"]


async def test_an_organiser_removed_meanwhile_cannot_confirm_an_open_label_card(
    minyi_bot: RunningBot,
) -> None:
    """The organiser opens a /label card, is taken off roles.organisers, then presses confirm:
    no label is stored and the press is answered with the organisers-only refusal (it said the
    button did not belong to the message)."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = next(m["message_id"] for m in em.messages_to(group.id) if "你的建议" in m["text"])
    em.send_message(em.add_user("居民"), group, "物业费的账目从来不公开", reply_to=post)
    await bot.settle()
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/label")
    card = label_message(bot, private)

    bot.settings.roles.organisers.remove(bot.organiser.id)
    query = em.press_button(bot.organiser, private, card["message_id"], label_button(card, "ok"))
    await bot.settle()

    answered = em.callback_answer(query)
    assert answered is not None and "只有组织者" in answered.get("text", ""), answered
    async with bot.core.repo.transaction() as session:
        assert await session.count_labels() == 0


async def test_a_removed_organiser_can_still_forget_their_own_answers(
    minyi_bot: RunningBot,
) -> None:
    """/forget is a resident's right, not an organiser's: an organiser who answered a round,
    opened /forget and was then taken off roles.organisers still has the answer deleted."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = next(m["message_id"] for m in em.messages_to(group.id) if "你的建议" in m["text"])
    em.send_message(bot.organiser, group, "我自己也住这里：停车太难", reply_to=post)
    await bot.settle()
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/forget")
    keyboard = next(m for m in reversed(em.messages_to(private.id)) if "reply_markup" in m)

    bot.settings.roles.organisers.remove(bot.organiser.id)
    em.press_button(bot.organiser, private, keyboard["message_id"], "forget:yes")
    await bot.settle()

    async with bot.core.repo.transaction() as session:
        assert await session.list_answers(include_hidden=True) == []
