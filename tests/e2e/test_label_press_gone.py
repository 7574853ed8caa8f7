"""A /label press on an answer deleted meanwhile is still answered.

Presses are answered once their update has committed (handlers/common.py `answer_press`), so
/label's handler answers each press at its end. When the answer offered had been deleted
before the organiser confirmed (its resident sent /forget), storing the label raised
`OutOfReach`, which the handler's wrapper turns into a reply; the press itself was never
answered, so the organiser's button kept spinning, and the keyboard stayed on the message.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_privacy import press_forget
from tests.harness import RunningBot
from tests.labelling_helpers import label_button, label_message

TEXTS = ["停车位太少了", "从来没人问过我们的意见", "今天天气不错"]


async def test_confirming_a_label_of_a_forgotten_answer_answers_the_press(
    minyi_bot: RunningBot,
) -> None:
    """The offered answer's resident forgets it; the organiser's confirm press is answered,
    the keyboard goes, the organiser is told, and no label is stored."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = next(m["message_id"] for m in em.messages_to(group.id) if "你的建议" in m["text"])
    writers = {}
    for i, text in enumerate(TEXTS):
        writers[text] = em.add_user(f"居民{i}")
        em.send_message(writers[text], group, text, reply_to=post)
    await bot.settle()

    private = em.private_chat(bot.organiser)
    await bot.command(private, "/label")
    offered = label_message(bot, private)
    confirm = label_button(offered, "ok")
    match = re.match(r"^lbl:(\d+):", confirm)
    assert match is not None
    async with bot.core.repo.transaction() as session:
        text = {a.id: a.text for a in await session.list_answers()}[int(match.group(1))]
    await press_forget(bot, writers[text], confirm=True)

    before = len(em.messages_to(private.id))
    query = em.press_button(bot.organiser, private, offered["message_id"], confirm)
    await bot.settle()
    assert em.callback_answer(query) is not None, "the press was left spinning"
    assert len(em.messages_to(private.id)) > before  # the organiser is told why
    with pytest.raises(AssertionError):
        label_message(bot, private)  # the keyboard that can store nothing is gone
    async with bot.core.repo.transaction() as session:
        assert await session.count_labels() == 0
