"""SPEC §9 under a real crash: `minyi run` killed with SIGKILL loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
from collections import Counter
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from tests.e2e.processes import ask_by_hand, start_minyi_run, wait_exit, write_run_config

PHRASES = [
    "希望物业公开停车费的收支明细",
    "垃圾分类点晚上没有灯，老人倒垃圾不方便",
    "社区议事会应该让租户也能参加",
    "电梯经常坏，维修要及时回应居民",
    "小区门口的路口需要红绿灯，孩子上学太危险",
    "网上办事对老年人太难了，希望保留人工窗口",
    "广场舞噪音太大，晚上九点以后应该停止",
    "希望社区多组织志愿者活动，大家一起参与",
]


def _stored(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute("SELECT source, text FROM answers ORDER BY id"))


async def test_sigkill_mid_batch_loses_and_duplicates_nothing(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Hundreds of answers, the bot killed at an arbitrary moment, restarted: each stored once."""
    em = emulator
    organiser = em.add_user("Organiser")
    database = tmp_path / "minyi.db"
    config = tmp_path / "config.toml"
    log = tmp_path / "bot.log"
    write_run_config(config, em, organiser, f"sqlite:///{database}", secret="crash-test-secret")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)

    first = start_minyi_run(config, log)
    try:
        post = await ask_by_hand(em, organiser, group)
        rng = random.Random(7)
        # Enough residents that nobody reaches the per-resident rate limit (10 a minute).
        residents = [em.add_user(f"居民{i}") for i in range(150)]
        sent: list[str] = []
        for i in range(300):
            text = f"{rng.choice(PHRASES)}（第{i}条意见）"
            em.send_message(rng.choice(residents), group, text, reply_to=post["message_id"])
            sent.append(text)
        # Kill at an arbitrary moment while the batch is being worked through.
        start_offset = em.confirmed_offset
        await em.wait_for(lambda: em.confirmed_offset > start_offset + rng.randint(1, 60), 60)
        # From here Telegram answers getUpdates with errors: the bot works through the batch
        # it holds, and the kill comes within it however fast the machine is (the batch after
        # it, at least, is never fetched before the kill).
        em.inject_fault("500", method="getUpdates", count=1_000_000)
        await asyncio.sleep(rng.random() * 0.3)
        first.send_signal(signal.SIGKILL)
        await wait_exit(first)
        em.faults.clear()
        assert len(_stored(database)) < len(sent), "the crash came too late to test anything"
    finally:
        if first.poll() is None:
            first.kill()

    second = start_minyi_run(config, log)
    try:
        await em.wait_idle(120)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await wait_exit(second, 30) == 0
    stored = _stored(database)
    missing = Counter(sent) - Counter(text for _, text in stored)
    extra = Counter(text for _, text in stored) - Counter(sent)
    assert not missing and not extra, (missing, extra, log.read_text()[-3000:])
    assert len({source for source, _ in stored}) == len(sent)
