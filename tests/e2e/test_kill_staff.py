"""SPEC §9 from outside: `minyi run` SIGKILLed at the instant it sends the weekly digest to staff
chats, or the scorecards `/index post` owes groups; after a restart each chat has it once (or
once more, with the possible duplicate logged)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.base import utcnow
from bot.core.index.values import period_of
from sandbox.emulator import BotAPIEmulator
from tests.e2e.killing import KillPoint, Runner, cli, run_sql, storage_url, texts
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


SCORECARD_POINTS = [
    KillPoint("sendPhoto", 1),
    KillPoint("sendPhoto", 1, taken=True),
    KillPoint("sendPhoto", 2, taken=True),
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("point", SCORECARD_POINTS, ids=[str(p) for p in SCORECARD_POINTS])
async def test_index_post_killed_at_any_call_reaches_each_group_once(
    emulator: BotAPIEmulator, tmp_path: Path, backend: str, point: KillPoint
) -> None:
    """Killed at `point` while `/index post` sends two groups their scorecards: each gets its
    own once, or once more if Telegram took it just before the crash, and that is logged."""
    em = emulator
    organiser = em.add_user("Organiser")
    groups = {name: em.add_group(f"{name}居民群") for name in ("碧海社区", "汇展城社区")}
    for chat in groups.values():
        em.add_bot_to_group(chat, organiser)
    me = em.private_chat(organiser)
    with storage_url(backend, tmp_path) as url:
        config = write_run_config(
            tmp_path / "config.toml",
            em,
            organiser,
            url,
            secret=SECRET,
            extra="[index]\nmin_coverage = 0.1\n",
        )
        bot = Runner(em, config)
        try:
            await bot.restart()
            em.send_message(organiser, me, "/start")
            for name, chat in groups.items():
                em.send_message(organiser, chat, f"/community {name}")
                await em.wait_for(lambda chat=chat: bool(texts(em, chat.id, "已登记")), 60)
            period = period_of(utcnow(), 3, ZoneInfo("Asia/Shanghai"))  # the default zone
            values = tmp_path / "values.csv"
            values.write_text(
                "community,indicator,period,value\n"
                f"碧海社区,voice_heard,{period},4\n汇展城社区,voice_heard,{period},3\n",
                encoding="utf-8",
            )
            await cli(config, "index", "import", str(values))
            await em.wait_idle(60)
            bot.arm(point)
            em.send_message(organiser, me, "/index post")
            assert await bot.killed_and_restarted(), "the bot never made that call"
            await em.wait_for(lambda: all(_photos(em, c.id) for c in groups.values()), 60)
            await em.wait_idle(60)
            await asyncio.sleep(1.0)  # a few scheduler ticks more: nothing may come twice
            await bot.stop()
        except BaseException:
            bot.kill_now()
            print(bot.tail())
            raise

    log = bot.tail()
    seen = [len(_photos(em, c.id)) for c in groups.values()]
    assert all(1 <= n <= 2 for n in seen) and sum(seen) <= 3, (seen, log)
    if sum(seen) > 2:
        assert DUPLICATE in log, (seen, log)


def _photos(em: BotAPIEmulator, chat_id: int) -> list[dict[str, object]]:
    return [m for m in em.messages_to(chat_id) if "photo" in m]
