"""SPEC §9 from outside: `minyi run` SIGKILLed right after Telegram took a scheduled poll (the
bot never stored it), started again, and SIGKILLed again while its copy looks for that first
copy: at the look itself, before or after Telegram stopped the first copy. After the second
restart residents see two polls (never a third), both closed when the round closes, and
`minyi report --json` counts every resident's last vote once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.base import utcnow
from sandbox.emulator import BotAPIEmulator
from tests.e2e.killing import KillPoint, Runner, report_json, run_sql, storage_url, texts
from tests.e2e.processes import write_run_config

SECRET = "kill-orphan-secret"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("taken", [False, True], ids=["before-the-stop", "after-the-stop"])
async def test_a_crash_while_looking_for_the_first_copy_counts_every_vote_once(
    emulator: BotAPIEmulator, tmp_path: Path, backend: str, taken: bool
) -> None:
    """Killed at sendPoll (taken), residents vote in that first copy while the bot is down;
    killed again at the copy's first look for it (stopPoll, taken or not); after the second
    restart one resident changes their vote in the copy and another votes there: the round
    counts three voters, each one's last vote."""
    em = emulator
    organiser = em.add_user("Organiser")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    me = em.private_chat(organiser)
    with storage_url(backend, tmp_path) as url:
        config = write_run_config(tmp_path / "config.toml", em, organiser, url, secret=SECRET)
        bot = Runner(em, config)
        try:
            bot.start()
            em.send_message(organiser, me, "/start")
            em.send_message(organiser, group, "/community 碧海社区")
            day = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d")
            em.send_message(
                organiser, me, f"/schedule 碧海社区 {day} 09:00 2h 先改善哪一项？ | 停车 | 绿化"
            )
            await em.wait_for(lambda: len(texts(em, me.id, "第 1 轮征询已安排")) == 1, 60)
            a, b, c = (em.add_user(f"居民{i}") for i in range(3))

            def vote_in_the_first_copy() -> None:
                (first,) = em.polls()
                em.vote_poll(a, first, [0])
                em.vote_poll(b, first, [1])
                bot.arm(KillPoint("stopPoll", 1, taken=taken))

            bot.arm(KillPoint("sendPoll", 1, taken=True))
            await run_sql(url, SECRET, "UPDATE rounds SET opens_at = ?", (utcnow().timestamp(),))
            assert await bot.killed_and_restarted(while_down=vote_in_the_first_copy)
            assert await bot.killed_and_restarted(), "it never looked for the first copy"
            await em.wait_for(lambda: len(texts(em, group.id, "社区投票 #1")) >= 1, 60)
            await em.wait_idle(60)
            copy = list(em.polls())[-1]  # the latest: the only one open, if all went well
            em.vote_poll(b, copy, [0])
            em.vote_poll(c, copy, [1])
            await em.wait_idle(60)
            await run_sql(url, SECRET, "UPDATE rounds SET closes_at = ?", (utcnow().timestamp(),))
            await em.wait_for(lambda: len(texts(em, me.id, "征询报告 #1")) >= 1, 60)
            await em.wait_idle(60)
            await asyncio.sleep(1.0)  # a few scheduler ticks more: nothing may come twice
            await bot.stop()
            rounds = await report_json(config)
        except BaseException:
            bot.kill_now()
            print(bot.tail())
            raise
    poll = rounds[1]["poll"]
    seen = (len(em.polls()), all(p["is_closed"] for p in em.polls().values()))
    counted = (poll["voters"], [o["votes"] for o in poll["options"]])
    assert (seen, counted) == ((2, True), (3, [2, 1])), "(polls, all closed), (voters, votes)"
