"""A poll Telegram took while the bot lost its answer (the first copy, the orphan), sent again
later: the first copy is found and stopped, and the votes cast in it count once, also when the
search for it is cut off, when many messages came between the two, when the round closed
before the copy could go, and whatever the resident asks of their data meanwhile."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.telegram.flood import FloodLimiter
from sandbox.models import RecordedCall, SimChat, SimUser
from tests.e2e.test_privacy import press_forget
from tests.e2e.test_rounds_faults import option_line
from tests.harness import RunningBot

POLL = "/poll 2h 先改善哪一项？ | 停车 | 绿化"


def _uncap(bot: RunningBot) -> None:
    """More looks than a group's minute allows are not what the test is about."""
    limiter = bot.app.bot.rate_limiter
    assert isinstance(limiter, FloodLimiter)
    limiter.set_group_limit(1_000_000)


async def _orphan(bot: RunningBot, group: SimChat, command: str = POLL) -> dict[str, Any]:
    """Open a poll round whose poll Telegram takes while the bot loses the answer; its copy is
    held back (every later sendPoll fails) until `_release`."""
    em = bot.emulator
    before = len(em.polls())
    em.inject_fault("drop_after", method="sendPoll")
    em.inject_fault("drop", method="sendPoll", count=10_000)
    await bot.command(group, command)
    await em.wait_for(lambda: len(em.polls()) == before + 1, 30)
    return list(em.polls().values())[-1]


async def _release(bot: RunningBot) -> dict[str, Any]:
    """Let the copy go; the copy, once the outbox owes nothing more."""
    em = bot.emulator
    before = len(em.polls())
    em.faults[:] = [f for f in em.faults if f.method != "sendPoll"]
    await em.wait_for(lambda: len(em.polls()) == before + 1, 30)
    await bot.settle()
    return list(em.polls().values())[-1]


def _drop_answer_of_stop(bot: RunningBot, message_id: int) -> None:
    """Telegram stops the poll of `message_id` the first time it is asked to, and the bot never
    learns it did (the connection dies): as a crash right after that stopPoll."""
    fired: list[RecordedCall] = []

    def intercept(call: RecordedCall) -> str | None:
        if call.method != "stopPoll" or fired:
            return None
        if int(call.params.get("message_id", 0)) != message_id:
            return None
        fired.append(call)
        return "drop_after"

    bot.emulator.interceptors.append(intercept)  # type: ignore[arg-type]


async def _summary_and_report(
    bot: RunningBot, group: SimChat, round_id: int = 1
) -> tuple[str, str]:
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, f"/close {round_id}")
    summary = await bot.wait_text(group, lambda t: f"征询 #{round_id} 已结束" in t, timeout=30)
    report = await bot.wait_text(private, lambda t: f"征询报告 #{round_id}" in t, timeout=30)
    await bot.settle()
    return summary, report


async def _start(bot: RunningBot) -> SimChat:
    await bot.command(bot.emulator.private_chat(bot.organiser), "/start")
    return await bot.register("碧海社区居民群", "碧海社区")


def _residents(bot: RunningBot, n: int) -> list[SimUser]:
    return [bot.emulator.add_user(f"居民{i}") for i in range(n)]


async def test_votes_in_the_first_copy_count_when_the_stop_that_found_it_lost_its_answer(
    minyi_bot: RunningBot,
) -> None:
    """The search for the first copy is cut off right after Telegram stopped it (its answer
    lost, as in a crash there): no third copy is sent, and the votes cast in the first copy
    count, once, beside the copy's."""
    bot = minyi_bot
    em = bot.emulator
    group = await _start(bot)
    orphan = await _orphan(bot, group)
    a, b = _residents(bot, 2)
    em.vote_poll(a, orphan["id"], [0])
    em.vote_poll(b, orphan["id"], [1])
    await bot.settle()
    _drop_answer_of_stop(bot, orphan["message_id"])
    copy = await _release(bot)
    assert em.polls()[orphan["id"]]["is_closed"]
    assert len(em.polls()) == 2, "no third copy"
    em.vote_poll(b, copy["id"], [0])  # b changes their mind in the copy: their last vote
    await bot.settle()
    summary, report = await _summary_and_report(bot, group)
    for text in (summary, report):
        assert option_line(text, "停车", 2, 100) and option_line(text, "绿化", 0, 0), text


