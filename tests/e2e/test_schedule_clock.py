"""What happens by the clock, as organisers, residents and staff read it: rounds that fell due
while the bot was not ticking, wall-clock times that a daylight-saving change skips or repeats
(Europe/London), the weekly digest's periods across a change, and /close and /cancel of a
round in the other state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.base import utcnow
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.harness import RunningBot, start_bot

LONDON = {"timezone": "Europe/London"}


def shifted_clock(to: datetime) -> Callable[[], datetime]:
    """A clock that reads `to` now and runs on from there in real time."""
    offset = to - utcnow()
    return lambda: utcnow() + offset


def last_text(bot: RunningBot, chat: SimChat) -> str:
    """The bot's latest message in `chat`."""
    return bot.bot_texts(chat)[-1]


async def test_a_round_whose_window_passed_while_the_bot_was_down_is_reported_as_never_posted(
    emulator: BotAPIEmulator, tmp_path: Path, storage_url: str
) -> None:
    """A scheduled round whose whole window passes while the scheduler is not ticking is
    opened and closed at once without a post to the group; the organisers' report says so, in
    Chinese and in English, rather than reading as if residents had ignored it."""
    async with start_bot(emulator, tmp_path, schedule=LONDON, storage={"url": storage_url}) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 3, 20, 10, 0, tzinfo=UTC))
        english = emulator.add_user("Organiser EN", language_code="en")
        bot.settings.roles.organisers.append(english.id)
        chats = {}
        for person in (bot.organiser, english):
            chats[person.id] = emulator.private_chat(person)
            await bot.command(chats[person.id], "/start", person)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(chats[english.id], "/rounds", english)  # remembers their language
        await bot.command(group, "/schedule 2026-03-21 10:00 48h 周末的活动怎么样？")
        await bot.wait_text(group, lambda t: "已安排" in t)

        bot.core.clock = shifted_clock(datetime(2026, 3, 23, 12, 0, tzinfo=UTC))
        zh = await bot.wait_text(chats[bot.organiser.id], lambda t: "征询报告 #1" in t)
        en = await bot.wait_text(chats[english.id], lambda t: "Report on round #1" in t)
        assert "没有发到任何群里" in zh, zh
        assert "never reached a group" in en, en
        await bot.settle()
        assert not [t for t in bot.bot_texts(group) if "#1" in t and "已安排" not in t]


async def test_a_round_opened_late_says_when_it_was_due(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A round opened two days after its time (the bot was down) tells residents when it was
    due; one opened on time does not."""
    async with start_bot(emulator, tmp_path, schedule=LONDON) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 3, 20, 10, 0, tzinfo=UTC))
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/schedule 2026-03-20 11:00 7d 准时开始的问题？")
        await bot.command(group, "/schedule 2026-03-21 10:00 7d 晚开始的问题？")
        bot.core.clock = shifted_clock(datetime(2026, 3, 20, 11, 0, 1, tzinfo=UTC))
        on_time = await bot.wait_text(group, lambda t: "社区征询 #1" in t)
        assert "原定" not in on_time, on_time
        bot.core.clock = shifted_clock(datetime(2026, 3, 23, 12, 0, tzinfo=UTC))
        late = await bot.wait_text(group, lambda t: "社区征询 #2" in t)
        assert "原定 2026-03-21 10:00 开始" in late, late
        assert "截止：2026-03-28 10:00" in late, late


async def test_wall_times_a_clock_change_skips_or_repeats(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """In Europe/London, 01:30 on 2026-03-29 does not exist (clocks go forward): /schedule
    refuses it, saying why, and stores nothing. 01:30 on 2026-10-25 happens twice: a 1h round
    from the first one is confirmed with times that tell the two apart, not "opens 01:30,
    closes 01:30"."""
    async with start_bot(emulator, tmp_path, schedule=LONDON) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 3, 27, 15, 0, tzinfo=UTC))
        english = emulator.add_user("Organiser EN", language_code="en")
        bot.settings.roles.organisers.append(english.id)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/schedule 2026-03-29 01:30 1h 不存在的时刻？")
        refusal = last_text(bot, group)
        assert "2026-03-29 01:30" in refusal and "不存在" in refusal, refusal
        await bot.command(group, "/schedule 2026-03-29 01:30 1h a time that never comes?", english)
        refusal = last_text(bot, group)
        assert "There is no 2026-03-29 01:30 in Europe/London" in refusal, refusal
        async with bot.core.repo.transaction() as session:
            assert await session.list_rounds() == []

        await bot.command(group, "/schedule 2026-10-25 01:30 1h 出现两次的时刻？")
        confirmation = last_text(bot, group)
        assert "2026-10-25 01:30 BST 开始，2026-10-25 01:30 GMT 结束" in confirmation, confirmation
        await bot.command(group, "/rounds", english)
        listing = last_text(bot, group)
        assert "2026-10-25 01:30 BST → 2026-10-25 01:30 GMT" in listing, listing
        # A time that happens once is written as before.
        await bot.command(group, "/schedule 2026-10-26 09:00 1h 平常的时刻？")
        assert "2026-10-26 09:00 开始，2026-10-26 10:00 结束" in last_text(bot, group)


