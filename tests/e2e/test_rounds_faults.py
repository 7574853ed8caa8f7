"""Rounds when something is off: a cron that never fires, a group that removed the bot, votes
cast while a poll's stop is still being retried."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.parsing import RoundRequest
from bot.core.rounds import create_round
from tests.harness import RunningBot

NEVER = "0 0 31 2 *"  # 31 February: a valid expression that never fires


def option_line(text: str, option: str, votes: int, share: int) -> bool:
    """Whether a summary or report shows `option` with `votes` votes and `share` percent."""
    return re.search(rf"^\s*{option}\s+{votes}\s+{share}%", text, re.MULTILINE) is not None


async def test_a_cron_that_never_fires_is_refused_and_a_stored_one_ends_its_series(
    minyi_bot: RunningBot,
) -> None:
    """`/schedule --cron "0 0 31 2 *"` gets a clear refusal with or without a date and stores
    nothing; a round already stored with such a cron still closes (its series ends) and the
    rounds after it close too."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    zone = bot.settings.schedule.tz
    later = (bot.core.now() + timedelta(days=2)).astimezone(zone)
    for text in (
        f'/schedule --cron "{NEVER}" 3s 永不再来的问题',
        f'/schedule --cron "{NEVER}" {later:%Y-%m-%d} 09:00 3s 永不再来的问题',
    ):
        seen = len(bot.bot_texts(group))
        await bot.command(group, text)
        replies = bot.bot_texts(group)[seen:]
        assert len(replies) == 1 and "永远不会触发" in replies[0], (text, replies)
    async with bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []
        community = await session.get_community_by_chat(group.id)
    assert community is not None

    # A round stored with such a cron before the parser refused it (an older version).
    request = RoundRequest(
        kind="text",
        question="永不再来的问题",
        duration=timedelta(seconds=2),
        opens_at=bot.core.now() + timedelta(seconds=1),
        cron=NEVER,
    )
    await create_round(bot.core, request, [community], actor="organiser")
    await bot.command(group, "/ask 3s 第二个问题")
    await bot.wait_text(group, lambda t: "征询 #1 已结束" in t, timeout=30)
    await bot.wait_text(group, lambda t: "征询 #2 已结束" in t, timeout=30)
    async with bot.core.repo.transaction() as session:
        rounds = sorted(await session.list_rounds(), key=lambda r: r.id)
    assert [(r.id, r.state) for r in rounds] == [(1, "closed"), (2, "closed")]


async def test_organisers_get_the_report_of_a_round_whose_group_removed_the_bot(
    minyi_bot: RunningBot,
) -> None:
    """Closing a round whose only community removed the bot still sends the organisers their
    report (it goes to their private chats), and the outbox owes nothing more."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "#1" in m.get("text", ""))
    em.send_message(em.add_user("居民"), group, "希望公开物业账目。", reply_to=post["message_id"])
    await bot.settle()
    em.remove_bot_from_group(group, bot.organiser)
    await bot.settle()
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/close 1")
    report = await bot.wait_text(private, lambda t: "征询报告 #1" in t, timeout=30)
    assert "回答：1" in report, report
    async with bot.core.repo.transaction() as session:
        (report_post,) = await session.list_posts(1, "report")
    assert report_post.sent_at is not None


async def test_anonymous_poll_counts_votes_cast_until_telegram_stopped_it(
    minyi_bot: RunningBot,
) -> None:
    """Votes cast in an anonymous poll after the round closed but before Telegram accepted the
    stop (retried while stopPoll failed) count in the summary and the report: the totals
    stopping the poll returns are the final ones."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/start")
    await bot.command(group, "/poll --anonymous 2h 新的垃圾分类点设在哪里？ | 东门 | 西门")
    (poll,) = em.polls().values()
    early, late1, late2 = (em.add_user(f"居民{i}") for i in range(3))
    em.vote_poll(early, poll["id"], [0])
    await bot.settle()

    em.inject_fault("500", method="stopPoll", count=10_000)
    await bot.command(group, "/close 1")
    await em.wait_for(lambda: len(em.calls_to("stopPoll")) >= 1)
    em.vote_poll(late1, poll["id"], [1])
    em.vote_poll(late2, poll["id"], [1])
    await bot.settle()  # their tally updates reach a round that is already closed
    em.faults.clear()

    summary = await bot.wait_text(group, lambda t: "征询 #1 已结束" in t, timeout=30)
    report = await bot.wait_text(private, lambda t: "征询报告 #1" in t, timeout=30)
    for text in (summary, report):
        assert option_line(text, "东门", 1, 33) and option_line(text, "西门", 2, 67), text
    assert all(p["is_closed"] for p in em.polls().values())