async def test_the_first_copy_is_found_below_more_messages_than_one_look_covers(
    minyi_bot: RunningBot,
) -> None:
    """Forty messages came between the first copy and its copy (residents talked while the
    bot could not reach Telegram): the first copy is still found and stopped, its vote
    counted, and nothing older than the bot's last stored post in the group is stopped."""
    bot = minyi_bot
    em = bot.emulator
    _uncap(bot)
    group = await _start(bot)
    await bot.command(group, "/poll 2h 晚上哪里最暗？ | 东门 | 西门")
    before = next(iter(em.polls().values()))
    orphan = await _orphan(bot, group)
    (a,) = _residents(bot, 1)
    em.vote_poll(a, orphan["id"], [1])
    talker = em.add_user("聊天的居民")
    for i in range(40):
        em.send_message(talker, group, f"今天第{i}次说话")
    await bot.settle()
    await _release(bot)
    assert em.polls()[orphan["id"]]["is_closed"]
    assert not em.polls()[before["id"]]["is_closed"]
    summary, _ = await _summary_and_report(bot, group, 2)
    assert option_line(summary, "绿化", 1, 100), summary


async def test_a_first_copy_beyond_the_search_is_logged_with_what_to_do(
    minyi_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """More messages than the search may cover came between the first copy and its copy: the
    search ends with a warning an operator can act on (the round, the chat, how far it looked,
    the votes waiting), and the votes waiting are still the resident's to see."""
    import bot.telegram.orphan_polls as orphan_polls

    monkeypatch.setattr(orphan_polls, "ORPHAN_SEARCH_MAX", 20)
    bot = minyi_bot
    em = bot.emulator
    _uncap(bot)
    group = await _start(bot)
    orphan = await _orphan(bot, group)
    (a,) = _residents(bot, 1)
    em.vote_poll(a, orphan["id"], [1])
    talker = em.add_user("聊天的居民")
    for i in range(30):
        em.send_message(talker, group, f"今天第{i}次说话")
    await bot.settle()
    with caplog.at_level(logging.WARNING, logger="bot.telegram.outbox"):
        await _release(bot)
    assert not em.polls()[orphan["id"]]["is_closed"]
    lines = [r.getMessage() for r in caplog.records if "not found" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    assert "round 1" in lines[0] and "20 messages" in lines[0] and "1 vote" in lines[0], lines
    chat = em.private_chat(a)
    await bot.command(chat, "/mydata", user=a)
    assert "绿化" not in bot.bot_texts(chat)[-1]  # its round is not known: the option's place
    assert "第 2 项" in bot.bot_texts(chat)[-1], bot.bot_texts(chat)[-1]


@pytest.mark.parametrize(
    ("anonymous", "stop_lost"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["public", "anonymous", "public-stop-lost", "anonymous-stop-lost"],
)
async def test_votes_in_a_first_copy_whose_round_closed_first_count_in_summary_and_report(
    minyi_bot: RunningBot, anonymous: bool, stop_lost: bool
) -> None:
    """The round closed before the copy could go (the poll is only found below the closing
    summary, and with `stop_lost` the answer to the stop that found it is lost, as in a crash
    there): the votes cast in the first copy count, and the community's summary (edited) and
    the organisers' report show the same figures."""
    bot = minyi_bot
    em = bot.emulator
    group = await _start(bot)
    flag = "--anonymous " if anonymous else ""
    orphan = await _orphan(bot, group, f"/poll {flag}2h 先改善哪一项？ | 停车 | 绿化")
    a, b = _residents(bot, 2)
    em.vote_poll(a, orphan["id"], [0])
    em.vote_poll(b, orphan["id"], [0])
    await bot.settle()
    if stop_lost:
        _drop_answer_of_stop(bot, orphan["message_id"])
    _, report = await _summary_and_report(bot, group)
    assert em.polls()[orphan["id"]]["is_closed"]
    # The summary as residents see it now (edited in place, if it was).
    edited = [m.get("text", "") for m in em.messages_to(group.id) if "已结束" in m.get("text", "")]
    for text in (*edited, report):
        assert option_line(text, "停车", 2, 100), text
    assert "没有发到任何群里" not in report, report  # the first copy was the round's post


async def test_mydata_shows_a_vote_waiting_for_its_poll_and_forget_deletes_it(
    minyi_bot: RunningBot,
) -> None:
    """A vote in a poll whose id the bot has not stored yet is the resident's data: /mydata
    lists it, /forget deletes it, and it does not count once the poll is found."""
    bot = minyi_bot
    em = bot.emulator
    group = await _start(bot)
    orphan = await _orphan(bot, group)
    a, b = _residents(bot, 2)
    em.vote_poll(a, orphan["id"], [1])
    em.vote_poll(b, orphan["id"], [0])
    await bot.settle()
    chat = em.private_chat(a)
    await bot.command(chat, "/mydata", user=a)
    mine = bot.bot_texts(chat)[-1]
    assert "第 2 项" in mine and "等待" in mine, mine
    await press_forget(bot, a, confirm=True)
    assert "1 次投票" in bot.bot_texts(chat)[-1], bot.bot_texts(chat)[-1]
    await bot.command(chat, "/mydata", user=a)
    assert "没有保存" in bot.bot_texts(chat)[-1], bot.bot_texts(chat)[-1]
    await _release(bot)
    summary, _ = await _summary_and_report(bot, group)
    assert option_line(summary, "停车", 1, 100) and option_line(summary, "绿化", 0, 0), summary


@pytest.mark.parametrize("anonymous", [False, True])
async def test_the_poll_note_tells_who_voted_in_the_first_copy_what_a_second_vote_does(
    minyi_bot: RunningBot, anonymous: bool
) -> None:
    """A resident who voted in the first copy and again in its copy: in a public poll their
    last vote counts, once; an anonymous poll names no voter, so Telegram's totals of the two
    count them twice, and the poll's note (sent once the first copy was found) asks who voted
    there not to vote again, saying why."""
    bot = minyi_bot
    em = bot.emulator
    group = await _start(bot)
    flag = "--anonymous " if anonymous else ""
    orphan = await _orphan(bot, group, f"/poll {flag}2h 先改善哪一项？ | 停车 | 绿化")
    (a,) = _residents(bot, 1)
    em.vote_poll(a, orphan["id"], [0])
    await bot.settle()
    copy = await _release(bot)
    note = await bot.wait_text(group, lambda t: "社区投票 #1" in t)
    assert "之前还发出过一份同样的投票" in note, note
    assert ("会被算两次" in note) == anonymous, note
    em.vote_poll(a, copy["id"], [1])
    await bot.settle()
    summary, report = await _summary_and_report(bot, group)
    for text in (summary, report):
        if anonymous:  # as the note said: Telegram's totals of both polls, added
            assert option_line(text, "停车", 1, 50) and option_line(text, "绿化", 1, 50), text
        else:  # their last vote
            assert option_line(text, "停车", 0, 0) and option_line(text, "绿化", 1, 100), text


async def test_the_first_copy_is_found_below_a_post_of_an_earlier_round_sent_between(
    minyi_bot: RunningBot,
) -> None:
    """Round 1's closing summary went out between round 2's first copy and its copy (a chat's
    posts go by round, so it came first on the pass that sent the copy): the search looks below
    it, finds round 2's first copy and counts its vote."""
    bot = minyi_bot
    em = bot.emulator
    group = await _start(bot)
    await bot.command(group, "/poll 2h 晚上哪里最暗？ | 东门 | 西门")
    orphan = await _orphan(bot, group)
    (a,) = _residents(bot, 1)
    em.vote_poll(a, orphan["id"], [1])
    await bot.settle()
    await bot.command(em.private_chat(bot.organiser), "/close 1")
    await bot.wait_text(group, lambda t: "征询 #1 已结束" in t, timeout=30)
    await _release(bot)
    assert em.polls()[orphan["id"]]["is_closed"]
    summary, _ = await _summary_and_report(bot, group, 2)
    assert option_line(summary, "绿化", 1, 100), summary


async def test_a_first_copy_found_empty_after_the_close_leaves_the_summary_without_a_warning(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The first copy, nobody having voted in it, is found from Telegram's stopped-poll update
    once its round closed (the stop's answer lost): the summary already shows the right
    figures, so bringing it up to date changes nothing. Telegram refuses such an edit
    ("message is not modified"), which was logged as a warning that the summary was not
    brought up to date, sending an operator to look for a fault that is not there."""
    bot = minyi_bot
    em = bot.emulator
    group = await _start(bot)
    orphan = await _orphan(bot, group)
    _drop_answer_of_stop(bot, orphan["message_id"])
    with caplog.at_level(logging.INFO, logger="bot.telegram.outbox"):
        summary, report = await _summary_and_report(bot, group)
        await bot.settle()
    assert em.polls()[orphan["id"]]["is_closed"]
    for text in (summary, report):
        assert option_line(text, "停车", 0, 0) and option_line(text, "绿化", 0, 0), text
    stale = [r.getMessage() for r in caplog.records if "not brought up to date" in r.getMessage()]
    assert stale == []
