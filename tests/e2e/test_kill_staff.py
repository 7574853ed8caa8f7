"""SPEC §9 from outside: `minyi run` SIGKILLed at the instant it sends the weekly digest to staff
chats; after a restart each staff chat has the digest once (or once more, with the possible
duplicate logged)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.base import utcnow
from sandbox.emulator import BotAPIEmulator
from tests.e2e.killing import KillPoint, Runner, run_sql, storage_url, texts
from tests.e2e.processes import write_run_config

SECRET = "kill-staff-secret"
DUPLICATE = "this one is a duplicate"
POINTS = [
    KillPoint("sendMessage", 1),
    KillPoint("sendMessage", 1, taken=True),
    KillPoint("sendMessage", 2, taken=True),
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("point", POINTS, ids=[str(p) for p in POINTS])
async def test_a_digest_killed_at_any_call_reaches_each_staff_chat_once(
    emulator: BotAPIEmulator, tmp_path: Path, backend: str, point: KillPoint
) -> None:
    """Killed at `point` while the digest goes to two staff chats: each gets it once, or once
    more if Telegram took it just before the crash, and that is logged."""
    em = emulator
    organiser = em.add_user("Organiser")
    group = em.add_group("碧海社区居民群")
    staff = [em.add_group("街道办工作群"), em.add_group("社区两委群")]
    for chat in (group, *staff):
        em.add_bot_to_group(chat, organiser)
    with storage_url(backend, tmp_path) as url:
        config = write_run_config(
            tmp_path / "config.toml",
            em,
            organiser,
            url,
            secret=SECRET,
            staff_chats=[c.id for c in staff],
        )
        bot = Runner(em, config)
        try:
            await bot.restart()
            em.send_message(organiser, group, "/community 碧海社区")
            await em.wait_for(lambda: bool(texts(em, group.id, "已登记")), 60)
            await em.wait_idle(60)
            await bot.stop()
            # The community is a month old: the last week's digest is due.
            month_ago = utcnow().timestamp() - 30 * 86400
            await run_sql(url, SECRET, "UPDATE communities SET created_at = ?", (month_ago,))
            bot.arm(point)
            bot.start()
            assert await bot.killed_and_restarted(), "the bot never made that call"
            await em.wait_for(lambda: all(texts(em, c.id, "📰") for c in staff), 60)
            await em.wait_idle(60)
            await asyncio.sleep(1.0)  # a few scheduler ticks more: nothing may come twice
            await bot.stop()
        except BaseException:
            bot.kill_now()
            print(bot.tail())
            raise

    log = bot.tail()
    seen = [len(texts(em, c.id, "📰")) for c in staff]
    assert all(1 <= n <= 2 for n in seen) and sum(seen) <= 3, (seen, log)
    if sum(seen) > 2:
        assert DUPLICATE in log, (seen, log)
