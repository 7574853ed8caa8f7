"""`/label`'s buttons: only in private, only for organisers, only on the message they were made
for; skip and stop store what they say (issue 15)."""

from __future__ import annotations

import pytest

from tests.harness import RunningBot
from tests.labelling_helpers import label_button, label_message, press_label


async def _with_answers(bot: RunningBot) -> None:
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = next(
        m["message_id"] for m in bot.emulator.messages_to(group.id) if "你的建议" in m["text"]
    )
    for i, text in enumerate(["停车位太少了", "从来没人问过我们的意见", "今天天气不错"]):
        bot.emulator.send_message(bot.emulator.add_user(f"居民{i}"), group, text, reply_to=post)
    await bot.settle()


async def test_label_is_private_and_for_organisers(minyi_bot: RunningBot) -> None:
    """In a group /label shows no answer; a resident is refused in private."""
    bot = minyi_bot
    await _with_answers(bot)
    group = bot.groups["碧海社区"]
    await bot.command(group, "/label")
    assert any("私聊" in t for t in bot.bot_texts(group))
    resident = bot.emulator.add_user("居民甲")
    private = bot.emulator.private_chat(resident)
    await bot.command(private, "/label", user=resident)
    assert not any("🏷" in t for t in bot.bot_texts(private))


async def test_toggle_skip_and_stop(minyi_bot: RunningBot) -> None:
    """A toggle only changes the keyboard; skip stores a skipped row and offers the next answer;
    confirm stores the chosen themes; stop removes the keyboard and says how many labels."""
    bot = minyi_bot
    await _with_answers(bot)
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/label")
    first = label_message(bot, private)
    await press_label(bot, private, first, "t0")
    toggled = label_message(bot, private)
    assert toggled["message_id"] == first["message_id"]
    assert toggled["reply_markup"] != first["reply_markup"]
    async with bot.core.repo.transaction() as session:
        assert await session.count_labels() == 0
    await press_label(bot, private, toggled, "skip")  # the first message, its keyboard edited
    second = label_message(bot, private)
    assert second["message_id"] != first["message_id"]
    await press_label(bot, private, second, "ok")
    third = label_message(bot, private)
    await press_label(bot, private, third, "stop")
    async with bot.core.repo.transaction() as session:
        assert await session.count_labels() == 1
        labelled = await session.list_labels()
        rows = await session.tx.fetchall("SELECT labeller, skipped FROM answer_labels")
    assert len(labelled) == 1
    # Pseudonymous: the organiser's Telegram id is never stored.
    assert all(str(bot.organiser.id) not in r["labeller"] for r in rows)
    assert sorted(r["skipped"] for r in rows) == [0, 1]
    assert any("已停止" in t for t in bot.bot_texts(private))
    with pytest.raises(AssertionError):
        label_message(bot, private)  # no keyboard is left to press


async def test_forged_label_press_changes_nothing(minyi_bot: RunningBot) -> None:
    """Callback data naming another answer, or pressed by someone else, stores no label."""
    bot = minyi_bot
    await _with_answers(bot)
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/label")
    shown = label_message(bot, private)
    forged = "lbl:1:3ff:ok"
    if forged == label_button(shown, "ok"):
        forged = "lbl:2:3ff:ok"
    bot.emulator.press_button(bot.organiser, private, shown["message_id"], forged, forged=True)
    await bot.settle()
    stranger = bot.emulator.add_user("陌生人")
    other = bot.emulator.private_chat(stranger)
    await bot.command(other, "/start", user=stranger)
    bot.emulator.press_button(stranger, private, shown["message_id"], label_button(shown, "ok"))
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        assert await session.count_labels() == 0
