"""Rounds end to end: scheduled polls in two communities, ratings, private answers, bad commands."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.base import utcnow
from sandbox import payloads
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.harness import RunningBot, start_bot


def shifted_clock(to: datetime) -> Callable[[], datetime]:
    """A clock that reads `to` now and runs on from there in real time."""
    offset = to - utcnow()
    return lambda: utcnow() + offset


def option_line(text: str, option: str, votes: int, share: int) -> bool:
    """Whether a summary or report shows `option` with `votes` votes and `share` percent."""
    return re.search(rf"^\s*{option}\s+{votes}\s+{share}%", text, re.MULTILINE) is not None


def texts_with(bot: RunningBot, chat: SimChat, fragment: str) -> list[str]:
    """The bot's messages in `chat` that contain `fragment`."""
    return [t for t in bot.bot_texts(chat) if fragment in t]


def database_rows(bot: RunningBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds consultation data (not the update bookkeeping)."""
    path = bot.settings.storage.url.removeprefix("sqlite:///")
    tables = ("communities", "rounds", "round_communities", "posts", "answers", "votes")
    with sqlite3.connect(path) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}


async def test_scheduled_poll_opens_in_two_communities_and_closes_with_right_shares(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A /schedule'd poll opens at its time in both groups, reminds once, counts a change and a
    retraction, ignores a late vote, and each summary and the report carry the right shares."""
    caplog.set_level(logging.INFO, logger="bot.core.answers")
    async with start_bot(emulator, tmp_path, rounds={"reminder_before": "30m"}) as bot:
        em = bot.emulator
        bihai = await bot.register("碧海社区居民群", "碧海社区")
        huizhan = await bot.register("会展城业主群", "会展城社区")
        zone = bot.settings.schedule.tz
        opens = (bot.core.now() + timedelta(minutes=2)).astimezone(zone)
        opens = opens.replace(second=0, microsecond=0)
        private = em.private_chat(bot.organiser)
        question = "小区最需要先改善哪一项？ | 停车 | 绿化 | 照明"
        await bot.command(private, f"/schedule all {opens:%Y-%m-%d %H:%M} 1h {question}")
        await bot.wait_text(private, lambda t: "已安排" in t and "会展城社区" in t)
        assert em.polls() == {}

        bot.core.clock = shifted_clock(opens - timedelta(seconds=1))
        await em.wait_for(lambda: len(em.polls()) == 2)
        poll_of = {p["chat_id"]: p["id"] for p in em.polls().values()}
        a, b, c, d, e, f = (em.add_user(f"居民{i}") for i in range(6))
        em.vote_poll(a, poll_of[bihai.id], [0])
        em.vote_poll(b, poll_of[bihai.id], [0])
        em.vote_poll(c, poll_of[bihai.id], [1])
        em.vote_poll(d, poll_of[huizhan.id], [0])
        em.vote_poll(e, poll_of[huizhan.id], [0])
        em.vote_poll(f, poll_of[huizhan.id], [1])
        await bot.settle()
        em.vote_poll(a, poll_of[bihai.id], [2])  # a changes their mind
        em.vote_poll(b, poll_of[bihai.id], [])  # b takes their vote back
        await bot.settle()

        bot.core.clock = shifted_clock(opens + timedelta(minutes=31))
        for group in (bihai, huizhan):
            await bot.wait_text(group, lambda t: "提醒" in t)
        bot.core.clock = shifted_clock(opens + timedelta(minutes=45))
        await bot.settle()

        bot.core.clock = shifted_clock(opens + timedelta(hours=1, seconds=1))
        mine = await bot.wait_text(bihai, lambda t: "征询 #1 已结束" in t)
        theirs = await bot.wait_text(huizhan, lambda t: "征询 #1 已结束" in t)
        report = await bot.wait_text(private, lambda t: "征询报告 #1" in t)

        assert "参与居民：2" in mine, mine
        assert option_line(mine, "停车", 0, 0), mine
        assert option_line(mine, "绿化", 1, 50) and option_line(mine, "照明", 1, 50), mine
        assert "参与居民：3" in theirs, theirs
        assert option_line(theirs, "停车", 2, 67) and option_line(theirs, "绿化", 1, 33), theirs
        assert option_line(report, "停车", 2, 40) and option_line(report, "绿化", 2, 40), report
        assert option_line(report, "照明", 1, 20), report
        assert all(p["is_closed"] for p in em.polls().values())

        # A vote Telegram delivers after the round closed is ignored (and logged).
        before = database_rows(bot)["votes"]
        late = em.add_user("迟到的居民")
        poll = em.polls_by_id[poll_of[bihai.id]]
        em.queue_update(
            "poll_answer", payloads.poll_answer_json(poll, payloads.user_json(late), (0,))
        )
        await bot.settle()
        assert database_rows(bot)["votes"] == before
        assert len(before) == 5
        assert any("ignored" in r.getMessage() for r in caplog.records)

        for group in (bihai, huizhan):
            assert len([m for m in em.messages_to(group.id) if "poll" in m]) == 1
            assert len(texts_with(bot, group, "提醒")) == 1
            assert len(texts_with(bot, group, "征询 #1 已结束")) == 1
        assert len(texts_with(bot, private, "征询报告 #1")) == 1


async def test_rating_round_counts_one_changeable_vote_per_resident(minyi_bot: RunningBot) -> None:
    """Rating buttons: every press is answered, a changed vote replaces the first, a press after
    /close is refused and not counted, and the summary shows the right shares and average."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 你给物业服务打几分？")
    post = next(m for m in em.messages_to(group.id) if "社区评分 #1" in m.get("text", ""))
    people = [em.add_user(f"居民{i}") for i in range(5)]
    presses = [(people[0], 4), (people[1], 2), (people[2], 3), (people[3], 5), (people[1], 5)]
    queries = [
        em.press_button(person, group, post["message_id"], f"rate:1:{value}")
        for person, value in presses
    ]
    await bot.settle()
    for query, (_, value) in zip(queries, presses, strict=True):
        answer = em.callback_answer(query)
        assert answer is not None and f"{value}" in (answer["text"] or ""), answer
    async with bot.core.repo.transaction() as session:
        assert await session.list_resident_votes(bot.core.resident(people[1].id)) == [(1, 5)]

    # The close is processed first, so this press arrives at a closed round.
    em.send_message(bot.organiser, group, "/close 1")
    late = em.press_button(people[4], group, post["message_id"], "rate:1:1")
    await bot.settle()
    refused = em.callback_answer(late)
    assert refused is not None and refused["show_alert"] and "结束" in refused["text"], refused
    async with bot.core.repo.transaction() as session:
        assert await session.list_resident_votes(bot.core.resident(people[4].id)) == []

    summary = await bot.wait_text(group, lambda t: "征询 #1 已结束" in t)
    assert "参与居民：4" in summary and "平均分：4.25" in summary, summary
    assert option_line(summary, "2", 0, 0) and option_line(summary, "3", 1, 25), summary
    assert option_line(summary, "4", 1, 25) and option_line(summary, "5", 2, 50), summary
    rating_post = next(m for m in em.messages_to(group.id) if m["message_id"] == post["message_id"])
    assert not rating_post.get("reply_markup"), "the buttons stay after closing"


async def test_private_answer_through_the_start_link_counts_for_that_community(
    minyi_bot: RunningBot,
) -> None:
    """`/ask all` from private chat; a resident opens community 2's link, answers privately,
    gets a receipt, and the answer lands in round 1 for community 2 (and in its summary)."""
    bot = minyi_bot
    em = bot.emulator
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("会展城业主群", "会展城社区")
    organiser_chat = em.private_chat(bot.organiser)
    await bot.command(organiser_chat, "/ask all 1h 你对社区数字服务有什么建议？")
    await bot.wait_text(organiser_chat, lambda t: "已开始" in t)
    post = await bot.wait_text(huizhan, lambda t: "社区征询 #1" in t)
    link = re.search(r"t\.me/minyi_bot\?start=(r\d+c\d+)", post)
    assert link is not None, post

    neighbour = em.add_user("碧海居民")
    bihai_post = next(m for m in em.messages_to(bihai.id) if "社区征询 #1" in m.get("text", ""))
    em.send_message(neighbour, bihai, "网上预约挂号太复杂了。", reply_to=bihai_post["message_id"])
    resident = em.add_user("会展城居民")
    em.add_member(huizhan, resident)
    chat = em.private_chat(resident)
    await bot.command(chat, f"/start {link.group(1)}", user=resident)
    await bot.wait_text(chat, lambda t: "私下回答征询 #1" in t)
    await bot.command(chat, "希望保留人工窗口，老人不会用智能手机。", user=resident)
    await bot.wait_text(chat, lambda t: "已收到你对征询 #1 的回答" in t)

    async with bot.core.repo.transaction() as session:
        answers = await session.list_answers()
        community = await session.get_community_by_chat(huizhan.id)
    assert community is not None
    mine = [a for a in answers if a.via == "private"]
    assert len(answers) == 2 and len(mine) == 1
    assert mine[0].round_id == 1 and mine[0].community_id == community.id

    await bot.command(organiser_chat, "/close 1")
    theirs = await bot.wait_text(huizhan, lambda t: "征询 #1 已结束" in t)
    assert "参与居民：1 · 回答：1" in theirs, theirs
    # After closing, a private message answers nothing, is not stored, and the resident is
    # told the round is no longer open (not sent back to a link that no longer works).
    await bot.command(chat, "还有一点补充。", user=resident)
    await bot.wait_text(chat, lambda t: "第 1 轮征询现在没有开放" in t)
    async with bot.core.repo.transaction() as session:
        assert len(await session.list_answers()) == 2


async def test_malformed_round_commands_get_a_usage_message_and_change_nothing(
    minyi_bot: RunningBot,
) -> None:
    """Each malformed or impossible round command, in a group or in private, gets a clear message
    (a usage line where the form is wrong) and leaves every table as it was."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    # A second group shares the rows, as PTB keeps to Telegram's 20 messages a minute per group.
    other = await bot.register("会展城业主群", "会展城社区")
    private = em.private_chat(bot.organiser)
    unregistered = em.add_group("未登记的群")
    em.add_bot_to_group(unregistered, bot.organiser)
    await bot.command(group, "/ask 1h 一个开放的征询")
    zone = bot.settings.schedule.tz
    later = (bot.core.now() + timedelta(days=2)).astimezone(zone)
    await bot.command(group, f"/schedule {later:%Y-%m-%d} 09:00 2h 一个待开始的征询")
    day = f"{later:%Y-%m-%d}"
    usage = "用法："
    table: list[tuple[SimChat, str, str]] = [
        (group, "/ask", usage),
        (group, "/ask 48h", usage),
        (group, "/ask 0h 问题", usage),
        (group, "/rate", usage),
        (group, "/rate 1h 打几分 | 1 | 2", usage),
        (group, "/rate 1h 打几分 ｜ 1 ｜ 2", usage),
        (group, "/poll 问题没有选项", usage),
        (group, "/poll 问题 | 只有一个", usage),
        (group, "/poll 问题 | " + " | ".join(str(i) for i in range(11)), usage),
        (other, "/poll 问题 | 停车 | 停车", usage),
        (other, "/poll 问题 | 甲 | | 乙", usage),
        (other, "/poll --secret 问题 | 甲 | 乙", usage),
        (other, "/schedule", usage),
        (other, "/schedule 明天 09:00 48h 问题", usage),
        (other, "/schedule 2020-01-01 09:00 48h 问题", usage),
        (other, f"/schedule {day} 09:00 问题没有时长", usage),
        (other, "/schedule --cron 0 9 * * mon 48h 问题", usage),
        (other, "/close", usage),
        (other, "/close abc", usage),
        (other, "/cancel 1 2", usage),
        (private, "/ask 48h 问题", usage),
        (private, "/poll 2h 问题 | 甲 | 乙", usage),
        (private, f"/schedule {day} 09:00 2h 问题", usage),
        (private, "/rate", usage),
        (private, "/rounds 碧海社区 另一个", usage),  # one community (or all) at most
        (group, "/rounds 碧海社区", usage),  # in a group: the group's community
        (private, "/digest 碧海社区", usage),
        (private, "/themes 参与", usage),
        (private, "/ask 不存在的社区 48h 问题", "找不到社区"),
        (group, "/close 99", "找不到第 99 轮"),
        (group, "/close 2", "还没开始"),
        (group, "/cancel 1", "/close 1"),
        (unregistered, "/ask 48h 问题", "还没有登记"),
    ]
    before = database_rows(bot)
    assert len(before["rounds"]) == 2
    for chat, text, expected in table:
        seen = len(bot.bot_texts(chat))
        await bot.command(chat, text)
        replies = bot.bot_texts(chat)[seen:]
        assert len(replies) == 1 and expected in replies[0], (text, replies)
        assert database_rows(bot) == before, text


async def test_recurring_round_missed_while_down_runs_once_and_reschedules(
    minyi_bot: RunningBot,
) -> None:
    """`/schedule --cron` hourly: after the clock jumps three hours (the bot was not ticking),
    the missed occurrences are not replayed; the one whose window is still open opens once."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, '/schedule --cron "0 * * * *" 10m 这一小时里有什么新情况？')
    await bot.wait_text(group, lambda t: "已安排" in t and "0 * * * *" in t)
    async with bot.core.repo.transaction() as session:
        (first,) = await session.list_rounds()
    assert first.state == "scheduled" and first.opens_at.minute == 0

    bot.core.clock = shifted_clock(first.opens_at + timedelta(seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #1" in t)
    bot.core.clock = shifted_clock(first.opens_at + timedelta(hours=3, seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #2" in t)
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        rounds = sorted(await session.list_rounds(), key=lambda r: r.id)
    assert [(r.id, r.state) for r in rounds] == [(1, "closed"), (2, "open")]
    assert rounds[1].opens_at == first.opens_at + timedelta(hours=3)
    assert len(texts_with(bot, group, "征询 #1 已结束")) == 1

    bot.core.clock = shifted_clock(first.opens_at + timedelta(hours=3, minutes=11))
    await bot.wait_text(group, lambda t: "征询 #2 已结束" in t)
    async with bot.core.repo.transaction() as session:
        third = await session.get_round(3)
    assert third is not None and third.state == "scheduled"
    assert third.opens_at == first.opens_at + timedelta(hours=4)
    assert len(texts_with(bot, group, "社区征询 #")) == 2


async def test_a_recurring_round_longer_than_its_interval_keeps_its_duration(
    minyi_bot: RunningBot,
) -> None:
    """`/schedule --cron` daily for 48h: each occurrence is open 48 hours, as residents are
    told. The next occurrence is the latest firing by the time the previous one closes (the
    firing in between fell while it was still open), not an earlier one whose window is
    half gone, which opened at once and closed a day later."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, '/schedule --cron "0 9 * * *" 48h 这两天小区有什么新情况？')
    await bot.wait_text(group, lambda t: "已安排" in t)
    async with bot.core.repo.transaction() as session:
        (first,) = await session.list_rounds()

    bot.core.clock = shifted_clock(first.opens_at + timedelta(seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #1" in t)
    bot.core.clock = shifted_clock(first.closes_at + timedelta(seconds=1))
    await bot.wait_text(group, lambda t: "社区征询 #2" in t)
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        second = await session.get_round(2)
    assert second is not None and second.state == "open"
    assert second.opens_at == first.opens_at + timedelta(days=2)
    assert second.closes_at == first.closes_at + timedelta(days=2)


async def test_rounds_lists_scheduled_open_and_recently_closed_rounds(
    minyi_bot: RunningBot,
) -> None:
    """/rounds shows what is scheduled, open, and closed in the last two weeks, with ids; not
    a round closed long ago, nor a cancelled one."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    real = bot.core.clock
    bot.core.clock = lambda: real() - timedelta(days=20)
    await bot.command(group, "/ask 1h 很久以前的问题？")
    await bot.command(group, "/close 1")
    bot.core.clock = real
    await bot.command(group, "/ask 1h 刚结束的问题？")
    await bot.command(group, "/close 2")
    await bot.command(group, "/ask 2h 进行中的问题？")
    opens = (bot.core.now() + timedelta(days=1)).astimezone(bot.settings.schedule.tz)
    await bot.command(group, f"/schedule {opens:%Y-%m-%d %H:%M} 1h 明天的问题？")
    await bot.command(group, f"/schedule {opens:%Y-%m-%d %H:%M} 1h 取消的问题？")
    await bot.command(group, "/cancel 5")
    await bot.command(group, "/rounds")
    listing = bot.bot_texts(group)[-1]
    lines = [line for line in listing.splitlines() if line.startswith("#")]
    assert [line.split(" · ")[0] for line in lines] == ["#4 待开始", "#3 进行中", "#2 已结束"], (
        listing
    )
    assert "明天的问题" in lines[0] and "刚结束的问题" in lines[2]


async def test_no_reminder_for_a_round_shorter_than_it_or_closed_before_it(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With `rounds.reminder_before = "24h"`: a 48h round is reminded once; a 2h round never
    (the reminder would come before it opened), nor a 48h round closed early by /close."""
    async with start_bot(emulator, tmp_path, rounds={"reminder_before": "24h"}) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        start = bot.core.now()
        await bot.command(group, "/ask 48h 两天的问题？")
        await bot.command(group, "/ask 2h 两小时的问题？")
        await bot.command(group, "/ask 48h 提前结束的问题？")
        await bot.command(group, "/close 3")
        bot.core.clock = shifted_clock(start + timedelta(hours=25))
        await bot.wait_text(group, lambda t: "征询 #2 已结束" in t)
        await bot.wait_text(group, lambda t: "提醒" in t)
        await bot.settle()
        reminders = texts_with(bot, group, "提醒")
        assert len(reminders) == 1 and "#1" in reminders[0], reminders
        bot.core.clock = shifted_clock(start + timedelta(hours=48, seconds=1))
        await bot.wait_text(group, lambda t: "征询 #1 已结束" in t)
        await bot.settle()
        assert texts_with(bot, group, "提醒") == reminders


async def test_a_plain_group_message_answers_the_only_open_text_round(
    minyi_bot: RunningBot,
) -> None:
    """A group message that replies to nothing answers the community's one open text round (an
    open poll does not make it ambiguous); with two text rounds open it answers neither, and
    only a reply says which. Another community's round is not this group's."""
    bot = minyi_bot
    em = bot.emulator
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("会展城业主群", "会展城社区")
    resident = em.add_user("居民")
    await bot.command(bihai, "/ask 2h 停车怎么办？")
    await bot.command(bihai, "/poll 2h 几点开会？ | 上午 | 下午")
    em.send_message(resident, bihai, "多建立体车库。")
    em.send_message(resident, huizhan, "会展城的闲聊。")
    await bot.settle()
    await bot.command(bihai, "/ask 2h 绿化怎么办？")
    em.send_message(resident, bihai, "两个问题都开着时的闲聊。")
    second = next(m for m in em.messages_to(bihai.id) if "社区征询 #3" in m.get("text", ""))
    em.send_message(resident, bihai, "多种树。", reply_to=second["message_id"])
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        stored = [(a.round_id, a.text) for a in await session.list_answers(include_hidden=True)]
    assert stored == [(1, "多建立体车库。"), (3, "多种树。")]
