"""Rounds across real crashes: `minyi run` killed with SIGKILL while a round is scheduled, between
storing its opening and posting it, and while it is open; each transition happens exactly once."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import settings_from_dict
from bot.core.base import open_core, utcnow
from bot.core.parsing import RoundRequest
from bot.core.rounds import create_round
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.e2e.processes import sqlite_run_config, start_minyi_run, stop

# Far longer than any run of this test: the clock of the `minyi run` processes is the wall
# clock, so time "passes while the bot is down" by moving the rounds' times in the database,
# never by waiting for it (a 14-second window once ran out on a busy machine).
WINDOW = timedelta(hours=1)
# The deployment's privacy key: the bot and the core the test opens beside it share it.
RESTART_SECRET = "restart-test-secret"


class Bot:
    """One `python -m bot run` process after another, logging to one file."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.log = config.parent / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = start_minyi_run(self.config, self.log)

    async def stop(self, sig: signal.Signals = signal.SIGKILL) -> None:
        assert self.proc is not None
        await stop(self.proc, sig)

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute(sql))


def _move_rounds(database: Path, column: str, to: float) -> None:
    """While the bot is down, let a round time pass: set `column` of every round to `to`."""
    if column not in ("opens_at", "closes_at"):
        raise ValueError(column)
    with sqlite3.connect(database) as conn:
        conn.execute(f"UPDATE rounds SET {column} = ?", (to,))


def _texts(em: BotAPIEmulator, chat: SimChat, fragment: str) -> list[str]:
    return [m.get("text", "") for m in em.messages_to(chat.id) if fragment in m.get("text", "")]


