"""In private chat an organiser names the community first (SPEC §3: `/ask 碧海社区 48h …`), so the
flags of /poll, /schedule and /rate may follow that name as well as come before it."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import RunningBot


async def test_poll_flags_after_the_community_name_in_private_open_that_poll(
    minyi_bot: RunningBot,
) -> None:
    """`/poll 碧海社区 --multi --anonymous 1h …` in private opens a multiple-answer anonymous
    poll in 碧海社区's group, like `/poll --multi --anonymous 碧海社区 1h …`; /schedule and
    /rate take their flags there too."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/poll 碧海社区 --multi --anonymous 1h 哪些要先做？ | 路灯 | 长椅")
    await bot.command(private, "/poll --multi 碧海社区 --anonymous 1h 哪些也要做？ | 绿地 | 车棚")
    when = (bot.core.now() + timedelta(days=2)).astimezone(bot.settings.schedule.tz)
    await bot.command(
        private, f"/schedule 碧海社区 --multi {when:%Y-%m-%d} 10:00 1h 下周做哪些？ | 修路 | 种树"
    )
    await bot.command(private, "/rate 碧海社区 --indicator voice_heard 1h 社区听取意见了吗？")
    polls = [p for p in em.polls().values() if p["chat_id"] == group.id]
    shapes = sorted((p["question"], p["allows_multiple_answers"], p["is_anonymous"]) for p in polls)
    assert shapes == [("哪些也要做？", True, True), ("哪些要先做？", True, True)], bot.bot_texts(
        private
    )
    async with bot.core.repo.transaction() as session:
        rounds = {r.question: r for r in await session.list_rounds()}
    scheduled = rounds["下周做哪些？"]
    assert (scheduled.state, scheduled.kind, scheduled.multi) == ("scheduled", "poll", True)
    assert rounds["社区听取意见了吗？"].indicator == "voice_heard"
    assert not any("⚠️" in t for t in bot.bot_texts(private)), bot.bot_texts(private)