async def test_a_post_telegram_keeps_refusing_is_given_up_and_blocks_no_other_group(
    minyi_bot: RunningBot,
) -> None:
    """Telegram refuses (400) every message to one group: its opening post is tried
    MAX_POST_ATTEMPTS times on successive passes and then given up (the outbox owes nothing
    more), while the other group's post goes out at once; the community stays active (a 400
    is not a removal)."""
    from bot.telegram.outbox import MAX_POST_ATTEMPTS

    bot = minyi_bot
    em = bot.emulator
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("会展城业主群", "会展城社区")
    em.inject_fault("400", method="sendMessage", chat_id=bihai.id, count=10_000)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 1h 大家最关心什么？")
    assert any("社区征询 #1" in t for t in bot.bot_texts(huizhan))

    async def bihai_post() -> tuple[int, float | None]:
        async with bot.core.repo.transaction() as session:
            community = await session.get_community_by_chat(bihai.id)
            assert community is not None
            posts = [p for p in await session.list_posts(1, "open")]
        (post,) = [p for p in posts if p.community_id == community.id]
        return post.attempts, post.sent_at

    await em.wait_for(
        lambda: (
            sum(
                1
                for c in em.calls
                if c.method == "sendMessage" and str(c.params.get("chat_id")) == str(bihai.id)
            )
            >= MAX_POST_ATTEMPTS
        ),
        timeout=60,
    )
    await bot.posts_sent(timeout=30)
    attempts, sent_at = await bihai_post()
    assert attempts == MAX_POST_ATTEMPTS and sent_at is not None
    assert not any("社区征询 #1" in t for t in bot.bot_texts(bihai))
    async with bot.core.repo.transaction() as session:
        assert await session.list_unsent_posts() == []
        assert {c.name: c.active for c in await session.list_communities()} == {
            "碧海社区": True,
            "会展城社区": True,
        }


async def test_a_poll_sent_again_stops_no_other_poll_while_looking_for_its_first_copy(
    minyi_bot: RunningBot,
) -> None:
    """A poll whose first send never reached Telegram is sent again and its first copy looked
    for: the round before's poll, a resident's poll of the same question and the bot's other
    messages are left as they are, and both rounds count their votes."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/poll 2h 先改善哪一项？ | 停车 | 绿化")
    await em.wait_for(lambda: len(em.polls()) == 1)
    await bot.settle()
    resident = em.add_user("居民")
    theirs = em.send_poll(resident, group, "晚上哪里最暗？", ["东门", "西门"])
    em.send_message(resident, group, "东门的路灯坏了")
    em.inject_fault("drop", method="sendPoll")
    await bot.command(group, "/poll 2h 晚上哪里最暗？ | 东门 | 西门")
    await em.wait_for(lambda: len(em.polls()) == 2, 30)
    await bot.settle()
    assert len(em.calls_to("sendPoll")) == 3  # the dropped one, then the copy
    assert len(em.calls_to("stopPoll")) > 0  # it looked
    assert not any(p["is_closed"] for p in em.polls().values())
    resident_poll = next(m for m in em.history(group.id) if m["message_id"] == theirs)
    assert not resident_poll["poll"]["is_closed"]
    first, second = em.polls()
    em.vote_poll(resident, first, [1])
    em.vote_poll(resident, second, [0])
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        assert await session.list_round_votes(1, bot.core.resident(resident.id)) == [1]
        assert await session.list_round_votes(2, bot.core.resident(resident.id)) == [0]


async def test_a_poll_telegram_took_is_stopped_when_its_round_closed_before_it_was_sent_again(
    minyi_bot: RunningBot,
) -> None:
    """A poll Telegram took while its answer was lost, its round closed before a copy could go
    (the group unreachable meanwhile): it stayed open beside the closing summary for good; it
    is looked for below the summary and stopped."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    em.inject_fault("drop_after", method="sendPoll")
    em.inject_fault("drop", method="sendPoll", count=10_000)
    await bot.command(group, "/poll 2h 先改善哪一项？ | 停车 | 绿化")
    await em.wait_for(lambda: len(em.polls()) == 1, 30)
    await bot.settle()
    await bot.command(group, "/close 1")
    await bot.wait_text(group, lambda t: "征询 #1 已结束" in t, timeout=30)
    await bot.settle()
    (poll,) = em.polls().values()
    assert poll["is_closed"]