async def test_rounds_open_and_close_once_across_sigkills_and_lose_no_vote_or_answer(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Killed while a poll and a text round are scheduled, again after storing their opening
    but before Telegram took it, and again while they are open with residents still voting and
    answering: after each restart every opening, summary and report appears exactly once, and
    every vote (with its change and retraction) and every answer is counted."""
    em = emulator
    organiser = em.add_user("Organiser")
    config, database = sqlite_run_config(tmp_path, em, organiser, secret=RESTART_SECRET)
    bihai, huizhan = em.add_group("碧海社区居民群"), em.add_group("会展城业主群")
    for group in (bihai, huizhan):
        em.add_bot_to_group(group, organiser)
    bot = Bot(config)
    try:
        bot.start()
        em.send_message(organiser, em.private_chat(organiser), "/start")  # so reports reach them
        em.send_message(organiser, bihai, "/community 碧海社区")
        em.send_message(organiser, huizhan, "/community 会展城社区")
        await em.wait_for(lambda: all(_texts(em, g, "登记") for g in (bihai, huizhan)), 60)

        # Two rounds scheduled an hour ahead (through the core: /schedule is by minute).
        settings = settings_from_dict(
            {"storage": {"url": f"sqlite:///{database}"}, "privacy": {"secret": RESTART_SECRET}},
            environ={},
        )
        core = await open_core(settings)
        try:
            async with core.repo.transaction() as session:
                communities = await session.list_communities()
            opens = utcnow() + timedelta(hours=1)
            for request in (
                RoundRequest(
                    kind="poll",
                    question="小区最需要先改善哪一项？",
                    options=["停车", "绿化", "照明"],
                    duration=WINDOW,
                    opens_at=opens,
                ),
                RoundRequest(
                    kind="text", question="你对物业有什么意见？", duration=WINDOW, opens_at=opens
                ),
            ):
                await create_round(core, request, communities, "organiser")
        finally:
            await core.repo.close()
        await bot.stop()  # 1: killed while both rounds are scheduled

        # 2: restarted after the opening time (moved into the past while it was down), with
        # Telegram refusing the opening posts; killed once the opening is stored but nothing
        # is posted.
        _move_rounds(database, "opens_at", (utcnow() - timedelta(seconds=1)).timestamp())
        em.inject_fault("500", method="sendPoll", count=10_000)
        em.inject_fault("500", method="sendMessage", count=10_000)
        bot.start()
        await em.wait_for(
            lambda: (
                any(not c.ok for c in em.calls_to("sendPoll"))
                and len(_rows(database, "SELECT 1 FROM posts WHERE purpose = 'open'")) == 4
            ),
            60,
        )
        await bot.stop()
        assert _rows(database, "SELECT DISTINCT state FROM rounds") == [("open",)]
        assert em.polls() == {}
        em.faults.clear()

        # 3: restarted; the openings go out once; residents vote and answer; killed again.
        bot.start()
        await em.wait_for(
            lambda: (
                len(em.polls()) == 2 and all(_texts(em, g, "社区征询 #2") for g in (bihai, huizhan))
            ),
            60,
        )
        poll_of = {p["chat_id"]: p["id"] for p in em.polls().values()}
        post_of = {
            g.id: next(
                m["message_id"] for m in em.messages_to(g.id) if "社区征询 #2" in m.get("text", "")
            )
            for g in (bihai, huizhan)
        }
        a, b, c, d = (em.add_user(f"居民{i}") for i in range(4))
        em.vote_poll(a, poll_of[bihai.id], [0])
        em.vote_poll(b, poll_of[bihai.id], [1])
        em.vote_poll(c, poll_of[huizhan.id], [0])
        em.send_message(a, bihai, "物业费的账目应该公开。", reply_to=post_of[bihai.id])
        em.send_message(c, huizhan, "电梯坏了很久没人修。", reply_to=post_of[huizhan.id])
        await em.wait_idle(60)
        await bot.stop()

        # While the bot is down: a change, a retraction, a new vote, two more answers.
        em.vote_poll(b, poll_of[bihai.id], [0])
        em.vote_poll(a, poll_of[bihai.id], [])
        em.vote_poll(d, poll_of[huizhan.id], [1])
        em.send_message(b, bihai, "晚上小区路灯太暗。", reply_to=post_of[bihai.id])
        em.send_message(d, huizhan, "希望多组织邻里活动。", reply_to=post_of[huizhan.id])
        # ... and the closing time passes.
        assert _rows(database, "SELECT DISTINCT state FROM rounds") == [("open",)]
        _move_rounds(database, "closes_at", (utcnow() - timedelta(seconds=1)).timestamp())

        # 4: restarted after closing time: what residents sent is counted, then both close once.
        bot.start()
        await em.wait_for(
            lambda: (
                all(len(_texts(em, g, "已结束")) == 2 for g in (bihai, huizhan))
                and len(_texts(em, em.private_chat(organiser), "征询报告")) == 2
            ),
            60,
        )
        await em.wait_idle(60)
        await asyncio.sleep(1.0)  # a few more ticks: nothing may be posted twice
        await bot.stop(signal.SIGTERM)
    except BaseException:
        if bot.proc is not None and bot.proc.poll() is None:
            bot.proc.kill()
        print(bot.tail())
        raise

    for group in (bihai, huizhan):
        assert len([m for m in em.messages_to(group.id) if "poll" in m]) == 1
        assert len(_texts(em, group, "社区征询 #2")) == 1
        assert len(_texts(em, group, "征询 #1 已结束")) == 1
        assert len(_texts(em, group, "征询 #2 已结束")) == 1
    organiser_chat = em.private_chat(organiser)
    assert len(_texts(em, organiser_chat, "征询报告 #1")) == 1
    assert len(_texts(em, organiser_chat, "征询报告 #2")) == 1
    assert all(p["is_closed"] for p in em.polls().values())
    assert len([c for c in em.calls_to("stopPoll") if c.ok]) == 2

    assert _rows(database, "SELECT DISTINCT state FROM rounds") == [("closed",)]
    votes = _rows(
        database,
        "SELECT c.name, v.option_index FROM votes v JOIN communities c ON c.id = v.community_id "
        "ORDER BY c.name, v.option_index",
    )
    assert votes == [("会展城社区", 0), ("会展城社区", 1), ("碧海社区", 0)]
    answers = _rows(database, "SELECT text FROM answers WHERE round_id = 2 ORDER BY text")
    assert sorted(t for (t,) in answers) == sorted(
        [
            "物业费的账目应该公开。",
            "电梯坏了很久没人修。",
            "晚上小区路灯太暗。",
            "希望多组织邻里活动。",
        ]
    )
    (bihai_summary,) = _texts(em, bihai, "征询 #1 已结束")
    assert "参与居民：1" in bihai_summary and "100%" in bihai_summary, bihai_summary
