"""Hostile or careless input from residents: too long, too fast, not text, said twice."""

from __future__ import annotations

from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.harness import RunningBot, start_bot


def round_post_id(bot: RunningBot, group: SimChat) -> int:
    """The message id of round 1's opening post in `group`."""
    post = next(m for m in bot.emulator.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    message_id: int = post["message_id"]
    return message_id


async def stored_texts(bot: RunningBot) -> list[str]:
    """Every stored answer's text, oldest first."""
    async with bot.core.repo.transaction() as session:
        return [a.text for a in await session.list_answers(include_hidden=True)]


async def test_answer_over_the_limit_is_refused_with_the_numbers(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """An answer longer than limits.max_answer_chars is not stored and the resident is told why."""
    async with start_bot(emulator, tmp_path, limits={"max_answer_chars": 50}) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 2h 一句话说说你的建议")
        resident = emulator.add_user("居民")
        emulator.send_message(resident, group, "长" * 51, reply_to=round_post_id(bot, group))
        emulator.send_message(resident, group, "短" * 50, reply_to=round_post_id(bot, group))
        await bot.settle()
        assert await stored_texts(bot) == ["短" * 50]
        assert any("回答太长了（51 字），最多 50 字" in t for t in bot.bot_texts(group))


async def test_a_resident_answering_too_fast_is_asked_to_slow_down(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Beyond limits.answers_per_minute, answers are refused with a hint; others are unaffected."""
    async with start_bot(emulator, tmp_path, limits={"answers_per_minute": 3}) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 2h 你的建议？")
        spammer, neighbour = emulator.add_user("刷屏者"), emulator.add_user("邻居")
        chat = emulator.private_chat(spammer)
        bot.join(spammer)
        await bot.command(chat, "/start r1", user=spammer)
        for i in range(5):
            emulator.send_message(spammer, chat, f"第{i}条建议：多种树。")
        emulator.send_message(neighbour, group, "我也想要树。", reply_to=round_post_id(bot, group))
        await bot.settle()
        texts = await stored_texts(bot)
        assert len(texts) == 4 and "我也想要树。" in texts
        replies = bot.bot_texts(chat)
        assert sum("已收到" in t for t in replies) == 3
        assert sum("你发得太快了" in t for t in replies) == 2


async def test_stickers_and_photos_answering_a_text_round_get_a_hint(
    minyi_bot: RunningBot,
) -> None:
    """A sticker reply in the group and a photo in a private answer get the text-only hint."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    resident = em.add_user("发图的居民")
    em.send_sticker(resident, group, reply_to=round_post_id(bot, group))
    em.send_sticker(resident, group)  # chatter that answers nothing: left alone
    chat = em.private_chat(resident)
    await bot.command(chat, "/start r1", user=resident)
    em.send_photo(resident, chat, caption="看图")
    await bot.settle()
    assert await stored_texts(bot) == []
    assert sum("只收文字回答" in t for t in bot.bot_texts(group)) == 1
    assert sum("只收文字回答" in t for t in bot.bot_texts(chat)) == 1


async def test_the_same_text_from_one_resident_counts_once(minyi_bot: RunningBot) -> None:
    """Repeating an answer (also with other spacing, also privately) stores it once per person."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = round_post_id(bot, group)
    repeater, other = em.add_user("复读机"), em.add_user("另一位")
    for text in ("多建充电桩。", "多建充电桩。", "  多建充电桩。  "):
        em.send_message(repeater, group, text, reply_to=post)
    em.send_message(other, group, "多建充电桩。", reply_to=post)
    chat = em.private_chat(repeater)
    await bot.command(chat, "/start r1", user=repeater)
    await bot.command(chat, "多建充电桩。", user=repeater)
    assert await stored_texts(bot) == ["多建充电桩。", "多建充电桩。"]
    assert "你已经发过同样的回答" in bot.bot_texts(chat)[-1]
    await bot.command(group, "/report")
    report = await bot.wait_text(group, lambda t: "征询报告" in t)
    assert "参与居民：2 · 回答：2" in report


async def test_answers_of_invisible_characters_are_not_counted(minyi_bot: RunningBot) -> None:
    """A reply made only of characters that show nothing (zero-width spaces, a byte-order mark,
    the blank Braille pattern people send as an 'empty' message, replacement characters) is no
    answer: not stored, no participant, the text-only hint; an answer with such a character
    inside is stored as written."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = round_post_id(bot, group)
    blanks = ["\u200b\u200b", "\ufeff", "\u2800", "\u200b \u2060\ufffd", "\u3164"]
    for number, blank in enumerate(blanks):
        em.send_message(em.add_user(f"居民{number}"), group, blank, reply_to=post)
    em.send_message(em.add_user("认真的居民"), group, "停车\u200b太难", reply_to=post)
    resident = em.add_user("私聊居民")
    chat = em.private_chat(resident)
    bot.join(resident)
    await bot.command(chat, "/start r1", user=resident)
    em.send_message(resident, chat, "\u200b")
    await bot.settle()
    assert await stored_texts(bot) == ["停车\u200b太难"]
    assert sum("只收文字回答" in t for t in bot.bot_texts(chat)) == 1
    assert any("只收文字回答" in t for t in bot.bot_texts(group))


async def test_a_linked_channels_post_in_the_group_is_no_residents_answer(
    minyi_bot: RunningBot,
) -> None:
    """While one text round is open a plain group message counts; a post that the group's
    linked channel forwards into it automatically (or an anonymous admin's message) is not a
    resident's and is neither stored nor counted as a participant."""
    bot = minyi_bot
    em = bot.emulator
    group = em.add_group("碧海社区居民群", supergroup=True, admins=[bot.organiser])
    em.add_bot_to_group(group, bot.organiser)
    await bot.command(group, "/community 碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    em.forward_from_channel(group, "碧海社区公告", "通知：本周六停水，请提前储水。")
    em.send_as_group(group, "请大家文明发言。", by=bot.organiser)
    em.send_message(em.add_user("居民"), group, "希望多装路灯。")
    await bot.settle()
    assert await stored_texts(bot) == ["希望多装路灯。"]
    await bot.command(group, "/report")
    report = await bot.wait_text(group, lambda t: "征询报告" in t)
    assert "参与居民：1 · 回答：1" in report


async def test_editing_a_message_written_before_the_round_does_not_make_it_an_answer(
    minyi_bot: RunningBot,
) -> None:
    """A group message from before the round opened, edited while the round is open (a typo
    fixed in yesterday's chat), is not an answer to a question it never saw; an edit of a
    message written after the opening still counts."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    resident = em.add_user("居民")
    now = em.clock
    em.clock = lambda: now() - 600  # written ten minutes before the round
    old = em.send_message(resident, group, "明天早上谁去菜市场？")
    em.clock = now
    await bot.settle()
    await bot.command(group, "/ask 2h 你的建议？")
    em.edit_message(resident, group, old, "明天早上谁去菜市场？我可以帮忙带菜。")
    new = em.send_message(resident, group, "多种树")
    em.edit_message(resident, group, new, "多种树，少停车。")
    await bot.settle()
    assert await stored_texts(bot) == ["多种树，少停车。"]


async def test_a_forwarded_message_is_not_the_residents_answer(minyi_bot: RunningBot) -> None:
    """Someone else's message forwarded into the group while a round is open (a notice, a
    post from another chat) is not the forwarder's answer; in a private answer they are asked
    for their own words. A message of their own they forward counts."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    resident, stranger = em.add_user("转发的居民"), em.add_user("外人")
    em.forward_text(resident, group, "【转发】全市停车收费新规解读", author=stranger)
    chat = em.private_chat(resident)
    bot.join(resident)
    await bot.command(chat, "/start r1", user=resident)
    em.forward_text(resident, chat, "朋友圈看到的：物业费要涨价了")
    em.forward_text(resident, chat, "我上周给物业写的：楼道灯坏了一个月。", author=resident)
    await bot.settle()
    assert await stored_texts(bot) == ["我上周给物业写的：楼道灯坏了一个月。"]
    assert bot.bot_texts(group)[-1].startswith("✅")  # the /ask confirmation: nothing said since
    assert "自己的话" in bot.bot_texts(chat)[-2]
