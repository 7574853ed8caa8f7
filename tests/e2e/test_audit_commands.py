"""Organiser commands as people really type them (black-box audit of SPEC §3): a lone
surrogate from a broken client, and the full-width forms of a Chinese input method."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import RunningBot

LONE = "\ud800"


async def test_organiser_commands_with_a_lone_surrogate_get_a_reply_not_a_dead_letter(
    minyi_bot: RunningBot,
) -> None:
    """`/ask`, `/poll` and `/community` whose arguments hold a lone surrogate are answered
    like any other (the round opens, the bad character shown as U+FFFD; a community name holding
    it is refused, saying why); once they became dead letters and the organiser heard nothing."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    for command, expected in (
        (f"/ask 1h 停车{LONE}问题？", "第 1 轮征询已开始"),
        (f"/poll 你{LONE}关心什么？ | 停车 | 垃圾{LONE}分类", "第 2 轮征询已开始"),
        # A name nobody could type again is refused, saying why (nothing is registered).
        (f"/community 碧海{LONE}社区", "社区名称不能含有控制字符或不可见字符"),
    ):
        before = len(bot.bot_texts(group))
        await bot.command(group, command)
        replies = bot.bot_texts(group)[before:]
        assert any(expected in r for r in replies), (ascii(command), replies)
    async with bot.core.repo.transaction() as session:
        assert await session.tx.fetchall("SELECT update_id FROM dead_letters") == []
        rounds = sorted(await session.list_rounds(), key=lambda r: r.id)
    assert [r.question for r in rounds] == ["停车\ufffd问题？", "你\ufffd关心什么？"]
    assert rounds[1].options == ["停车", "垃圾\ufffd分类"]


async def test_full_width_durations_separators_and_times_mean_what_the_organiser_typed(
    minyi_bot: RunningBot,
) -> None:
    """With a Chinese input method in full-width mode, `/ask ４８ｈ …` opens a 48-hour round
    asking only the question (once: the default 72 hours, the question starting with
    "４８ｈ"), `/poll … ｜ 停车 ｜ 垃圾` opens a poll with those options, and `/schedule` takes
    `１０：００` as a time."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    tomorrow = (bot.core.now() + timedelta(days=1)).astimezone(bot.settings.schedule.tz)
    commands = (
        "/ask ４８ｈ 你觉得小区停车怎么样？",
        "/poll ３０ｍ 你最关心什么？ ｜ 停车 ｜ 垃圾",
        f"/schedule {tomorrow:%Y-%m-%d} １０：００ ２ｈ 周末的活动想办什么？",
    )
    for number, command in enumerate(commands, start=1):
        before = len(bot.bot_texts(group))
        await bot.command(group, command)
        replies = bot.bot_texts(group)[before:]
        assert any(f"第 {number} 轮征询已" in r for r in replies), (command, replies)
    async with bot.core.repo.transaction() as session:
        rounds = sorted(await session.list_rounds(), key=lambda r: r.id)
    ask, poll, scheduled = rounds
    assert ask.question == "你觉得小区停车怎么样？"
    assert ask.closes_at - ask.opens_at == timedelta(hours=48)
    assert (poll.kind, poll.question, poll.options) == ("poll", "你最关心什么？", ["停车", "垃圾"])
    assert poll.closes_at - poll.opens_at == timedelta(minutes=30)
    opens = scheduled.opens_at.astimezone(bot.settings.schedule.tz)
    assert (opens.date(), opens.hour, opens.minute) == (tomorrow.date(), 10, 0)
    assert scheduled.closes_at - scheduled.opens_at == timedelta(hours=2)
    assert scheduled.question == "周末的活动想办什么？"


async def test_flags_typed_with_a_chinese_input_method_are_flags(minyi_bot: RunningBot) -> None:
    """`/poll ——anonymous …` (Shift+- in a Chinese input method gives ——) opens an anonymous
    poll and `/poll －－ｍｕｌｔｉ …` (full-width mode) a multiple-answer one; once both opened
    a public, single-answer poll whose question began with the flag, so the group saw who
    voted what on a vote the organiser meant to keep anonymous."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/poll ——anonymous 你支持加装电梯吗？ | 支持 | 反对")
    await bot.command(group, "/poll －－ｍｕｌｔｉ 你最关心什么？ | 停车 | 垃圾 | 噪音")
    async with bot.core.repo.transaction() as session:
        rounds = sorted(await session.list_rounds(), key=lambda r: r.id)
    assert [(r.question, r.anonymous, r.multi) for r in rounds] == [
        ("你支持加装电梯吗？", True, False),
        ("你最关心什么？", False, True),
    ]
    posted = [m["poll"] for m in em.messages_to(group.id) if "poll" in m]
    assert [(p["question"], p["is_anonymous"], p["allows_multiple_answers"]) for p in posted] == [
        ("你支持加装电梯吗？", True, False),
        ("你最关心什么？", False, True),
    ]
