"""An organiser's slow /report or /digest holds up no other chat (SPEC §9).

Over a big round a report segments up to a thousand long answers (seconds) and a digest also
draws its chart (seconds of matplotlib). Both used to run on the event loop inside the
command's update, so the intake took nobody's answer meanwhile. Now they are made once the
command has committed, on the caller's reply line, the computing in a worker thread.

No clock decides here: the slow step is held in its thread at a known point (a wrapper round
the real function that waits on an event) while a resident answers in another chat; the
resident's receipt must come while the report is still held, i.e. before it is sent.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from bot.core import reports
from bot.render import chart
from nlp.emerging import EmergingTerm, emerging_terms
from sandbox.models import SimUser
from tests.harness import RunningBot

# How long a held step waits for the test at most (then it goes on: before the fix it held
# the event loop itself, and the test could only find out afterwards, by the order).
HOLD = 30.0
ANSWERS = [
    "小区门口的共享单车乱停乱放，早上出门很难走，希望物业划出停放区。",
    "共享单车太多了，堵住了盲道，老人推轮椅过不去。",
    "晚上路灯坏了好几盏，共享单车倒在路边也看不见。",
]


class Held:
    """A real function wrapped so that its first call waits, in whatever thread runs it,
    until `release` is set (HOLD seconds at most); `entered` is set when that call begins."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(HOLD)
        return self.real(*args, **kwargs)


async def _answer_meanwhile(bot: RunningBot, held: Held, resident: SimUser) -> None:
    """Once `held` has begun: `resident` answers round #2 privately and gets the receipt,
    all while `held` still waits (unless it held the event loop itself)."""
    em = bot.emulator
    assert await asyncio.to_thread(held.entered.wait, HOLD), "the slow step never began"
    private = em.private_chat(resident)
    em.send_message(resident, private, "活动很好，希望下次有灯光。")
    await bot.wait_text(private, lambda t: "已收到你对征询 #2 的回答" in t, HOLD)


async def _two_rounds(bot: RunningBot) -> SimUser:
    """Round #1 in 会展城社区 with a few answers; round #2 in 碧海社区, which a resident has
    chosen to answer privately."""
    em = bot.emulator
    group_a = await bot.register("会展城业主群", "会展城社区")
    group_b = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group_a, "/ask 1h 你希望社区怎样改进？")
    await bot.command(group_b, "/ask 1h 今晚的活动怎么样？")
    post = next(m for m in em.messages_to(group_a.id) if "社区征询 #1" in m.get("text", ""))
    for i, text in enumerate(ANSWERS):
        em.send_message(em.add_user(f"会展城居民{i}"), group_a, text, reply_to=post["message_id"])
    resident = em.add_user("碧海居民")
    bot.join(resident, group_b)
    em.send_message(resident, em.private_chat(resident), "/start r2")
    await bot.settle()
    return resident


async def _stored_privately(bot: RunningBot) -> list[str]:
    async with bot.core.repo.transaction() as session:
        return [a.text for a in await session.list_answers() if a.round_id == 2]


async def test_a_report_being_built_holds_up_no_other_chat(
    minyi_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While round #1's report is held in its emerging terms, a resident's answer to round #2
    is stored and acknowledged; the report comes after, with the terms residents used."""
    bot = minyi_bot
    resident = await _two_rounds(bot)
    group_a = bot.groups["会展城社区"]
    held = Held(emerging_terms)
    monkeypatch.setattr(reports, "emerging_terms", held)

    bot.emulator.send_message(bot.organiser, group_a, "/report")
    try:
        await _answer_meanwhile(bot, held, resident)
        reported_meanwhile = [t for t in bot.bot_texts(group_a) if "征询报告" in t]
    finally:
        held.release.set()
    report = await bot.wait_text(group_a, lambda t: "征询报告" in t, timeout=60)

    assert reported_meanwhile == [], "the report went out before the other chat was served"
    assert await _stored_privately(bot) == ["活动很好，希望下次有灯光。"]
    expected: list[EmergingTerm] = emerging_terms(ANSWERS, bot.core.tagger, background=[])
    assert "#1" in report
    assert any(e.term in report for e in expected), report


async def test_a_digest_being_drawn_holds_up_no_other_chat(
    minyi_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the digest's chart is held in its drawing, a resident's answer is stored and
    acknowledged; the organiser then gets the digest whole: text, chart and CSV."""
    bot = minyi_bot
    em = bot.emulator
    resident = await _two_rounds(bot)
    held = Held(chart.render_chart)
    monkeypatch.setattr(chart, "render_chart", held)

    private = em.private_chat(bot.organiser)
    em.send_message(bot.organiser, private, "/digest")
    try:
        await _answer_meanwhile(bot, held, resident)
        photos_meanwhile = len(em.calls_to("sendPhoto"))
    finally:
        held.release.set()
    await em.wait_for(lambda: bool(em.calls_to("sendDocument")), timeout=60)

    assert photos_meanwhile == 0, "the digest's chart went out before the other chat was served"
    assert await _stored_privately(bot) == ["活动很好，希望下次有灯光。"]
    photo = em.calls_to("sendPhoto")
    assert len(photo) == 1 and photo[0].ok


def _failing(*_args: Any, **_kwargs: Any) -> Any:
    raise OSError("disk I/O error")


async def test_a_report_or_digest_that_cannot_be_made_says_so(
    minyi_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made after its command committed, a report or digest that fails (the disk, the
    database) has no update left to retry: the organiser is told to ask again instead of
    waiting for nothing, and the bot goes on."""
    from handlers import reports as report_handlers

    bot = minyi_bot
    em = bot.emulator
    await _two_rounds(bot)
    group_a = bot.groups["会展城社区"]
    monkeypatch.setattr(reports, "emerging_terms", _failing)
    em.send_message(bot.organiser, group_a, "/report")
    await bot.wait_text(group_a, lambda t: "暂时没能生成" in t, timeout=60)

    monkeypatch.setattr(report_handlers, "gather_digest", _failing)
    private = em.private_chat(bot.organiser)
    em.send_message(bot.organiser, private, "/digest")
    await bot.wait_text(private, lambda t: "暂时没能生成" in t, timeout=60)
    assert not em.calls_to("sendDocument")
    await bot.command(group_a, "/rounds")
    assert "#1" in bot.bot_texts(group_a)[-1]