async def test_a_time_in_the_past_says_what_time_it_is_now(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """/schedule for earlier today is refused with the time it is now in the configured zone,
    so an organiser elsewhere (or after a clock jump) sees why."""
    async with start_bot(emulator, tmp_path, schedule=LONDON) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 7, 1, 14, 5, tzinfo=UTC))
        english = emulator.add_user("Organiser EN", language_code="en")
        bot.settings.roles.organisers.append(english.id)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/schedule 2026-07-01 14:30 1h 今天已经过去的时间？")
        refusal = last_text(bot, group)
        assert "过去" in refusal and "2026-07-01 15:05" in refusal, refusal
        await bot.command(group, "/schedule 2026-07-01 14:30 1h earlier today?", english)
        refusal = last_text(bot, group)
        assert "in the past" in refusal and "2026-07-01 15:05" in refusal, refusal


async def test_close_and_cancel_of_a_round_in_the_other_state_name_the_right_command(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """/cancel of a round that just opened points to /close; /close of a scheduled round says
    when it opens and points to /cancel; neither changes anything."""
    async with start_bot(emulator, tmp_path) as bot:
        english = emulator.add_user("Organiser EN", language_code="en")
        bot.settings.roles.organisers.append(english.id)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 刚开始的问题？")
        opens = (bot.core.now() + timedelta(days=1)).astimezone(bot.settings.schedule.tz)
        await bot.command(group, f"/schedule {opens:%Y-%m-%d %H:%M} 1h 明天的问题？")
        await bot.command(group, "/cancel 1")
        assert "/close 1" in last_text(bot, group), last_text(bot, group)
        await bot.command(group, "/cancel 1", english)
        assert "already open" in last_text(bot, group) and "/close 1" in last_text(bot, group)
        await bot.command(group, "/close 2")
        refusal = last_text(bot, group)
        assert "还没开始" in refusal and f"{opens:%Y-%m-%d %H:%M}" in refusal, refusal
        assert "/cancel 2" in refusal, refusal
        await bot.command(group, "/close 2", english)
        assert "/cancel 2" in last_text(bot, group), last_text(bot, group)
        async with bot.core.repo.transaction() as session:
            states = {r.id: r.state for r in await session.list_rounds()}
        assert states == {1: "open", 2: "scheduled"}


async def test_weekly_digests_across_a_clock_change_count_each_answer_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """`digest_cron` Monday 09:00 in Europe/London, over the night the clocks go forward
    (2026-03-29): the period ending 2026-03-30 09:00 BST starts where the one before ended
    (2026-03-23 09:00 GMT), not seven times 24 hours earlier (08:00 GMT), so an answer given
    at 08:30 GMT that Monday is in the first digest only."""
    staff = emulator.add_user("王主任", language_code="zh-hans")
    staff_chat = emulator.private_chat(staff)
    emulator.send_message(staff, staff_chat, "/start")
    async with start_bot(
        emulator, tmp_path, schedule=LONDON, roles={"staff_chats": [staff_chat.id]}
    ) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 3, 17, 10, 0, tzinfo=UTC))
        group = await bot.register("碧海社区居民群", "碧海社区")
        bot.core.clock = shifted_clock(datetime(2026, 3, 23, 8, 0, tzinfo=UTC))
        await bot.command(group, "/ask 2h 这周小区停车怎么样？")
        post = next(m for m in emulator.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
        bot.core.clock = shifted_clock(datetime(2026, 3, 23, 8, 30, tzinfo=UTC))
        emulator.send_message(
            emulator.add_user("居民甲"), group, "晚上停车位太少了。", reply_to=post["message_id"]
        )
        await bot.settle()

        bot.core.clock = shifted_clock(datetime(2026, 3, 23, 9, 0, 1, tzinfo=UTC))
        first = await bot.wait_text(staff_chat, lambda t: t.startswith("📰"))
        assert "回答：1" in first, first
        bot.core.clock = shifted_clock(datetime(2026, 3, 30, 8, 0, 1, tzinfo=UTC))
        second = await bot.wait_text(staff_chat, lambda t: "2026-03-30" in t)
        assert "回答：1" not in second and "没有新的居民回答" in second, second


async def test_the_time_now_is_named_as_readers_say_it(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """In the default zone (Asia/Shanghai) a Chinese refusal says "北京时间", not the zone's
    id; English keeps the id. Another zone is named by its id in both languages."""
    async with start_bot(emulator, tmp_path) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 7, 1, 6, 5, tzinfo=UTC))
        english = emulator.add_user("Organiser EN", language_code="en")
        bot.settings.roles.organisers.append(english.id)
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/schedule 2026-07-01 14:00 1h 今天已经过去的时间？")
        refusal = last_text(bot, group)
        assert "现在是北京时间 2026-07-01 14:05" in refusal, refusal
        assert "Asia/Shanghai" not in refusal, refusal
        await bot.command(group, "/schedule 2026-07-01 14:00 1h earlier today?", english)
        refusal = last_text(bot, group)
        assert "it is now 2026-07-01 14:05 in Asia/Shanghai" in refusal, refusal
    async with start_bot(emulator, tmp_path / "london", schedule=LONDON) as bot:
        bot.core.clock = shifted_clock(datetime(2026, 7, 1, 14, 5, tzinfo=UTC))
        group = await bot.register("汇展城社区居民群", "汇展城社区")
        await bot.command(group, "/schedule 2026-07-01 14:30 1h 今天已经过去的时间？")
        refusal = last_text(bot, group)
        assert "Europe/London 时间 2026-07-01 15:05" in refusal, refusal
        assert "北京" not in refusal, refusal
